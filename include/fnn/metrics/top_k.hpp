#pragma once
// The k most likely classes of one sample with their probabilities, from its scores by softmax:
//   p_c = exp(x_c - m) / sum_j exp(x_j - m),  m = max_j x_j   (subtracting m keeps exp() finite)
// Softmax ignores a constant added to every score, so logits and log-probabilities (a model ending in
// LogSoftmax) give the same probabilities.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "fnn/core/tensor.hpp"

namespace fnn::metrics {

struct ClassProbability {
  std::int32_t label = 0;
  double probability = 0.0;
};

// The k classes of highest probability, most likely first; equal probabilities keep class order.
template <class Scalar>
std::vector<ClassProbability> top_k(const Scalar* scores, Index num_classes, Index k) {
  if (num_classes < 1 || k < 1 || k > num_classes) {
    throw ValueError("fnn::metrics::top_k: k must be in [1, " + std::to_string(num_classes) + "], got " +
                     std::to_string(k));
  }
  const double max = static_cast<double>(*std::max_element(scores, scores + num_classes));
  std::vector<ClassProbability> all(static_cast<std::size_t>(num_classes));
  double sum = 0.0;
  for (Index c = 0; c < num_classes; ++c) {
    const double e = std::exp(static_cast<double>(scores[c]) - max);
    all[static_cast<std::size_t>(c)] = {static_cast<std::int32_t>(c), e};
    sum += e;
  }
  for (ClassProbability& cp : all) cp.probability /= sum;
  std::stable_sort(all.begin(), all.end(),
                   [](const ClassProbability& a, const ClassProbability& b) { return a.probability > b.probability; });
  all.resize(static_cast<std::size_t>(k));
  return all;
}

// Row `row` of scores [N, C].
template <class Scalar>
std::vector<ClassProbability> top_k(const Tensor<Scalar>& scores, Index row, Index k) {
  check_rank("fnn::metrics::top_k", scores.shape(), 2, "[N, C]");
  if (row < 0 || row >= scores.size(0)) {
    throw ValueError("fnn::metrics::top_k: row " + std::to_string(row) + " is outside scores " + scores.shape().str());
  }
  return top_k(scores.data() + row * scores.size(1), scores.size(1), k);
}

}  // namespace fnn::metrics
