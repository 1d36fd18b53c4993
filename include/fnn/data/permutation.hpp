#pragma once
// Random permutations for shuffling and splitting, drawn from an fnn::Rng so that a seed fixes them on
// every platform (std::shuffle's algorithm is implementation-defined).
#include <cstdint>
#include <numeric>
#include <utility>
#include <vector>

#include "fnn/core/random.hpp"
#include "fnn/core/shape.hpp"

namespace fnn::data {

// Fisher-Yates: swaps each position, from the last down, with a uniformly chosen one at or before it,
// which makes every one of the n! orders equally likely.
inline void shuffle(std::vector<Index>& values, Rng& rng) {
  for (std::size_t i = values.size(); i > 1; --i) {
    const auto j = static_cast<std::size_t>(rng.below(static_cast<std::uint64_t>(i)));
    std::swap(values[i - 1], values[j]);
  }
}

// 0, 1, ..., n - 1 in random order.
inline std::vector<Index> random_permutation(Index n, Rng& rng) {
  std::vector<Index> order(static_cast<std::size_t>(n < 0 ? 0 : n));
  std::iota(order.begin(), order.end(), Index{0});
  shuffle(order, rng);
  return order;
}

}  // namespace fnn::data
