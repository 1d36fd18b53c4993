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
    grad_.resize(logits.shape());
    grad_.array() = log_probs_.array().exp() / Scalar(logits.size(0));
    return mean_nll_into_grad(log_probs_, targets, grad_);
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
