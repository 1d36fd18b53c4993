#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "extras/extras_support.hpp"

using Catch::Matchers::Contains;
using fnn::data::DelimitedOptions;
using fnn::data::read_delimited;

namespace {

std::string write_text(const fnn::test::TempFolder& dir, const std::string& name, const std::string& text) {
  const std::string path = dir.file(name);
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

// scikit-learn's tables as Debian's python3-sklearn installs them.
std::string sklearn_file(const std::string& name) {
  const std::string path = std::string(FNN_SKLEARN_DATA) + "/" + name;
  INFO("scikit-learn's data file " << path << " (Debian package python3-sklearn)");
  REQUIRE(std::filesystem::exists(path));
  return path;
}

}  // namespace

TEST_CASE("read_delimited reads a CSV file with a header, columns chosen by name", "[delimited]") {
  fnn::test::TempFolder dir;
  const std::string path =
      write_text(dir, "houses.csv", "rooms, area,\"age\",price\r\n3,70.5,12,250\n\n4, 90 ,1e1,3.1e2\n");
  const auto table = read_delimited(path);
  CHECK(table.names == std::vector<std::string>{"rooms", "area", "age", "price"});
  REQUIRE(table.rows == 2);
  CHECK(table.at(1, 1) == 90);
  CHECK(table.lines == std::vector<std::size_t>{2, 4});
  const auto set = fnn::data::regression_table<double>(table, {"price"}, {"area", "rooms"});
  REQUIRE(set.features().shape() == fnn::Shape({2, 2}));
  CHECK(set.features()(1, 0) == 90);
  CHECK(set.features()(1, 1) == 4);
  CHECK(set.values()(1, 0) == 310);
  const auto all_others = fnn::data::regression_table<double>(table, {-1});
  CHECK(all_others.features().shape() == fnn::Shape({2, 3}));
  CHECK_THROWS_WITH(table.position("size"), Contains("houses.csv: no column named \"size\"") &&
                                                Contains("the columns are rooms, area, age, price"));
  CHECK_THROWS_WITH(table.position(4), Contains("no column 4 in a table of 4 columns"));
  CHECK_THROWS_WITH(table.labels("area"), Contains("houses.csv: line 2, column 2: 70.5 is not a class label"));
}

TEST_CASE("read_delimited names the file, line and column of a bad cell or row", "[delimited]") {
  fnn::test::TempFolder dir;
  auto error = [&](const std::string& text, const DelimitedOptions& options = {}) -> std::string {
    const std::string path = write_text(dir, "t.csv", text);
    try {
      read_delimited(path, options);
    } catch (const fnn::IoError& e) {
      return e.what();
    }
    return "no error";
  };
  CHECK_THAT(error("a,b\n1,2\n3,\n"), Contains("t.csv: line 3: column 2 (\"b\"): the cell is empty"));
  CHECK_THAT(error("a,b\n1,2\n3,x7\n"), Contains("t.csv: line 3: column 2 (\"b\"): \"x7\" is not a finite number"));
  CHECK_THAT(error("a,b\n1,2\n3,nan\n"), Contains("line 3: column 2 (\"b\"): \"nan\" is not a finite number"));
  CHECK_THAT(error("1,2\n3,4,5\n", DelimitedOptions().header(false)),
             Contains("t.csv: line 2: 3 cells, expected 2 as in the first row"));
  CHECK_THAT(error("a,b\n1,2\n3\n"), Contains("line 3: 1 cells, expected 2 as in the header"));
  CHECK_THAT(error("a,a\n1,2\n"), Contains("line 1: the column name \"a\" appears twice"));
  CHECK_THAT(error("a,b\n"), Contains("t.csv: no rows of data after the header"));
  CHECK_THAT(error(""), Contains("t.csv: no rows of data"));
  CHECK_THAT(error("a,b\n1,2\n3,4\n", DelimitedOptions().max_bytes(8)), Contains("more than 8 bytes of text"));
  CHECK_THAT(error(std::string(2 << 20, '1')), Contains("line 1 is longer than"));
}

TEST_CASE("read_delimited stops at the line limit on an endless device", "[delimited]") {
  CHECK_THROWS_WITH(read_delimited("/dev/zero"), Contains("/dev/zero: line 1 is longer than"));
  CHECK_THROWS_WITH(read_delimited("/no/such/table.csv"), Contains("/no/such/table.csv: cannot open"));
}

TEST_CASE("read_delimited takes scikit-learn's classification tables as they are", "[delimited]") {
  // A first line of counts and class names ("150,4,setosa,versicolor,virginica"), then the features and the class index
  // in the last column.
  const auto options = DelimitedOptions().skip_lines(1).header(false);
  struct Expected {
    const char* file;
    fnn::Index samples, features, classes;
  };
  for (const Expected& e : {Expected{"iris.csv", 150, 4, 3}, Expected{"wine_data.csv", 178, 13, 3},
                            Expected{"breast_cancer.csv", 569, 30, 2}}) {
    const auto set = fnn::data::classification_table<float>(read_delimited(sklearn_file(e.file), options), -1);
    CHECK(set.size() == e.samples);
    CHECK(set.features().size(1) == e.features);
    CHECK(set.num_classes() == e.classes);
  }
  const auto iris = fnn::data::classification_table<double>(read_delimited(sklearn_file("iris.csv"), options), -1);
  CHECK(iris.features()(0, 0) == 5.1);  // the first flower: 5.1,3.5,1.4,0.2,0
  CHECK(iris.features()(0, 3) == 0.2);
  CHECK(iris.labels()[149] == 2);
}

TEST_CASE(
    "read_delimited takes scikit-learn's gzip-compressed, "
    "whitespace-separated diabetes files",
    "[delimited]") {
  const auto options = DelimitedOptions().delimiter(' ').header(false);
  const auto x = read_delimited(sklearn_file("diabetes_data_raw.csv.gz"), options);
  const auto y = read_delimited(sklearn_file("diabetes_target.csv.gz"), options);
  CHECK(x.rows == 442);
  CHECK(x.cols == 10);
  CHECK(y.cols == 1);
  const fnn::data::TensorDataset<double> set(x.tensor<double>(), y.tensor<double>());
  CHECK(set.features()(0, 0) == 59);  // "59 2 32.1 101.0 157 93.2 38.0 4.0 4.8598 87"
  CHECK(set.features()(0, 9) == 87);
  CHECK(set.values()(0, 0) == 151);
}
