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
    const Index n_batch = log_probs.size(0);
    double sum = 0;
    for (Index n = 0; n < n_batch; ++n) sum += log_probs(n, targets[static_cast<std::size_t>(n)]);
    grad_.resize(log_probs.shape());
    grad_.zero();
    const Scalar g = Scalar(-1) / Scalar(n_batch);
    for (Index n = 0; n < n_batch; ++n) grad_(n, targets[static_cast<std::size_t>(n)]) = g;
    return static_cast<Scalar>(-sum / static_cast<double>(n_batch));
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
