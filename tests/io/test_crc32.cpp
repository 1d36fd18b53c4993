// CRC-32 against the standard check values (the catalogue's "123456789" -> 0xCBF43926, and the pangram
// zlib's documentation and many test suites use), and continued over pieces.
#include <catch2/catch.hpp>

#include <string>

#include "fnn/io/crc32.hpp"

namespace {
std::uint32_t crc_of(const std::string& text) {
  return fnn::crc32(reinterpret_cast<const unsigned char*>(text.data()), text.size());
}
}  // namespace

TEST_CASE("crc32 gives the standard check values", "[crc32]") {
  CHECK(crc_of("") == 0x00000000u);
  CHECK(crc_of("a") == 0xE8B7BE43u);
  CHECK(crc_of("123456789") == 0xCBF43926u);
  CHECK(crc_of("The quick brown fox jumps over the lazy dog") == 0x414FA339u);
}

TEST_CASE("crc32_update continues a checksum over the next bytes", "[crc32]") {
  const std::string text = "The quick brown fox jumps over the lazy dog";
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  for (std::size_t split = 0; split <= text.size(); ++split) {
    CHECK(fnn::crc32_update(fnn::crc32(bytes, split), bytes + split, text.size() - split) == crc_of(text));
  }
}
