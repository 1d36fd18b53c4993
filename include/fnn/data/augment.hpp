#pragma once
// Training-time augmentation of one image [rows, cols] (one channel, row-major) after normalisation, in
// torchvision's order and with its parameters:
//   RandomCrop(size, padding)   pad every side with `padding` black pixels, cut a size x size window
//                               at a uniformly drawn offset; a shift of the image by -p..p in each axis
//   RandomHorizontalFlip(0.5)   mirror left to right with probability 1/2
//   RandomErasing(p, scale=(0.02, 0.33), ratio=(0.3, 3.3), value=0)
//                               with probability p, fill a rectangle of area scale * rows * cols and
//                               aspect (height / width) ratio, both drawn as torchvision draws them
//                               (the ratio log-uniformly), with `value`; up to 10 tries for a
//                               rectangle that fits, none erased if all fail
// Each random function draws from the Rng it is given and nothing else, so a seed fixes the result.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

#include "fnn/core/error.hpp"
#include "fnn/core/random.hpp"
#include "fnn/core/shape.hpp"

namespace fnn::data {

// Which augmentations to apply; the default applies none.
struct Augmentation {
  Index crop_padding = 0;          // RandomCrop padding; 0 turns cropping off
  bool horizontal_flip = false;    // RandomHorizontalFlip(0.5)
  double erase_probability = 0.0;  // RandomErasing's p; 0 turns erasing off
  double erase_scale_min = 0.02, erase_scale_max = 0.33;
  double erase_ratio_min = 0.3, erase_ratio_max = 3.3;
  double erase_value = 0.0;  // the value the rectangle gets, after normalisation (as torchvision's)

