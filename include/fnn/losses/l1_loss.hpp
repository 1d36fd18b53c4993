#pragma once
// L1Loss(reduction = mean), as torch.nn.L1Loss: the absolute error of every element.
//   l(x, t) = |x - t|        l'(x, t) = sign(x - t), 0 where x = t (as torch)
#include "fnn/losses/elementwise_loss.hpp"

namespace fnn {

template <class Scalar>
class L1Loss final : public ElementwiseLoss<Scalar, L1Loss<Scalar>> {
 public:
  explicit L1Loss(Reduction reduction = Reduction::mean) : ElementwiseLoss<Scalar, L1Loss>(reduction) {}

  static constexpr const char* loss_name = "L1Loss";
  double terms(const Tensor<Scalar>& input, const Tensor<Scalar>& target, Tensor<Scalar>& grad) const {
    const auto d = input.array() - target.array();
    grad.array() = d.sign();
    return d.abs().template cast<double>().sum();
  }
};

}  // namespace fnn
