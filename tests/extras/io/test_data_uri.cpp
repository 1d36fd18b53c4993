#include <catch2/catch.hpp>
#include <fnn/extras/io/data_uri.hpp>
#include <string>

namespace {
std::string base64_of(const std::string& text) {
  const std::string uri = fnn::data_uri("text/plain", reinterpret_cast<const unsigned char*>(text.data()), text.size());
  REQUIRE(uri.rfind("data:text/plain;base64,", 0) == 0);
  return uri.substr(std::string("data:text/plain;base64,").size());
}
}  // namespace

TEST_CASE("data_uri encodes base64 as RFC 4648's test vectors") {
  CHECK(base64_of("") == "");
  CHECK(base64_of("f") == "Zg==");
  CHECK(base64_of("fo") == "Zm8=");
  CHECK(base64_of("foo") == "Zm9v");
  CHECK(base64_of("foob") == "Zm9vYg==");
  CHECK(base64_of("fooba") == "Zm9vYmE=");
  CHECK(base64_of("foobar") == "Zm9vYmFy");
  CHECK(base64_of(std::string("\xff\xfe\x00", 3)) == "//4A");  // the two last digits and a zero byte
  CHECK(fnn::svg_data_uri("<svg/>") == "data:image/svg+xml;base64,PHN2Zy8+");
}
