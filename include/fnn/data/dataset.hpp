#pragma once
// Dataset: labelled greyscale images kept as the bytes they are stored in.
//   pixels [N, rows, cols] uint8, contiguous and row-major     labels [N] int32
// Fashion-MNIST's 60000 training images take 47 MB as bytes and four times that as floats, so the data
// set stays in bytes and the DataLoader converts one batch at a time.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "fnn/core/error.hpp"
#include "fnn/core/shape.hpp"

namespace fnn::data {

class Dataset {
 public:
  Dataset() = default;

  // `pixels` holds labels.size() images of rows x cols bytes, one after the other.
  Dataset(std::vector<std::uint8_t> pixels, std::vector<std::int32_t> labels, Index rows, Index cols)
      : pixels_(std::move(pixels)), labels_(std::move(labels)), rows_(rows), cols_(cols) {
    if (rows < 1 || cols < 1) {
      throw ValueError("fnn::data::Dataset: images must be at least 1 x 1, got " + std::to_string(rows) + " x " +
                       std::to_string(cols));
    }
    const auto expected = labels_.size() * static_cast<std::size_t>(rows * cols);
    if (pixels_.size() != expected) {
      throw ValueError("fnn::data::Dataset: " + std::to_string(labels_.size()) + " labels of " +
                       std::to_string(rows) + " x " + std::to_string(cols) + " images need " +
                       std::to_string(expected) + " pixels, got " + std::to_string(pixels_.size()));
    }
  }

  Index size() const { return static_cast<Index>(labels_.size()); }
  bool empty() const { return labels_.empty(); }
  Index rows() const { return rows_; }
  Index cols() const { return cols_; }
  Index image_size() const { return rows_ * cols_; }

  // The rows x cols pixels of image i, row-major.
  const std::uint8_t* image(Index i) const {
    check_index(i);
    return pixels_.data() + static_cast<std::size_t>(i * image_size());
  }
  std::uint8_t pixel(Index i, Index row, Index col) const {
    if (row < 0 || row >= rows_ || col < 0 || col >= cols_) {
      throw ValueError("fnn::data::Dataset::pixel: (" + std::to_string(row) + ", " + std::to_string(col) +
                       ") is outside a " + std::to_string(rows_) + " x " + std::to_string(cols_) + " image");
    }
    return image(i)[row * cols_ + col];
  }
  std::int32_t label(Index i) const {
    check_index(i);
    return labels_[static_cast<std::size_t>(i)];
  }

  const std::vector<std::uint8_t>& pixels() const { return pixels_; }
  const std::vector<std::int32_t>& labels() const { return labels_; }

  // The samples at `indices`, in that order (an index may repeat).
  Dataset subset(const std::vector<Index>& indices) const {
    const auto n = static_cast<std::size_t>(image_size());
    std::vector<std::uint8_t> pixels(indices.size() * n);
    std::vector<std::int32_t> labels(indices.size());
    for (std::size_t k = 0; k < indices.size(); ++k) {
      const std::uint8_t* src = image(indices[k]);
      std::copy(src, src + n, pixels.begin() + static_cast<std::ptrdiff_t>(k * n));
      labels[k] = labels_[static_cast<std::size_t>(indices[k])];
    }
    return Dataset(std::move(pixels), std::move(labels), rows_, cols_);
  }

 private:
  void check_index(Index i) const {
    if (i < 0 || i >= size()) {
      throw ValueError("fnn::data::Dataset: sample " + std::to_string(i) + " is outside a data set of " +
                       std::to_string(size()));
    }
  }

  std::vector<std::uint8_t> pixels_;
  std::vector<std::int32_t> labels_;
  Index rows_ = 28, cols_ = 28;
};

}  // namespace fnn::data
