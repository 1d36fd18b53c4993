#pragma once
// Tables of numbers in delimited text files, plain or gzip-compressed: comma-separated (CSV) or whitespace-separated,
// with an optional header row of column names and lines to skip before it.
//
//   // scikit-learn's iris.csv: a first line of counts and class names, then 4 features and the class.
//   const auto table = fnn::data::read_delimited(path, fnn::data::DelimitedOptions().skip_lines(1).header(false));
//   fnn::data::TensorDataset<float> iris = fnn::data::classification_table<float>(table, -1);
//
//   // a CSV file with a header: features chosen by name, the target column "price"
//   const auto houses = fnn::data::read_delimited("houses.csv");
//   auto set = fnn::data::regression_table<float>(houses, {"price"}, {"rooms", "area", "age"});
//
// Every cell is a finite number. A missing or non-numeric cell, a row with another number of cells than the first, a
// duplicate or unknown column name, or a class label that is not a whole number >= 0 is refused with an IoError or
// ValueError that names the file, the line and the column (lines and columns counted from 1, as an editor shows them).
// Columns are chosen by name or by index from 0, a negative index counting from the end (-1 is the last column).
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fnn/core/error.hpp"
#include "fnn/core/tensor.hpp"
#include "fnn/data/tensor_dataset.hpp"
#include "fnn/extras/io/gzip_reader.hpp"
#include "fnn/extras/io/text_lines.hpp"

namespace fnn::data {

class DelimitedOptions {
 public:
  // The cell separator; ' ' splits at every run of spaces and tabs (whitespace-separated files).
  DelimitedOptions& delimiter(char value) {
    delimiter_ = value;
    return *this;
  }
  // Lines to skip before the header (or before the data when there is no header).
  DelimitedOptions& skip_lines(Index value) {
    skip_lines_ = value;
    return *this;
  }
  // Whether the first line read holds the column names.
  DelimitedOptions& header(bool value) {
    header_ = value;
    return *this;
  }
  // The most text the reader takes in, a bound on what a wrong or endless file can cost.
  DelimitedOptions& max_bytes(std::size_t value) {
    max_bytes_ = value;
    return *this;
  }

  char delimiter() const { return delimiter_; }
  Index skip_lines() const { return skip_lines_; }
  bool header() const { return header_; }
  std::size_t max_bytes() const { return max_bytes_; }

 private:
  char delimiter_ = ',';
  Index skip_lines_ = 0;
  bool header_ = true;
  std::size_t max_bytes_ = std::size_t{1} << 30;
};

// A column, by name or by index (from 0; negative from the end).
class Column {
 public:
  Column(Index index) : index_(index) {}  // NOLINT(google-explicit-constructor): {0, 2, -1} reads naturally
  Column(std::string name) : name_(std::move(name)), by_name_(true) {}  // NOLINT(google-explicit-constructor)
  Column(const char* name) : Column(std::string(name)) {}               // NOLINT(google-explicit-constructor)
  Column(int index) : Column(Index{index}) {}                           // NOLINT(google-explicit-constructor)

  bool by_name() const { return by_name_; }
  const std::string& name() const { return name_; }
  Index index() const { return index_; }

 private:
  std::string name_;
  Index index_ = 0;
  bool by_name_ = false;
};

// A table of numbers read from a file: rows x columns, row-major, with each row's line in the file.
struct Table {
  std::string path;
  std::vector<std::string> names;  // the header's column names; empty without a header
  Index rows = 0, cols = 0;
  std::vector<double> cells;       // [rows, cols]
  std::vector<std::size_t> lines;  // [rows] the line each row came from

  double at(Index row, Index col) const { return cells[static_cast<std::size_t>(row * cols + col)]; }

