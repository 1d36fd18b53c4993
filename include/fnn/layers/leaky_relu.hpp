#pragma once
// LeakyReLU(negative_slope = 0.01): y = x where x > 0, else negative_slope * x, element-wise on any
// shape, as torch.nn.LeakyReLU.
// Backward: dx = dy where x > 0, else negative_slope * dy. The input is kept: with a negative slope the
// output's sign no longer tells which side of 0 x was.
#include <sstream>

#include "fnn/layers/elementwise_activation.hpp"

namespace fnn {

template <class Scalar>
class LeakyReLU final : public ElementwiseActivation<Scalar, LeakyReLU<Scalar>> {
 public:
  explicit LeakyReLU(double negative_slope = 0.01) : slope_(static_cast<Scalar>(negative_slope)) {}

  std::string name() const override {
    std::ostringstream s;
    s << "LeakyReLU(negative_slope=" << slope_ << ")";
    return s.str();
  }
  double negative_slope() const { return slope_; }

  static constexpr Saved saved = Saved::input;
  template <class X>
  auto function(const X& x) const {
    return (x > Scalar(0)).select(x, slope_ * x);
  }
  template <class X, class DY>
  auto gradient(const X& x, const DY& dy) const {
    return (x > Scalar(0)).select(dy, slope_ * dy);
  }

 private:
  Scalar slope_;
};

}  // namespace fnn
