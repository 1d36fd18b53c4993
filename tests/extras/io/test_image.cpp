// Damaged or unsupported images are refused with an IoError naming the file, never decoded as garbage.
#include <catch2/catch.hpp>

#include <fnn/extras.hpp>

#include "extras/extras_support.hpp"

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

TEST_CASE("a JPEG Huffman table with more than 256 codes is refused before stb decodes it", "[image]") {
  // stb_image 2022-09-08 (Debian 12) writes past its arrays on such a table: found by fuzz_image.
  test::TempFolder folder;
  std::vector<unsigned char> jpeg = {0xFF, 0xD8, 0xFF, 0xC4};  // start of image, define Huffman table
  SECTION("a complete segment") {
    jpeg.insert(jpeg.end(), {0x00, 0x13, 0x00});  // 19 bytes, table class 0, id 0
    jpeg.insert(jpeg.end(), 16, 0x20);            // 16 x 32 = 512 codes
    jpeg.insert(jpeg.end(), {0xFF, 0xD9});
  }
  SECTION("a segment cut off by the end of the file, whose missing bytes stb reads as 0") {
    jpeg.insert(jpeg.end(), {0x01, 0xA2, 0x00});  // 418 bytes announced
    jpeg.insert(jpeg.end(), 15, 0x20);            // 15 x 32 = 480 codes, then the file ends
  }
  const std::string path = folder.file("bad.jpg");
  test::write_bytes(path, jpeg);
  CHECK_THROWS_AS(read_gray_image(path), IoError);
  CHECK_THROWS_WITH(read_gray_image(path), Catch::StartsWith(path + ": cannot read the image: byte 6: a Huffman table "
                                                                    "declares ") &&
                                               Catch::EndsWith(" codes, at most 256 exist"));
}

TEST_CASE("a JPEG scan that uses a Huffman table no DHT segment defined is refused before stb decodes it", "[image]") {
  // stb_image 2022-09-08 (Debian 12) decodes such a scan with uninitialised memory for the table and reads
  // far outside it (nothings/stb issue 1289): found by fuzz_image.
  test::TempFolder folder;
  const std::string path = folder.file("bad.jpg");
  SECTION("a sequential scan whose AC table is missing") {
    std::vector<unsigned char> jpeg = {0xFF, 0xD8, 0xFF, 0xC4, 0x00, 0x14, 0x00};  // DHT: 20 bytes, DC table 0
    jpeg.insert(jpeg.end(), {1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00});  // one code of 1 bit
    jpeg.insert(jpeg.end(), {0xFF, 0xC0, 0x00, 0x0B, 8, 0, 8, 0, 8, 1, 1, 0x11, 0});  // SOF0: 8 x 8, 1 component
    jpeg.insert(jpeg.end(), {0xFF, 0xDA, 0x00, 0x08, 1, 1, 0x00, 0, 63, 0});          // SOS: DC 0, AC 0 (byte 43)
    jpeg.insert(jpeg.end(), {0x00, 0x00, 0xFF, 0xD9});
    test::write_bytes(path, jpeg);
    CHECK_THROWS_WITH(read_gray_image(path), path + ": cannot read the image: byte 43: a scan uses AC Huffman table 0, "
                                                    "which no DHT segment before it defines");
  }
  SECTION("the file fuzz_image found") {
    test::write_bytes(path, test::read_bytes(FNN_IMAGE_CORPUS "/jpeg_undefined_huffman_table.jpg"));
    CHECK_THROWS_WITH(read_gray_image(path), Catch::StartsWith(path + ": cannot read the image: byte ") &&
                                                 Catch::Contains("Huffman table") &&
                                                 Catch::EndsWith("which no DHT segment before it defines"));
  }
}

