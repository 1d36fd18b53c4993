#pragma once
// Pixel normalisation, as torchvision's ToTensor followed by Normalize(mean, std):
//   x = (byte / 255 - mean) / stddev
// Three settings cover the experiments fnn reproduces: the training set's own statistics
// (dataset_statistics, seed 000), MNIST's customary 0.1307 / 0.3081 (seed 003) and 0.5 / 0.5, which maps
// [0, 1] to [-1, 1] (seed 001). The default, 0 / 1, only scales to [0, 1].
#include <array>
#include <cmath>
#include <cstdint>
#include <string>

#include "fnn/data/dataset.hpp"

namespace fnn::data {

struct Normalize {
  double mean = 0.0;
  double stddev = 1.0;
};

inline constexpr Normalize mnist_normalization{0.1307, 0.3081};
inline constexpr Normalize symmetric_normalization{0.5, 0.5};

inline void check_normalize(const Normalize& n) {
  if (!std::isfinite(n.mean) || !std::isfinite(n.stddev) || !(n.stddev > 0.0)) {
    throw ValueError("fnn::data::Normalize: mean must be finite and stddev positive, got mean " +
                     std::to_string(n.mean) + ", stddev " + std::to_string(n.stddev));
  }
}

// The mean and the (population) standard deviation of all pixels of the data set scaled to [0, 1]:
// the Normalize that standardises it. Counted through a 256-bin histogram, which is exact and makes the
// result independent of summation order.
inline Normalize dataset_statistics(const Dataset& dataset) {
  if (dataset.empty()) throw ValueError("fnn::data::dataset_statistics: the data set is empty");
  std::array<std::uint64_t, 256> histogram{};
  for (std::uint8_t p : dataset.pixels()) ++histogram[p];
  const auto n = static_cast<double>(dataset.pixels().size());
  double mean = 0.0;
  for (int v = 0; v < 256; ++v) mean += static_cast<double>(histogram[static_cast<std::size_t>(v)]) * (v / 255.0);
  mean /= n;
  double variance = 0.0;
  for (int v = 0; v < 256; ++v) {
    const double d = v / 255.0 - mean;
    variance += static_cast<double>(histogram[static_cast<std::size_t>(v)]) * d * d;
  }
  variance /= n;
  return {mean, std::sqrt(variance)};
}

// The value of each of the 256 bytes after scaling and normalisation: converting a batch is then one
// table look-up per pixel.
template <class Scalar>
std::array<Scalar, 256> pixel_table(const Normalize& n) {
  check_normalize(n);
  std::array<Scalar, 256> table{};
  for (int v = 0; v < 256; ++v) {
    table[static_cast<std::size_t>(v)] = static_cast<Scalar>((v / 255.0 - n.mean) / n.stddev);
  }
  return table;
}

}  // namespace fnn::data
