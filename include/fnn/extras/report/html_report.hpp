#pragma once
// HtmlReport: a self-contained HTML page built section by section: headings, paragraphs, tables,
// preformatted text and figures. Figures are embedded as data URIs (SVG or PNG), so the file opens
// anywhere, offline, on its own. A small script marks on <body data-images-loaded="k/n"> how many
// images the browser decoded, which lets a headless browser check the page.
#include <string>
#include <vector>

#include "fnn/core/error.hpp"
#include "fnn/io/atomic_file.hpp"
#include "fnn/extras/io/data_uri.hpp"
#include "fnn/extras/plot/svg.hpp"

namespace fnn::report {

using plot::escape_xml;

class HtmlReport {
 public:
  explicit HtmlReport(std::string title) : title_(std::move(title)) {}

  void heading(const std::string& text) { body_ += "<h2>" + escape_xml(text) + "</h2>\n"; }
  void paragraph(const std::string& text) { body_ += "<p>" + escape_xml(text) + "</p>\n"; }
  void preformatted(const std::string& text) { body_ += "<pre>" + escape_xml(text) + "</pre>\n"; }

  void table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
    body_ += "<table>\n<tr>";
    for (const auto& h : header) body_ += "<th>" + escape_xml(h) + "</th>";
    body_ += "</tr>\n";
    for (const auto& row : rows) {
      if (row.size() != header.size()) {
        throw ShapeError("fnn::report::HtmlReport::table: a row of " + std::to_string(row.size()) +
                         " cells under " + std::to_string(header.size()) + " headings");
      }
      body_ += "<tr>";
      for (const auto& cell : row) body_ += "<td>" + escape_xml(cell) + "</td>";
      body_ += "</tr>\n";
    }
    body_ += "</table>\n";
  }

  // `image_uri` is a data URI (fnn::svg_data_uri, fnn::png_data_uri).
  void figure(const std::string& image_uri, const std::string& caption) {
    body_ += "<figure><img src=\"" + image_uri + "\" alt=\"" + escape_xml(caption) + "\"><figcaption>" +
             escape_xml(caption) + "</figcaption></figure>\n";
  }

  std::string str() const {
    return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" + escape_xml(title_) +
           "</title>\n<style>\n"
           "body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}\n"
           "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 10px;"
           "text-align:right}th{background:#f3f3f3}td:first-child{text-align:left}\n"
           "pre{background:#f7f7f7;padding:1em;overflow-x:auto;font-size:12px}\n"
           "figure{display:inline-block;margin:1em 1em 1em 0;vertical-align:top}"
           "figcaption{font-size:13px;color:#555}\n"
           "</style>\n</head>\n<body>\n<h1>" +
           escape_xml(title_) + "</h1>\n" + body_ +
           "<script>\nwindow.addEventListener('load', () => {\n"
           "  const images = Array.from(document.images);\n"
           "  const loaded = images.filter(i => i.complete && i.naturalWidth > 0).length;\n"
           "  document.body.setAttribute('data-images-loaded', loaded + '/' + images.length);\n"
           "});\n</script>\n</body>\n</html>\n";
  }

  void write(const std::string& path) const {
    const std::string text = str();
    write_file_atomically(path, text.data(), text.size());
  }

 private:
  std::string title_;
  std::string body_;
};

}  // namespace fnn::report
