#pragma once
// BCELoss(reduction = mean), as torch.nn.BCELoss: binary cross-entropy of probabilities p in [0, 1]
// (after a Sigmoid) against targets t, usually 0 or 1:
//   l(p, t) = -(t log p + (1 - t) log(1 - p)),  each log clamped at -100 as torch does, so that p = 0 or
//             1 gives a large finite loss instead of infinity
//   l'(p, t) = (p - t) / max(p (1 - p), 1e-12)
// BCEWithLogitsLoss on the logits is the same loss computed more accurately; prefer it.
#include <sstream>

#include "fnn/losses/elementwise_loss.hpp"

namespace fnn {

template <class Scalar>
class BCELoss final : public ElementwiseLoss<Scalar, BCELoss<Scalar>> {
 public:
  explicit BCELoss(Reduction reduction = Reduction::mean) : ElementwiseLoss<Scalar, BCELoss>(reduction) {}

  static constexpr const char* loss_name = "BCELoss";
  // A probability outside [0, 1] (a NaN too) is an input that did not come through a Sigmoid.
  void check_values(const Tensor<Scalar>& input, const Tensor<Scalar>& /*target*/) const {
    for (Index i = 0; i < input.numel(); ++i) {
      if (!(input[i] >= 0 && input[i] <= 1)) {
        std::ostringstream message;
        message << loss_name << ": the input is a probability, in [0, 1]; element " << i << " is " << input[i];
        throw ValueError(message.str());
      }
    }
  }

  double terms(const Tensor<Scalar>& input, const Tensor<Scalar>& target, Tensor<Scalar>& grad) const {
    const auto p = input.array();
    const auto t = target.array();
    grad.array() = (p - t) / (p * (Scalar(1) - p)).max(Scalar(1e-12));
    const Scalar floor(-100);
    return -(t * p.log().max(floor) + (Scalar(1) - t) * (-p).log1p().max(floor)).template cast<double>().sum();
  }
};

}  // namespace fnn