  // The position of `column`; throws ValueError for an unknown name or an index outside the table.
  Index position(const Column& column) const {
    if (column.by_name()) {
      for (std::size_t c = 0; c < names.size(); ++c) {
        if (names[c] == column.name()) return static_cast<Index>(c);
      }
      std::string known;
      for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
      throw ValueError(path + ": no column named \"" + column.name() + "\"" +
                       (names.empty() ? std::string(" (the file was read without a "
                                                    "header; choose columns by index)")
                                      : " (the columns are " + known + ")"));
    }
    const Index c = column.index() < 0 ? cols + column.index() : column.index();
    if (c < 0 || c >= cols) {
      throw ValueError(path + ": no column " + std::to_string(column.index()) + " in a table of " +
                       std::to_string(cols) + " columns");
    }
    return c;
  }

  // The positions of `columns`; an empty list means every column not in `excluded`.
  std::vector<Index> positions(const std::vector<Column>& columns, const std::vector<Index>& excluded = {}) const {
    std::vector<Index> out;
    if (columns.empty()) {
      for (Index c = 0; c < cols; ++c) {
        if (std::find(excluded.begin(), excluded.end(), c) == excluded.end()) out.push_back(c);
      }
    }
    for (const Column& column : columns) out.push_back(position(column));
    return out;
  }

  // The chosen columns as a [rows, k] tensor (every column when `columns` is empty).
  template <class Scalar>
  Tensor<Scalar> tensor(const std::vector<Column>& columns = {}) const {
    return gather<Scalar>(positions(columns));
  }

  // A column of class labels: every cell a whole number >= 0.
  Targets labels(const Column& column) const {
    const Index c = position(column);
    Targets out(static_cast<std::size_t>(rows));
    for (Index r = 0; r < rows; ++r) {
      const double v = at(r, c);
      if (!(v >= 0 && v == std::floor(v) && v <= 2147483647.0)) {
        throw ValueError(path + ": line " + std::to_string(lines[static_cast<std::size_t>(r)]) + ", column " +
                         std::to_string(c + 1) + ": " + number_text(v) +
                         " is not a class label (a whole number from 0)");
      }
      out[static_cast<std::size_t>(r)] = static_cast<std::int32_t>(v);
    }
    return out;
  }

  template <class Scalar>
  Tensor<Scalar> gather(const std::vector<Index>& columns) const {
    if (columns.empty()) throw ValueError(path + ": no columns chosen");
    Tensor<Scalar> out(Shape{rows, static_cast<Index>(columns.size())});
    for (Index r = 0; r < rows; ++r) {
      for (std::size_t k = 0; k < columns.size(); ++k) {
        out(r, static_cast<Index>(k)) = static_cast<Scalar>(at(r, columns[k]));
      }
    }
    return out;
  }

 private:
  static std::string number_text(double v) {
    char text[32];
    std::snprintf(text, sizeof text, "%g", v);
    return text;
  }
};

namespace detail {

// Splits `line` into cells at `delimiter`, trimming spaces; ' ' splits at runs of spaces and tabs.
inline void split_delimited(std::string_view line, char delimiter, std::vector<std::string_view>& cells) {
  cells.clear();
  auto blank = [](char ch) { return ch == ' ' || ch == '\t'; };
  if (delimiter == ' ') {
    std::size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && blank(line[i])) ++i;
      const std::size_t start = i;
      while (i < line.size() && !blank(line[i])) ++i;
      if (i > start) cells.push_back(line.substr(start, i - start));
    }
    return;
  }
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = line.find(delimiter, start);
    std::string_view cell = line.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    while (!cell.empty() && blank(cell.front())) cell.remove_prefix(1);
    while (!cell.empty() && blank(cell.back())) cell.remove_suffix(1);
    cells.push_back(cell);
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
}

// The name a header cell gives its column: without the double quotes a spreadsheet may put around it.
inline std::string header_name(std::string_view cell) {
  if (cell.size() >= 2 && cell.front() == '"' && cell.back() == '"') cell = cell.substr(1, cell.size() - 2);
  return std::string(cell);
}

// A line holds at most this much: a table with thousands of columns fits; /dev/zero stops here.
inline constexpr std::size_t delimited_max_line_bytes = std::size_t{1} << 20;

}  // namespace detail

