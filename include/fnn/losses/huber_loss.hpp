#pragma once
// HuberLoss(reduction = mean, delta = 1), as torch.nn.HuberLoss: quadratic near the target, linear
// beyond delta. With d = x - t:
//   l = d^2 / 2   where |d| <= delta,  else delta (|d| - delta / 2)
//   l' = d        where |d| <= delta,  else delta sign(d)
// It is delta times SmoothL1Loss with beta = delta: the linear part's slope is delta, not 1.
#include <string>

#include "fnn/losses/elementwise_loss.hpp"

namespace fnn {

template <class Scalar>
class HuberLoss final : public ElementwiseLoss<Scalar, HuberLoss<Scalar>> {
 public:
  explicit HuberLoss(Reduction reduction = Reduction::mean, double delta = 1.0)
      : ElementwiseLoss<Scalar, HuberLoss>(reduction), delta_(static_cast<Scalar>(delta)) {
    if (!(delta > 0.0)) throw ValueError("HuberLoss: delta must be positive, got " + std::to_string(delta));
  }
  double delta() const { return delta_; }

  static constexpr const char* loss_name = "HuberLoss";
  double terms(const Tensor<Scalar>& input, const Tensor<Scalar>& target, Tensor<Scalar>& grad) const {
    const auto d = input.array() - target.array();
    const auto quadratic = d.abs() <= delta_;
    grad.array() = quadratic.select(d, delta_ * d.sign());
    return quadratic.select(Scalar(0.5) * d.square(), delta_ * (d.abs() - Scalar(0.5) * delta_))
        .template cast<double>()
        .sum();
  }

 private:
  Scalar delta_;
};

}  // namespace fnn
