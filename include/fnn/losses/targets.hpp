#pragma once
// Class targets for the classification losses: one class index per sample.
#include <cstdint>
#include <string>
#include <vector>

#include "fnn/core/tensor.hpp"

namespace fnn {

using Targets = std::vector<std::int32_t>;

// Checks that `input` is [N, C] with one target per row, each in [0, C).
template <class Scalar>
void check_targets(const char* loss, const Tensor<Scalar>& input, const Targets& targets) {
  check_rank(loss, input.shape(), 2, "[N, C]");
  if (static_cast<Index>(targets.size()) != input.size(0)) {
    throw ShapeError(std::string(loss) + ": " + std::to_string(targets.size()) + " targets for an input of shape " +
                     input.shape().str());
  }
  for (std::size_t n = 0; n < targets.size(); ++n) {
    if (targets[n] < 0 || targets[n] >= input.size(1)) {
      throw ValueError(std::string(loss) + ": target " + std::to_string(targets[n]) + " of sample " +
                       std::to_string(n) + " is outside [0, " + std::to_string(input.size(1)) + ")");
    }
  }
}

// NLLLoss's loss and gradient: returns the mean NLL -(1/N) sum_n log_probs[n, t_n] and subtracts 1/N
// from the gradient at each target entry, to what `grad` holds already.
template <class Scalar>
double mean_nll_into_grad(const Tensor<Scalar>& log_probs, const Targets& targets, Tensor<Scalar>& grad) {
  const Index n_batch = log_probs.size(0);
  const Scalar g = Scalar(1) / Scalar(n_batch);
  double sum = 0;
  for (Index n = 0; n < n_batch; ++n) {
    const auto t = targets[static_cast<std::size_t>(n)];
    sum += log_probs(n, t);
    grad(n, t) -= g;
  }
  // Confident, correct predictions give log-probabilities of exactly 0, and negating their sum would
  // report a loss of -0.
  if (sum == 0) return 0;
  return -sum / static_cast<double>(n_batch);
}

// The gradient a loss's forward leaves for its backward. Backward needs a forward that completed: one
// that threw (an empty batch, a bad target) left no gradient for its batch, and the previous batch's
// must not be taken for it.
template <class Scalar>
class LossGradient {
 public:
  // Called first in forward: checks the input and the targets and returns the gradient, shaped as the
  // input, for forward to fill; backward refuses until complete(). Class targets, one per row of [N, C]:
  Tensor<Scalar>& start(const char* loss, const Tensor<Scalar>& input, const Targets& targets) {
    begin();
    check_targets(loss, input, targets);
    return sized_as(loss, input);
  }
  // A target of the input's shape (the element-wise losses):
  Tensor<Scalar>& start(const char* loss, const Tensor<Scalar>& input, const Tensor<Scalar>& target) {
    begin();
    check_has_axes(loss, input.shape());
    check_shape([loss] { return std::string(loss) + " (the target's shape must be the input's)"; }, input.shape(),
                target.shape());
    return sized_as(loss, input);
  }
  void complete() { complete_ = true; }

  const Tensor<Scalar>& get(const char* loss) const {
    if (!started_) throw UsageError(std::string(loss) + ": backward called before forward");
    if (!complete_) {
      throw UsageError(std::string(loss) + ": backward called after a forward that failed; that batch has no gradient");
    }
    return grad_;
  }

 private:
  void begin() {
    started_ = true;
    complete_ = false;
  }
  Tensor<Scalar>& sized_as(const char* loss, const Tensor<Scalar>& input) {
    if (input.numel() == 0) {
      throw UsageError(std::string(loss) + ": the batch is empty (input " + input.shape().str() +
                       "): a mean loss needs at least one sample");
    }
    grad_.resize(input.shape());
    return grad_;
  }

  Tensor<Scalar> grad_;
  bool started_ = false, complete_ = false;
};

}  // namespace fnn
