#pragma once
// heat_map: a labelled grid of values as an SVG document, each cell shaded from white (the smallest
// value) to dark blue (the largest) and printed with `value_format` (printf, one double). Used for the
// confusion matrix (rows: true class, columns: predicted class) and for accuracy over a sweep's grid.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "fnn/core/error.hpp"
#include "fnn/extras/plot/svg.hpp"

namespace fnn::plot {

struct HeatMap {
  std::string title, row_title, column_title;
  std::vector<std::string> row_labels, column_labels;
  std::vector<double> values;  // row-major, rows x columns
  std::string value_format = "%.0f";
  double cell = 48;            // cell side in pixels
};

// White at 0, dark blue at 1.
inline std::string shade(double t) {
  t = std::clamp(t, 0.0, 1.0);
  char colour[8];
  std::snprintf(colour, sizeof colour, "#%02x%02x%02x", static_cast<int>(255 - 247 * t),
                static_cast<int>(255 - 207 * t), static_cast<int>(255 - 148 * t));
  return colour;
}

inline std::string heat_map(const HeatMap& map) {
  const std::size_t rows = map.row_labels.size(), cols = map.column_labels.size();
  if (rows == 0 || cols == 0 || map.values.size() != rows * cols) {
    throw ShapeError("fnn::plot::heat_map: " + std::to_string(map.values.size()) + " values for " +
                     std::to_string(rows) + " rows and " + std::to_string(cols) + " columns");
  }
  std::size_t longest_row_label = 0;
  for (const auto& l : map.row_labels) longest_row_label = std::max(longest_row_label, l.size());
  const double left = 40 + 7.0 * static_cast<double>(longest_row_label), top = 60, cell = map.cell;
  const double width = left + cell * static_cast<double>(cols) + 20;
  const double height = top + cell * static_cast<double>(rows) + 110;
  const auto [low_it, high_it] = std::minmax_element(map.values.begin(), map.values.end());
  const double low = *low_it, range = std::max(*high_it - low, 1e-12);

  SvgCanvas svg(width, height);
  svg.text(width / 2, 22, map.title, 15, "middle");
  svg.text(left + cell * static_cast<double>(cols) / 2, 46, map.column_title, 12, "middle");
  svg.text(14, top + cell * static_cast<double>(rows) / 2, map.row_title, 12, "middle", "#222", -90);
  for (std::size_t r = 0; r < rows; ++r) {
    const double y = top + cell * static_cast<double>(r);
    svg.text(left - 6, y + cell / 2 + 4, map.row_labels[r], 11, "end");
    for (std::size_t c = 0; c < cols; ++c) {
      const double x = left + cell * static_cast<double>(c), t = (map.values[r * cols + c] - low) / range;
      svg.rect(x, y, cell, cell, shade(t), "#fff");
      char value[32];
      std::snprintf(value, sizeof value, map.value_format.c_str(), map.values[r * cols + c]);
      svg.text(x + cell / 2, y + cell / 2 + 4, value, 11, "middle", t > 0.5 ? "#fff" : "#222");
    }
  }
  const double labels_y = top + cell * static_cast<double>(rows) + 8;
  for (std::size_t c = 0; c < cols; ++c) {
    const double x = left + cell * (static_cast<double>(c) + 0.5);
    svg.text(x, labels_y, map.column_labels[c], 11, "end", "#222", -45);
  }
  return svg.str();
}

}  // namespace fnn::plot