TEST_CASE("a progressive JPEG, whose scans each use some of the tables, still decodes", "[image]") {
  // Written by libjpeg (quality 95, progressive) from R = 20 x, G = 25 y, B = 128 on 12 x 9 pixels.
  const GrayImage image = read_gray_image(FNN_IMAGE_CORPUS "/rgb12x9_progressive.jpg");
  REQUIRE(image.width == 12);
  REQUIRE(image.height == 9);
  for (int y = 0; y < 9; ++y) {
    for (int x = 0; x < 12; ++x) {
      const int luma = (20 * x * 77 + 25 * y * 150 + 128 * 29) >> 8;  // stb's RGB -> gray weights
      CHECK(std::abs(image.pixels[static_cast<std::size_t>(y * 12 + x)] - luma) <= 8);
    }
  }
}

TEST_CASE("a file that is not a PNG or JPEG is refused from its first bytes", "[image]") {
  test::TempFolder folder;
  CHECK_THROWS_WITH(read_gray_image("/dev/zero"),
                    "/dev/zero: cannot read the image: not a PNG or JPEG file (it begins with the bytes 00 00 00 00 "
                    "00 00 00 00)");
  const std::string pdf = folder.file("huge.pdf");
  test::write_sparse(pdf, {'%', 'P', 'D', 'F', '-', '1', '.', '4'}, test::huge_file_size);
  CHECK_THROWS_WITH(read_gray_image(pdf), Catch::EndsWith("not a PNG or JPEG file (it begins with the bytes 25 50 44 46 "
                                                          "2d 31 2e 34)"));
  CHECK_THROWS_WITH(read_gray_image(folder.path().string()), Catch::EndsWith("it is a folder, not a file"));
}

TEST_CASE("an image file larger than its header's dimensions allow is refused before it is read", "[image]") {
  test::TempFolder folder;
  for (const char* name : {"gray28.png", "gray28.jpg"}) {
    INFO(name);
    const std::vector<unsigned char> image = test::read_bytes(std::string(FNN_IMAGE_CORPUS "/") + name);
    const std::string path = folder.file(name);
    test::write_sparse(path, image, test::huge_file_size);
    const std::string format = std::string(name).substr(7) == "png" ? "PNG" : "JPEG";
    CHECK_THROWS_WITH(read_gray_image(path), Catch::Contains("cannot read the image: a 28 x 28 " + format +
                                                              " takes at most ") &&
                                                 Catch::EndsWith("; the file has 68719476736"));
  }
}

TEST_CASE("a truncated PNG or JPEG is refused as what it is", "[image]") {
  test::TempFolder folder;
  const std::string path = folder.file("cut");
  const auto cut = [&](const char* name, std::size_t size) {
    std::vector<unsigned char> bytes = test::read_bytes(std::string(FNN_IMAGE_CORPUS "/") + name);
    bytes.resize(size);
    test::write_bytes(path, bytes);
  };
  const std::string prefix = path + ": cannot read the image: ";
  cut("gray28.jpg", 300);  // after the frame header, in the Huffman tables: stb's last reason was "bad png sig"
  CHECK_THROWS_WITH(read_gray_image(path), prefix + "a JPEG, truncated (it has no end-of-image marker)");
  cut("gray28.jpg", 1000);  // in the image data
  CHECK_THROWS_WITH(read_gray_image(path), Catch::StartsWith(prefix + "a JPEG, truncated (it has no end-of-image "
                                                                      "marker): the decoder says"));
  cut("gray28.jpg", 100);
  CHECK_THROWS_WITH(read_gray_image(path), prefix + "a JPEG, truncated: the file ends at byte 100, before the frame "
                                                    "header that gives its size");
  cut("gray28.png", 154);
  CHECK_THROWS_WITH(read_gray_image(path), Catch::StartsWith(prefix + "a PNG, truncated (it has no end chunk, IEND)"));
  cut("gray28.png", 4);
  CHECK_THROWS_WITH(read_gray_image(path), prefix + "a PNG, truncated: the file ends at byte 4, in its header");
}
