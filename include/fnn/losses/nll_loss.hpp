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
    Tensor<Scalar>& grad = gradient_.start("NLLLoss", log_probs, targets);
    grad.zero();
    const double loss = mean_nll_into_grad(log_probs, targets, grad);
    gradient_.complete();
    return static_cast<Scalar>(loss);
  }

  // dLoss/dInput for the last forward.
  const Tensor<Scalar>& backward() const { return gradient_.get("NLLLoss"); }

 private:
  LossGradient<Scalar> gradient_;
};

}  // namespace fnn
