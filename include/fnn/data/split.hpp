#pragma once
// A seeded random split of a data set into two disjoint parts, such as training and validation.
#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "fnn/core/random.hpp"
#include "fnn/core/shape.hpp"
#include "fnn/data/permutation.hpp"

namespace fnn::data {

// Returns {first, second}: first holds round(first_fraction * N) samples chosen at random, second the
// rest; every sample lands in exactly one part. Each part keeps the samples in their original order
// (only which part a sample joins is random), so a split is a function of the seed alone.
// Any data set with size() and subset(indices) splits: Dataset, TensorDataset.
//   auto [train, validation] = split(full_train, 0.8, rng);   // 48000 and 12000 of 60000
template <class DataSet>
std::pair<DataSet, DataSet> split(const DataSet& dataset, double first_fraction, Rng& rng) {
  if (!(first_fraction >= 0.0 && first_fraction <= 1.0)) {
    throw ValueError("fnn::data::split: the fraction must be in [0, 1], got " + std::to_string(first_fraction));
  }
  std::vector<Index> order = random_permutation(dataset.size(), rng);
  const auto first_size = static_cast<std::ptrdiff_t>(std::llround(first_fraction * static_cast<double>(dataset.size())));
  std::vector<Index> first(order.begin(), order.begin() + first_size);
  std::vector<Index> second(order.begin() + first_size, order.end());
  std::sort(first.begin(), first.end());
  std::sort(second.begin(), second.end());
  return {dataset.subset(first), dataset.subset(second)};
}

}  // namespace fnn::data