  bool enabled() const { return crop_padding > 0 || horizontal_flip || erase_probability > 0.0; }
};

inline void check_augmentation(const Augmentation& a) {
  auto fail = [](const std::string& what) -> void { throw ValueError("fnn::data::Augmentation: " + what); };
  if (a.crop_padding < 0) fail("crop_padding must be >= 0, got " + std::to_string(a.crop_padding));
  if (!(a.erase_probability >= 0.0 && a.erase_probability <= 1.0)) {
    fail("erase_probability must be in [0, 1], got " + std::to_string(a.erase_probability));
  }
  if (!(a.erase_scale_min > 0.0 && a.erase_scale_min <= a.erase_scale_max && a.erase_scale_max <= 1.0)) {
    fail("the erase scale range must satisfy 0 < min <= max <= 1, got " + std::to_string(a.erase_scale_min) +
         " to " + std::to_string(a.erase_scale_max));
  }
  if (!(a.erase_ratio_min > 0.0 && a.erase_ratio_min <= a.erase_ratio_max && std::isfinite(a.erase_ratio_max))) {
    fail("the erase ratio range must satisfy 0 < min <= max, got " + std::to_string(a.erase_ratio_min) + " to " +
         std::to_string(a.erase_ratio_max));
  }
  if (!std::isfinite(a.erase_value)) fail("erase_value must be finite");
}

// Shifts the image: out(r, c) = in(r + dy, c + dx), and `fill` where that falls outside. `scratch`
// holds rows * cols values (the image is copied there first, so the shift works in place). The columns
// whose source lies inside, [first, last), are the same for every row, so each row is a fill, a copy and a
// fill, with no test per pixel. (A test per pixel, `c + dx` inside ? in[c + dx] : fill, is what GCC 12.2
// miscompiles at -O3: loop unswitching with the vectoriser read the wrong source rows for dx = 0.)
template <class Scalar>
void shift_image(Scalar* image, Index rows, Index cols, Index dy, Index dx, Scalar fill, Scalar* scratch) {
  if (dy == 0 && dx == 0) return;
  std::copy(image, image + rows * cols, scratch);
  const Index first = std::clamp<Index>(-dx, 0, cols), last = std::clamp<Index>(cols - dx, first, cols);
  for (Index r = 0; r < rows; ++r) {
    const Index source_row = r + dy;
    Scalar* out = image + r * cols;
    if (source_row < 0 || source_row >= rows) {
      std::fill(out, out + cols, fill);
      continue;
    }
    const Scalar* in = scratch + source_row * cols;
    std::fill(out, out + first, fill);
    std::copy(in + first + dx, in + last + dx, out + first);
    std::fill(out + last, out + cols, fill);
  }
}

// RandomCrop with zero padding: the window's top-left corner in the padded image is drawn uniformly
// from [0, 2 * padding] in each axis (row first), i.e. a shift by top - padding, left - padding.
// `fill` is the value of a black pixel after normalisation, what torchvision's padding becomes.
template <class Scalar>
void random_crop(Scalar* image, Index rows, Index cols, Index padding, Scalar fill, Rng& rng, Scalar* scratch) {
  if (padding <= 0) return;
  const auto span = static_cast<std::uint64_t>(2 * padding + 1);
  const auto top = static_cast<Index>(rng.below(span));
  const auto left = static_cast<Index>(rng.below(span));
  shift_image(image, rows, cols, top - padding, left - padding, fill, scratch);
}

// Mirrors every row: out(r, c) = in(r, cols - 1 - c).
template <class Scalar>
void flip_horizontal(Scalar* image, Index rows, Index cols) {
  for (Index r = 0; r < rows; ++r) std::reverse(image + r * cols, image + (r + 1) * cols);
}

// Flips with probability 1/2; returns whether it did.
template <class Scalar>
bool random_horizontal_flip(Scalar* image, Index rows, Index cols, Rng& rng) {
  if (!rng.bernoulli(0.5)) return false;
  flip_horizontal(image, rows, cols);
  return true;
}

// A rectangle of an image: rows [top, top + height), columns [left, left + width).
struct Box {
  Index top = 0, left = 0, height = 0, width = 0;
};

// Draws RandomErasing's rectangle; false when erasing is not applied this time (probability
// 1 - erase_probability) or when 10 tries found no rectangle that fits.
inline bool draw_erase_box(Index rows, Index cols, const Augmentation& a, Rng& rng, Box& box) {
  if (!rng.bernoulli(a.erase_probability)) return false;
  const double area = static_cast<double>(rows * cols);
  const double log_ratio_min = std::log(a.erase_ratio_min), log_ratio_max = std::log(a.erase_ratio_max);
  for (int attempt = 0; attempt < 10; ++attempt) {
    const double target = area * rng.uniform(a.erase_scale_min, a.erase_scale_max);
    const double ratio = std::exp(rng.uniform(log_ratio_min, log_ratio_max));
    const auto h = static_cast<Index>(std::lround(std::sqrt(target * ratio)));
    const auto w = static_cast<Index>(std::lround(std::sqrt(target / ratio)));
    if (!(h < rows && w < cols)) continue;
    box.height = h;
    box.width = w;
    box.top = static_cast<Index>(rng.below(static_cast<std::uint64_t>(rows - h + 1)));
    box.left = static_cast<Index>(rng.below(static_cast<std::uint64_t>(cols - w + 1)));
    return true;
  }
  return false;
}

template <class Scalar>
void fill_box(Scalar* image, Index cols, const Box& box, Scalar value) {
  for (Index r = box.top; r < box.top + box.height; ++r) {
    std::fill(image + r * cols + box.left, image + r * cols + box.left + box.width, value);
  }
}

// RandomErasing; returns whether a rectangle was erased.
template <class Scalar>
bool random_erase(Scalar* image, Index rows, Index cols, const Augmentation& a, Rng& rng) {
  Box box;
  if (!draw_erase_box(rows, cols, a, rng, box)) return false;
  fill_box(image, cols, box, static_cast<Scalar>(a.erase_value));
  return true;
}

// Applies the enabled augmentations in torchvision's order: crop, flip, erase. `black` is the
// normalised value of pixel 0 (the crop's padding); `scratch` holds rows * cols values.
template <class Scalar>
void augment_image(Scalar* image, Index rows, Index cols, const Augmentation& a, Scalar black, Rng& rng,
                   Scalar* scratch) {
  if (a.crop_padding > 0) random_crop(image, rows, cols, a.crop_padding, black, rng, scratch);
  if (a.horizontal_flip) random_horizontal_flip(image, rows, cols, rng);
  if (a.erase_probability > 0.0) random_erase(image, rows, cols, a, rng);
}

}  // namespace fnn::data
