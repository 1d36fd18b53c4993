#pragma once
// SmoothL1Loss(reduction = mean, beta = 1), as torch.nn.SmoothL1Loss: quadratic near the target, linear
// beyond beta, so that outliers pull with a bounded force. With d = x - t:
//   l = d^2 / (2 beta)  where |d| < beta,  else |d| - beta / 2
//   l' = d / beta       where |d| < beta,  else sign(d)
// beta = 0 is L1Loss (the quadratic part is empty).
#include <string>

#include "fnn/losses/elementwise_loss.hpp"

namespace fnn {

template <class Scalar>
class SmoothL1Loss final : public ElementwiseLoss<Scalar, SmoothL1Loss<Scalar>> {
 public:
  explicit SmoothL1Loss(Reduction reduction = Reduction::mean, double beta = 1.0)
      : ElementwiseLoss<Scalar, SmoothL1Loss>(reduction), beta_(static_cast<Scalar>(beta)) {
    if (!(beta >= 0.0)) throw ValueError("SmoothL1Loss: beta must be at least 0, got " + std::to_string(beta));
  }
  double beta() const { return beta_; }

  static constexpr const char* loss_name = "SmoothL1Loss";
  double terms(const Tensor<Scalar>& input, const Tensor<Scalar>& target, Tensor<Scalar>& grad) const {
    const auto d = input.array() - target.array();
    const auto quadratic = d.abs() < beta_;
    grad.array() = quadratic.select(d / beta_, d.sign());
    return quadratic.select(Scalar(0.5) * d.square() / beta_, d.abs() - Scalar(0.5) * beta_)
        .template cast<double>()
        .sum();
  }

 private:
  Scalar beta_;
};

}  // namespace fnn
