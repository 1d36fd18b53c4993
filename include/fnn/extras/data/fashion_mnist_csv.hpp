#pragma once
// Fashion-MNIST as Kaggle distributes it (fashion-mnist_train.csv, fashion-mnist_test.csv): a header line
// "label,pixel1,...,pixel784", then one line per image: the label 0-9 and the 784 pixels 0-255, row by
// row. Lines and columns are numbered from 1, as an editor shows them; column 1 is the label.
#include <algorithm>
#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fnn/data/dataset.hpp"
#include "fnn/extras/data/fashion_mnist.hpp"
#include "fnn/io/atomic_file.hpp"
#include "fnn/extras/io/text_lines.hpp"
#include "fnn/io/input_file.hpp"

namespace fnn::data {

inline constexpr Index fashion_mnist_csv_columns = 1 + fashion_mnist_rows * fashion_mnist_cols;

namespace detail {

inline std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// Splits a line at commas (the Kaggle files quote nothing).
inline void split_cells(std::string_view line, std::vector<std::string_view>& cells) {
  cells.clear();
  std::size_t start = 0;
  for (;;) {
    const std::size_t comma = line.find(',', start);
    cells.push_back(trim(line.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start)));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
}

// True when the whole cell is a decimal integer (an optional minus sign, then digits); too large a
// value comes back as `too_large` so the range check can report it.
inline bool parse_integer(std::string_view cell, long long& value, bool& too_large) {
  too_large = false;
  if (cell.empty()) return false;
  const auto [end, ec] = std::from_chars(cell.data(), cell.data() + cell.size(), value);
  if (end != cell.data() + cell.size()) return false;
  if (ec == std::errc::result_out_of_range) {
    too_large = true;
    return true;
  }
  return ec == std::errc();
}

// A Fashion-MNIST CSV line is at most 785 numbers of up to 3 digits and their commas, about 3 KB; the
// header line about 8 KB. A line far longer than spaces around the cells could make it means another kind
// of file, or a device that never ends (/dev/zero), and stops the reading there.
inline constexpr std::size_t csv_max_line_bytes = std::size_t{1} << 16;

}  // namespace detail

// Reads the Kaggle CSV form of Fashion-MNIST. Throws IoError naming the file, the line and (where it
// applies) the column for: an empty file, a missing header, a line with other than 785 columns, a cell
// that is not an integer, a label outside 0-9, a pixel outside 0-255, or no data lines at all.
inline Dataset read_fashion_mnist_csv(const std::string& path) {
  InputFile file(path, path + ": ");
  TextLines lines(file, path, detail::csv_max_line_bytes, "not a Fashion-MNIST CSV file");
  std::string_view raw_line;
  if (!lines.next(raw_line)) throw IoError(path + ": the file is empty: expected a header line and one line per image");

  auto fail = [&](std::size_t line, const std::string& what) -> void {
    throw IoError(path + ": line " + std::to_string(line) + ": " + what);
  };
  auto fail_cell = [&](std::size_t line, std::size_t column, const std::string& what) -> void {
    throw IoError(path + ": line " + std::to_string(line) + ", column " + std::to_string(column) + ": " + what);
  };

  std::vector<std::uint8_t> pixels;
  std::vector<std::int32_t> labels;
  std::vector<std::string_view> cells;
  const auto columns = static_cast<std::size_t>(fashion_mnist_csv_columns);
  std::size_t line_number = 0;
  do {
    const std::string_view line = detail::trim(raw_line);
    ++line_number;

    if (line_number == 1) {
      long long value = 0;
      bool too_large = false;
      detail::split_cells(line, cells);
      if (detail::parse_integer(cells[0], value, too_large)) {
        fail(1, "expected a header line (label,pixel1,...,pixel784), found data");
      }
      continue;
    }
    if (line.empty()) continue;  // a blank line, usually the last one

    detail::split_cells(line, cells);
    if (cells.size() != columns) {
      fail(line_number, std::to_string(cells.size()) + " columns, expected " + std::to_string(columns) +
                            " (the label and 784 pixels)");
    }
    for (std::size_t c = 0; c < columns; ++c) {
      long long value = 0;
      bool too_large = false;
      if (!detail::parse_integer(cells[c], value, too_large)) {
        fail_cell(line_number, c + 1, "\"" + std::string(cells[c]) + "\" is not an integer");
      }
      if (c == 0) {
        if (too_large || value < 0 || value >= fashion_mnist_num_classes) {
          fail_cell(line_number, 1, "label " + std::string(cells[c]) + " is outside 0-9");
        }
        labels.push_back(static_cast<std::int32_t>(value));
      } else {
        if (too_large || value < 0 || value > 255) {
          fail_cell(line_number, c + 1, "pixel value " + std::string(cells[c]) + " is outside 0-255");
        }
        pixels.push_back(static_cast<std::uint8_t>(value));
      }
    }
  } while (lines.next(raw_line));
  if (labels.empty()) fail(line_number, "no images: the file holds a header line only");
  return Dataset(std::move(pixels), std::move(labels), fashion_mnist_rows, fashion_mnist_cols);
}

// Writes a 28 x 28 data set in the Kaggle CSV form, atomically.
inline void write_fashion_mnist_csv(const std::string& path, const Dataset& dataset) {
  if (dataset.rows() != fashion_mnist_rows || dataset.cols() != fashion_mnist_cols) {
    throw ValueError(path + ": cannot save: the CSV form holds 28 x 28 images, got " +
                     std::to_string(dataset.rows()) + " x " + std::to_string(dataset.cols()));
  }
  std::string text = "label";
  for (Index p = 1; p < fashion_mnist_csv_columns; ++p) text += ",pixel" + std::to_string(p);
  text += '\n';
  for (Index i = 0; i < dataset.size(); ++i) {
    text += std::to_string(dataset.label(i));
    const std::uint8_t* image = dataset.image(i);
    for (Index p = 0; p < dataset.image_size(); ++p) {
      text += ',';
      text += std::to_string(image[p]);
    }
    text += '\n';
  }
  write_file_atomically(path, text.data(), text.size());
}

}  // namespace fnn::data
