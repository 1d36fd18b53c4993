#include <catch2/catch.hpp>

#include "extras/extras_support.hpp"

using Catch::Matchers::Contains;
using fnn::IoError;
using fnn::data::Compression;
using fnn::data::read_idx_images;
using fnn::data::read_idx_labels;

namespace {

// A 3 x 2 x 4 image file and its 3 labels.
const std::vector<std::uint8_t> small_pixels = {0,  1,  2,  3,  4,  5,  6,  7,  255, 254, 253, 252,
                                                10, 20, 30, 40, 50, 60, 70, 80, 128, 129, 130, 131};
const std::vector<std::uint8_t> small_labels = {7, 0, 9};

void write_small(const std::string& images, const std::string& labels, Compression c) {
  fnn::data::write_idx_images(images, 3, 2, 4, small_pixels, c);
  fnn::data::write_idx_labels(labels, small_labels, c);
}

}  // namespace

TEST_CASE("IDX images and labels round-trip raw and gzipped", "[idx]") {
  fnn::test::TempFolder dir;
  for (Compression c : {Compression::none, Compression::gzip}) {
    const std::string images = dir.file(c == Compression::gzip ? "images.gz" : "images");
    const std::string labels = dir.file(c == Compression::gzip ? "labels.gz" : "labels");
    write_small(images, labels, c);

    const auto bytes = fnn::test::read_bytes(images);
    if (c == Compression::gzip) {
      REQUIRE(bytes.size() > 2);
      CHECK(bytes[0] == 0x1f);  // the gzip magic: the file really is compressed
      CHECK(bytes[1] == 0x8b);
    } else {
      REQUIRE(bytes.size() == 16 + small_pixels.size());
      CHECK(std::vector<unsigned char>(bytes.begin(), bytes.begin() + 16) ==
            std::vector<unsigned char>{0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 4});
    }

    const fnn::data::IdxArray im = read_idx_images(images);
    CHECK(im.dims == std::vector<std::uint32_t>{3, 2, 4});
    CHECK(im.data == small_pixels);
    const fnn::data::IdxArray lb = read_idx_labels(labels);
    CHECK(lb.dims == std::vector<std::uint32_t>{3});
    CHECK(lb.data == small_labels);
  }
}

TEST_CASE("IDX magic numbers are 0x801 for labels and 0x803 for images", "[idx]") {
  CHECK(fnn::data::idx_magic(1) == 0x00000801u);
  CHECK(fnn::data::idx_magic(3) == 0x00000803u);
}

TEST_CASE("IDX reader reports a bad magic number with the file, the offset and both values", "[idx]") {
  fnn::test::TempFolder dir;
  const std::string images = dir.file("images"), labels = dir.file("labels");
  write_small(images, labels, Compression::none);

  SECTION("a labels file read as images") {
    CHECK_THROWS_WITH(read_idx_images(labels),
                      Contains(labels + ": byte 0: bad magic number 0x00000801, expected 0x00000803") &&
                          Contains("IDX file of labels instead"));
  }
  SECTION("an images file read as labels") {
    CHECK_THROWS_WITH(read_idx_labels(images), Contains("bad magic number 0x00000803, expected 0x00000801"));
  }
  SECTION("an element type other than unsigned bytes") {
    auto bytes = fnn::test::read_bytes(images);
    bytes[2] = 0x0D;  // float
    fnn::test::write_bytes(images, bytes);
    CHECK_THROWS_WITH(read_idx_images(images), Contains("bad magic number 0x00000d03") &&
                                                   Contains("element type 0x0000000d is not unsigned bytes"));
  }
  SECTION("not an IDX file at all") {
    fnn::test::write_text(images, "P5\n28 28\n255\n");
    CHECK_THROWS_AS(read_idx_images(images), IoError);
    CHECK_THROWS_WITH(read_idx_images(images), Contains("bad magic number") && Contains("not an IDX file"));
  }
}

