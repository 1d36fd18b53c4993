#pragma once
// Predicted classes and accuracy. A prediction is the arg-max of a row of scores [N, C]: logits,
// probabilities and log-probabilities give the same arg-max, so any model output serves. Ties go to the
// lowest class, as torch.argmax.
#include <cstdint>
#include <string>

#include "fnn/core/tensor.hpp"
#include "fnn/losses/targets.hpp"

namespace fnn::metrics {

// out[n] = arg-max over c of scores[n, c]; `out` is resized, keeping its memory.
template <class Scalar>
void predicted_classes(const Tensor<Scalar>& scores, Targets& out) {
  check_rank("fnn::metrics::predicted_classes", scores.shape(), 2, "[N, C]");
  const Index n_rows = scores.size(0), n_classes = scores.size(1);
  if (n_classes < 1) throw ShapeError("fnn::metrics::predicted_classes: scores " + scores.shape().str() + " have no classes");
  out.resize(static_cast<std::size_t>(n_rows));
  for (Index n = 0; n < n_rows; ++n) {
    const Scalar* row = scores.data() + n * n_classes;
    Index best = 0;
    for (Index c = 1; c < n_classes; ++c) {
      if (row[c] > row[best]) best = c;
    }
    out[static_cast<std::size_t>(n)] = static_cast<std::int32_t>(best);
  }
}

template <class Scalar>
Targets predicted_classes(const Tensor<Scalar>& scores) {
  Targets out;
  predicted_classes(scores, out);
  return out;
}

// How many predictions equal the truth.
inline Index count_correct(const Targets& predicted, const Targets& truth) {
  if (predicted.size() != truth.size()) {
    throw ShapeError("fnn::metrics: " + std::to_string(predicted.size()) + " predictions for " +
                     std::to_string(truth.size()) + " true labels");
  }
  Index correct = 0;
  for (std::size_t i = 0; i < truth.size(); ++i) correct += predicted[i] == truth[i] ? 1 : 0;
  return correct;
}

// How many rows of `scores` [N, C] have their arg-max at the target.
template <class Scalar>
Index count_correct(const Tensor<Scalar>& scores, const Targets& truth) {
  check_targets("fnn::metrics::count_correct", scores, truth);
  return count_correct(predicted_classes(scores), truth);
}

// The fraction of correct predictions; an empty set has no accuracy and throws.
inline double accuracy(const Targets& predicted, const Targets& truth) {
  const Index correct = count_correct(predicted, truth);
  if (truth.empty()) throw ValueError("fnn::metrics::accuracy: no samples");
  return static_cast<double>(correct) / static_cast<double>(truth.size());
}

template <class Scalar>
double accuracy(const Tensor<Scalar>& scores, const Targets& truth) {
  const Index correct = count_correct(scores, truth);
  if (truth.empty()) throw ValueError("fnn::metrics::accuracy: no samples");
  return static_cast<double>(correct) / static_cast<double>(truth.size());
}

}  // namespace fnn::metrics
