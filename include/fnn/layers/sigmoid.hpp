#pragma once
// Sigmoid: y = 1 / (1 + exp(-x)), element-wise on any shape, as torch.nn.Sigmoid.
// Backward: dx = dy * y * (1 - y).
#include "fnn/layers/elementwise_activation.hpp"

namespace fnn {

template <class Scalar>
class Sigmoid final : public ElementwiseActivation<Scalar, Sigmoid<Scalar>> {
 public:
  std::string name() const override { return "Sigmoid()"; }

  static constexpr Saved saved = Saved::output;
  // exp(-x) overflows to infinity for very negative x, and 1 / (1 + inf) is the right limit, 0.
  template <class X>
  auto function(const X& x) const {
    return Scalar(1) / (Scalar(1) + (-x).exp());
  }
  template <class Y, class DY>
  auto gradient(const Y& y, const DY& dy) const {
    return dy * y * (Scalar(1) - y);
  }
};

}  // namespace fnn
