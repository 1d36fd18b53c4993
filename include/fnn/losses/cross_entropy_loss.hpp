#pragma once
// CrossEntropyLoss on raw logits, mean reduction, as torch.nn.CrossEntropyLoss: log-softmax and NLL
// fused, which is exact for large logits and gives the simple gradient
//   loss = -(1/N) sum_n log_softmax(x)[n, t_n]        dloss/dx[n, c] = (softmax(x)[n, c] - [c == t_n]) / N
#include "fnn/layers/log_softmax.hpp"
#include "fnn/losses/targets.hpp"

namespace fnn {

template <class Scalar>
class CrossEntropyLoss {
 public:
  Scalar forward(const Tensor<Scalar>& logits, const Targets& targets) {
    check_targets("CrossEntropyLoss", logits, targets);
    log_softmax_rows(logits, log_probs_);
    const Index n_batch = logits.size(0);
    double sum = 0;
    for (Index n = 0; n < n_batch; ++n) sum += log_probs_(n, targets[static_cast<std::size_t>(n)]);
    grad_.resize(logits.shape());
    grad_.array() = log_probs_.array().exp() / Scalar(n_batch);
    for (Index n = 0; n < n_batch; ++n) grad_(n, targets[static_cast<std::size_t>(n)]) -= Scalar(1) / Scalar(n_batch);
    return static_cast<Scalar>(-sum / static_cast<double>(n_batch));
  }

  const Tensor<Scalar>& backward() const {
    if (grad_.empty()) throw UsageError("CrossEntropyLoss: backward called before forward");
    return grad_;
  }

  // log_softmax of the last logits: the per-class log-probabilities, for metrics.
  const Tensor<Scalar>& log_probs() const { return log_probs_; }

 private:
  Tensor<Scalar> log_probs_, grad_;
};

}  // namespace fnn
