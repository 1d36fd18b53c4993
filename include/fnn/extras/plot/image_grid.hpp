#pragma once
// image_grid: small grayscale images in rows, each with a caption, as an SVG document with the images
// embedded as PNG data URIs. A marked image (a wrong prediction) gets a red frame and a red caption.
// Used for test images with their predicted and true labels, and for a sample of each class.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "fnn/core/error.hpp"
#include "fnn/extras/io/image.hpp"
#include "fnn/extras/plot/svg.hpp"

namespace fnn::plot {

struct GridImage {
  const std::uint8_t* pixels = nullptr;  // [height, width], 0 = black
  std::string caption;                   // one or two lines, split at '\n'
  bool marked = false;
};

struct ImageGrid {
  std::string title;
  int image_width = 28, image_height = 28;
  std::vector<GridImage> images;
  int columns = 10;
  double scale = 3;       // screen pixels per image pixel
  int caption_lines = 2;  // room below each image
};

inline std::string image_grid(const ImageGrid& grid) {
  if (grid.columns < 1 || grid.image_width < 1 || grid.image_height < 1 || grid.images.empty()) {
    throw ValueError("fnn::plot::image_grid: needs images of a positive size and at least one column");
  }
  const double image_w = grid.image_width * grid.scale, image_h = grid.image_height * grid.scale;
  const double cell_w = std::max(image_w, 96.0) + 8, cell_h = image_h + 14.0 * grid.caption_lines + 12;
  const int rows = static_cast<int>((grid.images.size() + static_cast<std::size_t>(grid.columns) - 1) /
                                    static_cast<std::size_t>(grid.columns));
  const double top = 36;
  SvgCanvas svg(cell_w * grid.columns, top + cell_h * rows);
  svg.text(cell_w * grid.columns / 2, 22, grid.title, 15, "middle");
  for (std::size_t i = 0; i < grid.images.size(); ++i) {
    const GridImage& image = grid.images[i];
    if (!image.pixels) throw ValueError("fnn::plot::image_grid: image " + std::to_string(i) + " has no pixels");
    const std::size_t columns = static_cast<std::size_t>(grid.columns);
    const double x = cell_w * static_cast<double>(i % columns) + (cell_w - image_w) / 2;
    const double y = top + cell_h * static_cast<double>(i / columns);
    const std::vector<unsigned char> png = encode_gray_png(image.pixels, grid.image_width, grid.image_height);
    svg.image(x, y, image_w, image_h, png_data_uri(png));
    const std::string colour = image.marked ? "#d62728" : "#222";
    if (image.marked) svg.rect(x - 2, y - 2, image_w + 4, image_h + 4, "none", colour);
    std::size_t start = 0;
    for (int line = 0; line < grid.caption_lines && start <= image.caption.size(); ++line) {
      const std::size_t end = std::min(image.caption.find('\n', start), image.caption.size());
      const std::string text = image.caption.substr(start, end - start);
      svg.text(x + image_w / 2, y + image_h + 14 + 14.0 * line, text, 11, "middle", colour);
      start = end + 1;
    }
  }
  return svg.str();
}

}  // namespace fnn::plot
