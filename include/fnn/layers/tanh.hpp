#pragma once
// Tanh: y = tanh(x), element-wise on any shape, as torch.nn.Tanh.
// Backward: dx = dy * (1 - y^2).
#include "fnn/layers/elementwise_activation.hpp"

namespace fnn {

template <class Scalar>
class Tanh final : public ElementwiseActivation<Scalar, Tanh<Scalar>> {
 public:
  std::string name() const override { return "Tanh()"; }

  static constexpr Saved saved = Saved::output;
  template <class X>
  auto function(const X& x) const {
    return x.tanh();
  }
  template <class Y, class DY>
  auto gradient(const Y& y, const DY& dy) const {
    return dy * (Scalar(1) - y.square());
  }
};

}  // namespace fnn
