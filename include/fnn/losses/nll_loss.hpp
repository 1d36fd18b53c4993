#pragma once
// NLLLoss on log-probabilities, mean reduction, as torch.nn.NLLLoss.
//   input logp [N, C], targets t [N]:   loss = -(1/N) sum_n logp[n, t_n]
//   dloss/dlogp[n, c] = -1/N where c = t_n, else 0
#include "fnn/losses/targets.hpp"

namespace fnn {

template <class Scalar>
class NLLLoss {
 public:
  Scalar forward(const Tensor<Scalar>& log_probs, const Targets& targets) {
    check_targets("NLLLoss", log_probs, targets);
    grad_.resize(log_probs.shape());
    grad_.zero();
    return static_cast<Scalar>(mean_nll_into_grad(log_probs, targets, grad_));
  }

  // dLoss/dInput for the last forward.
  const Tensor<Scalar>& backward() const {
    if (grad_.empty()) throw UsageError("NLLLoss: backward called before forward");
    return grad_;
  }

 private:
  Tensor<Scalar> grad_;
};

}  // namespace fnn
