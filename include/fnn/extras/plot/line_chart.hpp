#pragma once
// line_chart: curves over a shared x axis as an SVG document, e.g. loss or accuracy per epoch for the
// training, validation and test sets. NaN points (a pass that did not happen) are left out of a curve.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "fnn/core/error.hpp"
#include "fnn/extras/plot/svg.hpp"

namespace fnn::plot {

struct Series {
  std::string name;
  std::vector<double> x, y;
};

struct LineChart {
  std::string title, x_label, y_label;
  std::vector<Series> series;
  double width = 500, height = 320;  // two fit side by side in the report
  bool integer_x = false;  // ticks on whole numbers only (epochs)
};

// The colours of the series, in order (matplotlib's first four).
inline const std::string& series_colour(std::size_t i) {
  static const std::string colours[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728"};
  return colours[i % 4];
}

// Tick positions at 1, 2 or 5 times a power of ten, about `target` of them across [low, high].
inline std::vector<double> nice_ticks(double low, double high, int target = 5, double min_step = 0) {
  if (!(high > low)) return {low};
  const double raw_step = std::max((high - low) / target, min_step);
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw_step)));
  double step = magnitude;
  for (double m : {2.0, 5.0, 10.0}) {
    if (raw_step > step) step = m * magnitude;
  }
  std::vector<double> ticks;
  for (double t = std::ceil(low / step) * step; t <= high + step * 1e-9; t += step) ticks.push_back(t);
  return ticks;
}

// "%g"-style tick label without float noise.
inline std::string tick_label(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", std::abs(v) < 1e-12 ? 0.0 : v);
  return text;
}

inline std::string line_chart(const LineChart& chart) {
  auto drawn = [](const Series& s, std::size_t i) { return std::isfinite(s.x[i]) && std::isfinite(s.y[i]); };
  double x_low = std::numeric_limits<double>::infinity(), x_high = -x_low, y_low = x_low, y_high = -x_low;
  for (const Series& s : chart.series) {
    if (s.x.size() != s.y.size()) {
      throw ShapeError("fnn::plot::line_chart: series '" + s.name + "' has " + std::to_string(s.x.size()) +
                       " x values and " + std::to_string(s.y.size()) + " y values");
    }
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      if (!drawn(s, i)) continue;
      x_low = std::min(x_low, s.x[i]);
      x_high = std::max(x_high, s.x[i]);
      y_low = std::min(y_low, s.y[i]);
      y_high = std::max(y_high, s.y[i]);
    }
  }
  if (!std::isfinite(x_low)) x_low = 0, x_high = 1, y_low = 0, y_high = 1;  // nothing to draw: empty axes
  if (x_high - x_low < 1e-12) x_low -= 0.5, x_high += 0.5;
  const double y_pad = std::max({(y_high - y_low) * 0.05, std::abs(y_high) * 0.02, 1e-3});
  y_low -= y_pad, y_high += y_pad;

  const double left = 64, right = 130, top = 34, bottom = 48;  // margins: axis labels left, legend right
  const double plot_w = chart.width - left - right, plot_h = chart.height - top - bottom;
  auto px = [&](double x) { return left + (x - x_low) / (x_high - x_low) * plot_w; };
  auto py = [&](double y) { return top + (y_high - y) / (y_high - y_low) * plot_h; };

  SvgCanvas svg(chart.width, chart.height);
  svg.text(chart.width / 2, 20, chart.title, 15, "middle");
  for (double t : nice_ticks(y_low, y_high)) {
    svg.line(left, py(t), left + plot_w, py(t), "#e5e5e5");
    svg.text(left - 6, py(t) + 4, tick_label(t), 11, "end");
  }
  for (double t : nice_ticks(x_low, x_high, 8, chart.integer_x ? 1 : 0)) {
    svg.line(px(t), top + plot_h, px(t), top + plot_h + 4, "#444");
    svg.text(px(t), top + plot_h + 17, tick_label(t), 11, "middle");
  }
  svg.rect(left, top, plot_w, plot_h, "none", "#444");
  svg.text(left + plot_w / 2, chart.height - 10, chart.x_label, 12, "middle");
  svg.text(16, top + plot_h / 2, chart.y_label, 12, "middle", "#222", -90);

  for (std::size_t k = 0; k < chart.series.size(); ++k) {
    const Series& s = chart.series[k];
    std::string points;
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      if (!drawn(s, i)) continue;
      points += svg_number(px(s.x[i])) + "," + svg_number(py(s.y[i])) + " ";
      svg.circle(px(s.x[i]), py(s.y[i]), 2.5, series_colour(k));
    }
    svg.polyline(points, series_colour(k));
    const double legend_y = top + 14 + 20 * static_cast<double>(k);
    svg.line(left + plot_w + 12, legend_y - 4, left + plot_w + 32, legend_y - 4, series_colour(k), 3);
    svg.text(left + plot_w + 38, legend_y, s.name, 12);
  }
  return svg.str();
}

}  // namespace fnn::plot
