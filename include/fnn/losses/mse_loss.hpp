#pragma once
// MSELoss(reduction = mean), as torch.nn.MSELoss: the squared error of every element.
//   l(x, t) = (x - t)^2        l'(x, t) = 2 (x - t)
#include "fnn/losses/elementwise_loss.hpp"

namespace fnn {

template <class Scalar>
class MSELoss final : public ElementwiseLoss<Scalar, MSELoss<Scalar>> {
 public:
  explicit MSELoss(Reduction reduction = Reduction::mean) : ElementwiseLoss<Scalar, MSELoss>(reduction) {}

  static constexpr const char* loss_name = "MSELoss";
  double terms(const Tensor<Scalar>& input, const Tensor<Scalar>& target, Tensor<Scalar>& grad) const {
    const auto d = input.array() - target.array();
    grad.array() = Scalar(2) * d;
    return d.square().template cast<double>().sum();
  }
};

}  // namespace fnn
