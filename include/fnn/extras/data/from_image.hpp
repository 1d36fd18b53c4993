#pragma once
// Turning an arbitrary photo or drawing into a Fashion-MNIST-like 28x28 image: grayscale, the object light
// on a dark background (Fashion-MNIST's polarity), padded to a square and shrunk by area averaging.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "fnn/data/dataset.hpp"
#include "fnn/extras/io/image.hpp"

namespace fnn::data {

// A one-image Dataset of size x size pixels; its label, 0, means nothing.
inline Dataset fashion_mnist_like(const GrayImage& image, Index size = 28) {
  const int w = image.width, h = image.height;
  if (w < 1 || h < 1) throw ValueError("fnn::data::fashion_mnist_like: the image is empty");
  // Photos show a dark object on a light background; Fashion-MNIST the opposite. Decide by the border.
  double border = 0;
  long long border_count = 0;
  for (int x = 0; x < w; ++x) border += image.pixels[static_cast<std::size_t>(x)] + image.pixels[static_cast<std::size_t>((h - 1) * w + x)];
  for (int y = 0; y < h; ++y) border += image.pixels[static_cast<std::size_t>(y * w)] + image.pixels[static_cast<std::size_t>(y * w + w - 1)];
  border_count = 2LL * (w + h);
  const bool invert = border / static_cast<double>(border_count) > 127.5;

  // Centre the image on a square canvas of background, then average each output cell's area.
  const int side = std::max(w, h), x0 = (side - w) / 2, y0 = (side - h) / 2;
  std::vector<std::uint8_t> out(static_cast<std::size_t>(size * size));
  const double scale = static_cast<double>(side) / static_cast<double>(size);
  for (Index oy = 0; oy < size; ++oy) {
    for (Index ox = 0; ox < size; ++ox) {
      const int ya = static_cast<int>(static_cast<double>(oy) * scale), yb = std::max(ya + 1, static_cast<int>(static_cast<double>(oy + 1) * scale));
      const int xa = static_cast<int>(static_cast<double>(ox) * scale), xb = std::max(xa + 1, static_cast<int>(static_cast<double>(ox + 1) * scale));
      double sum = 0;
      for (int y = ya; y < yb; ++y) {
        for (int x = xa; x < xb; ++x) {
          const int sx = x - x0, sy = y - y0;
          double v = 0;  // the canvas is background
          if (sx >= 0 && sx < w && sy >= 0 && sy < h) {
            const double p = image.pixels[static_cast<std::size_t>(sy * w + sx)];
            v = invert ? 255.0 - p : p;
          }
          sum += v;
        }
      }
      out[static_cast<std::size_t>(oy * size + ox)] =
          static_cast<std::uint8_t>(std::clamp(sum / ((yb - ya) * (xb - xa)) + 0.5, 0.0, 255.0));
    }
  }
  return Dataset(std::move(out), {0}, size, size);
}

}  // namespace fnn::data
