#include <catch2/catch.hpp>

#include "extras/extras_support.hpp"

using Catch::Matchers::Contains;
using fnn::data::read_fashion_mnist_csv;

namespace {

std::string header() {
  std::string h = "label";
  for (int p = 1; p <= 784; ++p) h += ",pixel" + std::to_string(p);
  return h + "\n";
}

// A data line: the label, then pixel k = (k * step) mod 256.
std::string row(const std::string& label, int step = 1) {
  std::string r = label;
  for (int k = 0; k < 784; ++k) r += "," + std::to_string(k * step % 256);
  return r + "\n";
}

}  // namespace

TEST_CASE("CSV round-trips a data set", "[csv]") {
  fnn::test::TempFolder dir;
  const fnn::data::Dataset d = fnn::test::make_dataset(12);
  const std::string path = dir.file("fashion-mnist_train.csv");
  fnn::data::write_fashion_mnist_csv(path, d);
  const fnn::data::Dataset back = read_fashion_mnist_csv(path);
  CHECK(back.size() == 12);
  CHECK(back.rows() == 28);
  CHECK(back.cols() == 28);
  CHECK(back.labels() == d.labels());
  CHECK(back.pixels() == d.pixels());
}

TEST_CASE("CSV reader accepts the Kaggle layout with CRLF line ends and a final blank line", "[csv]") {
  fnn::test::TempFolder dir;
  const std::string path = dir.file("a.csv");
  std::string text = header() + row("3") + row("9", 5);
  std::string crlf;
  for (char c : text) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
  fnn::test::write_text(path, crlf + "\r\n");
  const fnn::data::Dataset d = read_fashion_mnist_csv(path);
  REQUIRE(d.size() == 2);
  CHECK(d.label(0) == 3);
  CHECK(d.label(1) == 9);
  CHECK(d.pixel(0, 0, 5) == 5);
  CHECK(d.pixel(1, 1, 0) == 28 * 5 % 256);
  CHECK(d.pixel(1, 27, 27) == 783 * 5 % 256);
}

TEST_CASE("CSV reader names the file, line and column of each fault", "[csv]") {
  fnn::test::TempFolder dir;
  const std::string path = dir.file("bad.csv");

  SECTION("empty file") {
    fnn::test::write_text(path, "");
    CHECK_THROWS_WITH(read_fashion_mnist_csv(path), Contains(path + ": the file is empty"));
  }
  SECTION("header only") {
    fnn::test::write_text(path, header());
    CHECK_THROWS_WITH(read_fashion_mnist_csv(path), Contains(path + ": line 1: no images"));
  }
  SECTION("no header line") {
    fnn::test::write_text(path, row("1") + row("2"));
    CHECK_THROWS_WITH(read_fashion_mnist_csv(path), Contains(path + ": line 1: expected a header line"));
  }
  SECTION("non-numeric cell") {
    std::string bad = row("4");
    bad.replace(bad.find(",3,"), 3, ",x3,");  // the pixel in column 5
    fnn::test::write_text(path, header() + row("1") + bad);
    CHECK_THROWS_WITH(read_fashion_mnist_csv(path), Contains(path + ": line 3, column 5: \"x3\" is not an integer"));
  }
  SECTION("a decimal point is not an integer") {
    fnn::test::write_text(path, header() + row("1.0"));
    CHECK_THROWS_WITH(read_fashion_mnist_csv(path), Contains("line 2, column 1: \"1.0\" is not an integer"));
  }
  SECTION("an empty cell") {
    std::string bad = row("1");
    bad.replace(bad.find(",1,"), 3, ",,");
    fnn::test::write_text(path, header() + bad);
    CHECK_THROWS_WITH(read_fashion_mnist_csv(path), Contains("line 2, column 3: \"\" is not an integer"));
  }
  SECTION("wrong number of columns") {
    std::string shorter = row("2");
    shorter.erase(shorter.rfind(','));  // drop the last pixel
    fnn::test::write_text(path, header() + row("1") + row("5") + shorter + "\n");
    CHECK_THROWS_WITH(read_fashion_mnist_csv(path),
                      Contains(path + ": line 4: 784 columns, expected 785 (the label and 784 pixels)"));
  }
  SECTION("pixel outside 0-255") {
    std::string bad = row("2");
    bad.replace(bad.find(",2,"), 3, ",256,");  // column 4
    fnn::test::write_text(path, header() + bad);
    CHECK_THROWS_WITH(read_fashion_mnist_csv(path), Contains("line 2, column 4: pixel value 256 is outside 0-255"));
  }
  SECTION("negative pixel") {
    std::string bad = row("2");
    bad.replace(bad.find(",2,"), 3, ",-1,");
    fnn::test::write_text(path, header() + bad);
    CHECK_THROWS_WITH(read_fashion_mnist_csv(path), Contains("line 2, column 4: pixel value -1 is outside 0-255"));
  }
  SECTION("label outside 0-9") {
    fnn::test::write_text(path, header() + row("0") + row("9") + row("10"));
    CHECK_THROWS_WITH(read_fashion_mnist_csv(path), Contains(path + ": line 4, column 1: label 10 is outside 0-9"));
  }
  SECTION("a label too large for any integer type") {
    fnn::test::write_text(path, header() + row("99999999999999999999999"));
    CHECK_THROWS_WITH(read_fashion_mnist_csv(path), Contains("label 99999999999999999999999 is outside 0-9"));
  }
  SECTION("a missing file") {
    CHECK_THROWS_WITH(read_fashion_mnist_csv(dir.file("none.csv")), Contains("none.csv: cannot open for reading"));
  }
}

TEST_CASE("CSV reader stops at a line longer than any of Fashion-MNIST's, and refuses a folder", "[csv]") {
  const fnn::test::TempFolder dir;
  CHECK_THROWS_WITH(read_fashion_mnist_csv("/dev/zero"),
                    "/dev/zero: line 1 is longer than 65536 bytes: not a Fashion-MNIST CSV file");
  const std::string path = dir.file("huge.csv");
  fnn::test::write_sparse(path, {'l', 'a', 'b', 'e', 'l', '\n'}, fnn::test::huge_file_size);
  CHECK_THROWS_WITH(read_fashion_mnist_csv(path), path + ": line 2 is longer than 65536 bytes: not a Fashion-MNIST "
                                                         "CSV file");
  CHECK_THROWS_WITH(read_fashion_mnist_csv(dir.path().string()), dir.path().string() + ": it is a folder, not a file");
}
