#pragma once
// ELU(alpha = 1.0): y = x where x > 0, else alpha * (exp(x) - 1), element-wise on any shape, as
// torch.nn.ELU.
// Backward: dx = dy where x > 0, else dy * alpha * exp(x).
// expm1 keeps exp(x) - 1 accurate for x near 0, where exp(x) - 1 would cancel.
#include <sstream>

#include "fnn/layers/elementwise_activation.hpp"

namespace fnn {

template <class Scalar>
class ELU final : public ElementwiseActivation<Scalar, ELU<Scalar>> {
 public:
  explicit ELU(double alpha = 1.0) : alpha_(static_cast<Scalar>(alpha)) {}

  std::string name() const override {
    std::ostringstream s;
    s << "ELU(alpha=" << alpha_ << ")";
    return s.str();
  }
  double alpha() const { return alpha_; }

  static constexpr Saved saved = Saved::input;
  template <class X>
  auto function(const X& x) const {
    return (x > Scalar(0)).select(x, alpha_ * x.expm1());
  }
  template <class X, class DY>
  auto gradient(const X& x, const DY& dy) const {
    return (x > Scalar(0)).select(dy, dy * alpha_ * x.exp());
  }

 private:
  Scalar alpha_;
};

}  // namespace fnn
