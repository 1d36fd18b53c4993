#pragma once
// Test inputs drawn from a seeded generator.
#include <algorithm>
#include <fnn/fnn.hpp>
#include <numeric>

namespace fnn::test {

template <class Scalar = double>
Tensor<Scalar> random_normal(const Shape& shape, Rng& rng) {
  Tensor<Scalar> t(shape);
  for (Scalar& v : t) v = static_cast<Scalar>(rng.normal());
  return t;
}

// Values at least `gap` away from zero, so that a finite-difference step never crosses ReLU's kink.
inline Tensor<double> away_from_zero(const Shape& shape, Rng& rng, double gap = 0.05) {
  Tensor<double> t(shape);
  for (double& v : t) v = (rng.bernoulli(0.5) ? 1 : -1) * (gap + rng.uniform());
  return t;
}

// Distinct values 0.01 apart in random order: max-pooling windows have no ties, and no step of the
// gradient check changes which element is the maximum.
inline Tensor<double> distinct_values(const Shape& shape, Rng& rng) {
  Tensor<double> t(shape);
  std::vector<Index> order(static_cast<std::size_t>(t.numel()));
  std::iota(order.begin(), order.end(), 0);
  for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng.below(i)]);
  for (Index i = 0; i < t.numel(); ++i) t[i] = 0.01 * static_cast<double>(order[static_cast<std::size_t>(i)]) - 1.0;
  return t;
}

}  // namespace fnn::test