// Reads a table of numbers from `path` (gzip-compressed or plain). Throws IoError naming the file, the line and, where
// it applies, the column, for: a missing or non-numeric cell, a ragged row, no data rows, a duplicate column name, or
// more text than options.max_bytes().
inline Table read_delimited(const std::string& path, const DelimitedOptions& options = {}) {
  if (options.skip_lines() < 0) throw ValueError(path + ": skip_lines must be >= 0");
  GzReader file(path);
  TextLines lines(file, path, detail::delimited_max_line_bytes, "not a delimited text table");
  Table table;
  table.path = path;
  auto fail = [&](const std::string& what) -> void {
    throw IoError(path + ": line " + std::to_string(lines.number()) + ": " + what);
  };
  std::vector<std::string_view> cells;
  std::string_view line;
  std::size_t bytes = 0;
  bool header_pending = options.header();
  while (lines.next(line)) {
    bytes += line.size() + 1;
    if (bytes > options.max_bytes()) {
      fail("the file holds more than " + std::to_string(options.max_bytes()) + " bytes of text, the reader's limit");
    }
    if (static_cast<Index>(lines.number()) <= options.skip_lines()) continue;
    detail::split_delimited(line, options.delimiter(), cells);
    if (cells.empty() || (cells.size() == 1 && cells[0].empty())) continue;  // a blank line
    if (header_pending) {
      header_pending = false;
      for (const auto& cell : cells) {
        const std::string name = detail::header_name(cell);
        if (std::find(table.names.begin(), table.names.end(), name) != table.names.end()) {
          fail("the column name \"" + name + "\" appears twice");
        }
        table.names.push_back(name);
      }
      table.cols = static_cast<Index>(cells.size());
      continue;
    }
    if (table.cols == 0) table.cols = static_cast<Index>(cells.size());
    if (static_cast<Index>(cells.size()) != table.cols) {
      fail(std::to_string(cells.size()) + " cells, expected " + std::to_string(table.cols) +
           (table.names.empty() ? " as in the first row" : " as in the header"));
    }
    for (std::size_t c = 0; c < cells.size(); ++c) {
      const std::string_view cell = cells[c];
      const std::string where = "column " + std::to_string(c + 1) +
                                (table.names.empty() ? std::string() : " (\"" + table.names[c] + "\")") + ": ";
      if (cell.empty()) fail(where + "the cell is empty: a missing value");
      double value = 0;
      const auto [end, ec] = std::from_chars(cell.data(), cell.data() + cell.size(), value);
      if (end != cell.data() + cell.size() || (ec != std::errc() && ec != std::errc::result_out_of_range) ||
          !std::isfinite(value)) {
        fail(where + "\"" + std::string(cell.substr(0, 40)) + "\" is not a finite number");
      }
      table.cells.push_back(value);
    }
    table.lines.push_back(lines.number());
    ++table.rows;
  }
  if (table.rows == 0) throw IoError(path + ": no rows of data" + (table.names.empty() ? "" : " after the header"));
  return table;
}

// A classification data set from a table: the labels from `target`, the features from `features` (every other column
// when empty).
template <class Scalar>
TensorDataset<Scalar> classification_table(const Table& table, const Column& target,
                                           const std::vector<Column>& features = {}) {
  const Index t = table.position(target);
  return TensorDataset<Scalar>(table.gather<Scalar>(table.positions(features, {t})), table.labels(target));
}

// A regression data set from a table: the float targets from `targets`, the features from `features` (every other
// column when empty).
template <class Scalar>
TensorDataset<Scalar> regression_table(const Table& table, const std::vector<Column>& targets,
                                       const std::vector<Column>& features = {}) {
  if (targets.empty()) throw ValueError(table.path + ": no target columns chosen");
  const std::vector<Index> t = table.positions(targets);
  return TensorDataset<Scalar>(table.gather<Scalar>(table.positions(features, t)), table.gather<Scalar>(t));
}

}  // namespace fnn::data
