#pragma once
// CrossEntropyLoss on raw logits, mean reduction, as torch.nn.CrossEntropyLoss: log-softmax and NLL
// fused, which is exact for large logits and gives the simple gradient. With label smoothing e the
// target is (1 - e) on the true class plus e / C on every class:
//   loss = -(1/N) sum_n [ (1 - e) log_softmax(x)[n, t_n] + (e/C) sum_c log_softmax(x)[n, c] ]
//   dloss/dx[n, c] = (softmax(x)[n, c] - e/C - (1 - e) [c == t_n]) / N
#include <string>

#include "fnn/layers/log_softmax.hpp"
#include "fnn/losses/targets.hpp"

namespace fnn {

template <class Scalar>
class CrossEntropyLoss {
 public:
  explicit CrossEntropyLoss(double label_smoothing = 0.0) : smoothing_(label_smoothing) {
    if (!(label_smoothing >= 0.0 && label_smoothing <= 1.0)) {
      throw ValueError("CrossEntropyLoss: label_smoothing must be in [0, 1], got " + std::to_string(label_smoothing));
    }
  }

  Scalar forward(const Tensor<Scalar>& logits, const Targets& targets) {
    Tensor<Scalar>& grad = gradient_.start("CrossEntropyLoss", logits, targets);
    log_softmax_rows(logits, log_probs_);
    const auto n = static_cast<double>(logits.size(0)), c = static_cast<double>(logits.size(1));
    grad.array() = (log_probs_.array().exp() - static_cast<Scalar>(smoothing_ / c)) / static_cast<Scalar>(n);
    const double nll = mean_nll_into_grad(log_probs_, targets, grad, static_cast<Scalar>(1 - smoothing_));
    gradient_.complete();
    if (smoothing_ == 0) return static_cast<Scalar>(nll);
    const double uniform = -log_probs_.array().template cast<double>().sum() / (n * c);
    return static_cast<Scalar>((1 - smoothing_) * nll + smoothing_ * uniform);
  }

  const Tensor<Scalar>& backward() const { return gradient_.get("CrossEntropyLoss"); }

  // log_softmax of the last logits: the per-class log-probabilities, for metrics.
  const Tensor<Scalar>& log_probs() const { return log_probs_; }
  double label_smoothing() const { return smoothing_; }

 private:
  double smoothing_;
  Tensor<Scalar> log_probs_;
  LossGradient<Scalar> gradient_;
};

}  // namespace fnn