TEST_CASE("IDX reader reports truncation with the expected and found sizes", "[idx]") {
  fnn::test::TempFolder dir;
  const std::string images = dir.file("images"), labels = dir.file("labels");
  write_small(images, labels, Compression::none);
  auto bytes = fnn::test::read_bytes(images);

  SECTION("raw file missing its last 5 pixels") {
    bytes.resize(bytes.size() - 5);
    fnn::test::write_bytes(images, bytes);
    CHECK_THROWS_WITH(read_idx_images(images),
                      Contains(images + ": byte 35: truncated") && Contains("3 x 2 x 4 = 24 data bytes after byte 16") &&
                          Contains("found 19"));
  }
  SECTION("gzipped file cut in the middle of the compressed stream") {
    const std::string gz = dir.file("images.gz");
    fnn::data::write_idx_images(gz, 3, 2, 4, small_pixels, Compression::gzip);
    auto packed = fnn::test::read_bytes(gz);
    packed.resize(packed.size() / 2);
    fnn::test::write_bytes(gz, packed);
    CHECK_THROWS_WITH(read_idx_images(gz), Contains(gz + ": byte") && Contains(" of the decompressed data: truncated") &&
                                               Contains("(the gzip stream is cut off)"));
  }
  SECTION("gzipped file cut before any of it decompresses") {
    const std::string gz = dir.file("flat.gz");
    fnn::data::write_idx_images(gz, 3, 2, 4, std::vector<std::uint8_t>(24, 9), Compression::gzip);
    auto packed = fnn::test::read_bytes(gz);
    packed.resize(10);  // the gzip header alone: not an empty file, but no data in it
    fnn::test::write_bytes(gz, packed);
    CHECK_THROWS_WITH(read_idx_images(gz), Contains("truncated: expected a 4-byte magic number, found 0 bytes") &&
                                               Contains("(the gzip stream is cut off)"));
  }
  SECTION("a header that ends inside the extents") {
    bytes.resize(10);
    fnn::test::write_bytes(images, bytes);
    CHECK_THROWS_WITH(read_idx_images(images),
                      Contains("byte 8: truncated: expected the 4-byte extent of dimension 1, found 2 bytes"));
  }
  SECTION("a file shorter than the magic number") {
    bytes.resize(3);
    fnn::test::write_bytes(images, bytes);
    CHECK_THROWS_WITH(read_idx_images(images), Contains("expected a 4-byte magic number, found 3 bytes"));
  }
  SECTION("an empty file") {
    fnn::test::write_bytes(images, {});
    CHECK_THROWS_WITH(read_idx_images(images), Contains(images + ": byte 0: the file is empty"));
  }
  SECTION("extents announcing far more than the file holds fail without allocating it all") {
    bytes[4] = bytes[5] = bytes[6] = bytes[7] = 0xFF;  // 4294967295 images of 2 x 4
    fnn::test::write_bytes(images, bytes);
    CHECK_THROWS_WITH(read_idx_images(images), Contains("truncated") && Contains("found 24"));
    bytes[8] = bytes[9] = bytes[10] = bytes[11] = 0xFF;  // then 2^32 - 1 rows as well: over 2^40 bytes
    fnn::test::write_bytes(images, bytes);
    CHECK_THROWS_WITH(read_idx_images(images), Contains("byte 8: extent 4294967295 of dimension 1"));
  }
}

TEST_CASE("IDX reader rejects trailing bytes", "[idx]") {
  fnn::test::TempFolder dir;
  const std::string images = dir.file("images"), labels = dir.file("labels");
  write_small(images, labels, Compression::none);

  SECTION("raw") {
    auto bytes = fnn::test::read_bytes(labels);
    bytes.push_back(3);
    bytes.push_back(4);
    fnn::test::write_bytes(labels, bytes);
    CHECK_THROWS_WITH(read_idx_labels(labels),
                      Contains(labels + ": byte 11: trailing bytes") && Contains("11 bytes in all, found 2 more"));
  }
  SECTION("inside the gzip stream") {
    // A labels header announcing 3 labels, then 7 bytes (4 too many), all compressed together.
    const std::string gz = dir.file("labels.gz");
    const std::vector<unsigned char> raw = {0, 0, 8, 1, 0, 0, 0, 3, 7, 0, 9, 1, 2, 3, 4};
    const auto packed = fnn::data::detail::gzip_bytes(gz, raw.data(), raw.size());
    fnn::test::write_bytes(gz, packed);
    CHECK_THROWS_WITH(read_idx_labels(gz), Contains(gz + ": byte 11 of the decompressed data: trailing bytes") && Contains("found 4 more"));
  }
}

TEST_CASE("IDX reader reports a missing file and a damaged gzip stream", "[idx]") {
  fnn::test::TempFolder dir;
  const std::string missing = dir.file("nothing-here.gz");
  CHECK_THROWS_WITH(read_idx_labels(missing), Contains(missing + ": cannot open for reading"));

  const std::string gz = dir.file("images.gz");
  std::vector<std::uint8_t> pixels(3 * 28 * 28);
  for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<std::uint8_t>(i * 37 % 251);
  fnn::data::write_idx_images(gz, 3, 28, 28, pixels, Compression::gzip);
  auto bytes = fnn::test::read_bytes(gz);
  for (std::size_t i = 20; i < bytes.size() - 8; i += 7) bytes[i] ^= 0x5A;  // scramble the deflate data
  fnn::test::write_bytes(gz, bytes);
  CHECK_THROWS_WITH(read_idx_images(gz), Contains(gz + ": byte") && Contains("damaged gzip stream"));
}

TEST_CASE("IDX writer checks the extents against the data", "[idx]") {
  fnn::test::TempFolder dir;
  CHECK_THROWS_WITH(fnn::data::write_idx_images(dir.file("x"), 2, 28, 28, std::vector<std::uint8_t>(100),
                                                Compression::none),
                    Contains("the extents hold 1568 elements, 100 given"));
  CHECK_FALSE(std::filesystem::exists(dir.file("x")));
}
