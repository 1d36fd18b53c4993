#pragma once
// SiLU (swish): y = x * sigmoid(x), element-wise on any shape, as torch.nn.SiLU.
// Backward: dx = dy * s * (1 + x * (1 - s)),  s = sigmoid(x).
#include <cmath>

#include "fnn/layers/elementwise_activation.hpp"

namespace fnn {

template <class Scalar>
class SiLU final : public ElementwiseActivation<Scalar, SiLU<Scalar>> {
 public:
  std::string name() const override { return "SiLU()"; }

  static constexpr Saved saved = Saved::input;
  template <class X>
  auto function(const X& x) const {
    return x / (Scalar(1) + (-x).exp());
  }
  // One sigmoid per element, used twice.
  template <class X, class DY>
  auto gradient(const X& x, const DY& dy) const {
    return dy * x.unaryExpr([](Scalar v) {
      const Scalar s = Scalar(1) / (Scalar(1) + std::exp(-v));
      return s * (Scalar(1) + v * (Scalar(1) - s));
    });
  }
};

}  // namespace fnn
