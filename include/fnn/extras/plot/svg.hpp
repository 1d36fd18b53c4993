#pragma once
// SvgCanvas: the few SVG elements fnn's charts draw with, collected into one self-contained document
// (no fonts, scripts or links to fetch). Coordinates are in pixels from the top left corner.
#include <cstdio>
#include <string>

namespace fnn::plot {

// Text made safe for XML and HTML: the five characters with a meaning there become entities.
inline std::string escape_xml(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

// A number as SVG wants it: short, with a dot, never "nan".
inline std::string svg_number(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", v == v ? v : 0.0);
  return text;
}

class SvgCanvas {
 public:
  SvgCanvas(double width, double height) : width_(width), height_(height) {}

  void rect(double x, double y, double w, double h, const std::string& fill, const std::string& stroke = "none") {
    body_ += "<rect x=\"" + svg_number(x) + "\" y=\"" + svg_number(y) + "\" width=\"" + svg_number(w) +
             "\" height=\"" + svg_number(h) + "\" fill=\"" + fill + "\" stroke=\"" + stroke + "\"/>\n";
  }

  void line(double x1, double y1, double x2, double y2, const std::string& stroke, double width = 1) {
    body_ += "<line x1=\"" + svg_number(x1) + "\" y1=\"" + svg_number(y1) + "\" x2=\"" + svg_number(x2) +
             "\" y2=\"" + svg_number(y2) + "\" stroke=\"" + stroke + "\" stroke-width=\"" + svg_number(width) +
             "\"/>\n";
  }

  // `points` is "x1,y1 x2,y2 ...".
  void polyline(const std::string& points, const std::string& stroke, double width = 2) {
    body_ += "<polyline points=\"" + points + "\" fill=\"none\" stroke=\"" + stroke + "\" stroke-width=\"" +
             svg_number(width) + "\"/>\n";
  }

  void circle(double x, double y, double r, const std::string& fill) {
    body_ += "<circle cx=\"" + svg_number(x) + "\" cy=\"" + svg_number(y) + "\" r=\"" + svg_number(r) +
             "\" fill=\"" + fill + "\"/>\n";
  }

  // `anchor`: start, middle or end; `rotate`: degrees about (x, y).
  void text(double x, double y, const std::string& content, double size = 12, const std::string& anchor = "start",
            const std::string& fill = "#222", double rotate = 0) {
    body_ += "<text x=\"" + svg_number(x) + "\" y=\"" + svg_number(y) + "\" font-size=\"" + svg_number(size) +
             "\" text-anchor=\"" + anchor + "\" fill=\"" + fill + "\"";
    if (rotate != 0) {
      body_ += " transform=\"rotate(" + svg_number(rotate) + " " + svg_number(x) + " " + svg_number(y) + ")\"";
    }
    body_ += ">" + escape_xml(content) + "</text>\n";
  }

  // An embedded raster image, e.g. "data:image/png;base64,...", drawn without smoothing.
  void image(double x, double y, double w, double h, const std::string& data_uri) {
    body_ += "<image x=\"" + svg_number(x) + "\" y=\"" + svg_number(y) + "\" width=\"" + svg_number(w) +
             "\" height=\"" + svg_number(h) + "\" style=\"image-rendering:pixelated\" href=\"" + data_uri + "\"/>\n";
  }

  std::string str() const {
    return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + svg_number(width_) + "\" height=\"" +
           svg_number(height_) + "\" viewBox=\"0 0 " + svg_number(width_) + " " + svg_number(height_) +
           "\" font-family=\"sans-serif\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n" + body_ +
           "</svg>\n";
  }

 private:
  double width_, height_;
  std::string body_;
};

}  // namespace fnn::plot
