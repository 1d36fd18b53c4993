#pragma once
// GELU(approximate = "none" | "tanh"), element-wise on any shape, as torch.nn.GELU.
//   "none":  y = x * Phi(x),  Phi(x) = (1 + erf(x / sqrt 2)) / 2, the standard normal's distribution
//            dx = dy * (Phi(x) + x * phi(x)),  phi(x) = exp(-x^2 / 2) / sqrt(2 pi), its density
//   "tanh":  y = x * (1 + t) / 2,  t = tanh(u),  u = sqrt(2 / pi) * (x + 0.044715 x^3)
//            dx = dy * ((1 + t) / 2 + x * (1 - t^2) / 2 * sqrt(2 / pi) * (1 + 3 * 0.044715 x^2))
#include <cmath>
#include <string>

#include "fnn/layers/elementwise_activation.hpp"

namespace fnn {

template <class Scalar>
class GELU final : public ElementwiseActivation<Scalar, GELU<Scalar>> {
 public:
  explicit GELU(const std::string& approximate = "none") : approximate_(approximate) {
    if (approximate != "none" && approximate != "tanh") {
      throw ValueError("GELU: approximate must be 'none' or 'tanh', got '" + approximate + "'");
    }
    tanh_form_ = approximate == "tanh";
  }

  std::string name() const override { return "GELU(approximate='" + approximate_ + "')"; }
  const std::string& approximate() const { return approximate_; }

  static constexpr Saved saved = Saved::input;
  template <class X>
  auto function(const X& x) const {
    const bool tanh_form = tanh_form_;
    return x.unaryExpr([tanh_form](Scalar v) { return tanh_form ? v * (1 + tanh_of_u(v)) / 2 : v * Phi(v); });
  }
  template <class X, class DY>
  auto gradient(const X& x, const DY& dy) const {
    const bool tanh_form = tanh_form_;
    return dy * x.unaryExpr([tanh_form](Scalar v) {
      if (!tanh_form) return Phi(v) + v * phi(v);
      const Scalar t = tanh_of_u(v);
      return (1 + t) / 2 + v * (1 - t * t) / 2 * sqrt_2_over_pi * (1 + 3 * cubic * v * v);
    });
  }

 private:
  static constexpr Scalar sqrt_2_over_pi = Scalar(0.79788456080286535588);  // sqrt(2 / pi)
  static constexpr Scalar inv_sqrt_2 = Scalar(0.70710678118654752440);
  static constexpr Scalar inv_sqrt_2pi = Scalar(0.39894228040143267794);
  static constexpr Scalar cubic = Scalar(0.044715);

  static Scalar Phi(Scalar v) { return (1 + std::erf(v * inv_sqrt_2)) / 2; }
  static Scalar phi(Scalar v) { return inv_sqrt_2pi * std::exp(-v * v / 2); }
  static Scalar tanh_of_u(Scalar v) { return std::tanh(sqrt_2_over_pi * (v + cubic * v * v * v)); }

  std::string approximate_;
  bool tanh_form_;
};

}  // namespace fnn
