// Damaged or unsupported images are refused with an IoError naming the file, never decoded as garbage.
#include <catch2/catch.hpp>

#include <fnn/fnn.hpp>

#include "data/data_support.hpp"

using namespace fnn;

namespace {

std::vector<unsigned char> png_bytes(const test::TempFolder& folder, int width, int height) {
  std::vector<std::uint8_t> pixels(static_cast<std::size_t>(width * height));
  for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<std::uint8_t>(i * 5);
  write_gray_png(folder.file("good.png"), pixels.data(), width, height);
  return test::read_bytes(folder.file("good.png"));
}

}  // namespace

TEST_CASE("a PNG written by fnn reads back pixel for pixel", "[image]") {
  test::TempFolder folder;
  png_bytes(folder, 6, 4);
  const GrayImage image = read_gray_image(folder.file("good.png"));
  REQUIRE(image.width == 6);
  REQUIRE(image.height == 4);
  for (std::size_t i = 0; i < image.pixels.size(); ++i) CHECK(image.pixels[i] == static_cast<std::uint8_t>(i * 5));
}

TEST_CASE("damaged and unsupported images are refused with the file's name and stb's reason", "[image]") {
  test::TempFolder folder;
  std::vector<unsigned char> bytes = png_bytes(folder, 28, 28);
  const std::string path = folder.file("bad.png");
  SECTION("truncated") { bytes.resize(bytes.size() / 2); }
  SECTION("empty") { bytes.clear(); }
  SECTION("not an image") { bytes.assign({'h', 'e', 'l', 'l', 'o'}); }
  SECTION("a GIF, which fnn does not decode") { bytes.assign({'G', 'I', 'F', '8', '9', 'a', 1, 0, 1, 0, 0, 0, 0}); }
  SECTION("a header announcing 100000 x 28 pixels") {
    // IHDR's width is the big-endian word at byte 16; stb refuses it before decoding anything.
    bytes[16] = 0x00, bytes[17] = 0x01, bytes[18] = 0x86, bytes[19] = 0xA0;
  }
  test::write_bytes(path, bytes);
  CHECK_THROWS_AS(read_gray_image(path), IoError);
  CHECK_THROWS_WITH(read_gray_image(path), Catch::StartsWith(path + ": cannot read the image: "));
}

TEST_CASE("a missing image file is named in the error", "[image]") {
  CHECK_THROWS_AS(read_gray_image("/nonexistent/shirt.jpg"), IoError);
  CHECK_THROWS_WITH(read_gray_image("/nonexistent/shirt.jpg"), Catch::StartsWith("/nonexistent/shirt.jpg: cannot read"));
}
