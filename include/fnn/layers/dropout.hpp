#pragma once
// Dropout(p), inverted as torch.nn.Dropout: in training each element is zeroed with probability p and
// the survivors are scaled by 1 / (1 - p), so evaluation needs no rescaling and is the identity.
//   y = x * mask,  mask[i] = 0 with probability p, else 1 / (1 - p)      Backward: dx = dy * mask
#include <sstream>
#include <string>
#include <vector>

#include "fnn/core/random.hpp"
#include "fnn/layers/layer.hpp"

namespace fnn {

template <class Scalar>
class Dropout final : public Layer<Scalar> {
 public:
  // The layer draws its masks from its own generator, forked from `rng`.
  explicit Dropout(double p, Rng& rng) : p_(p), rng_(rng.fork()) {
    if (!(p >= 0.0 && p <= 1.0)) throw ValueError("Dropout: p must be in [0, 1], got " + std::to_string(p));
  }

  std::string name() const override {
    std::ostringstream s;
    s << "Dropout(p=" << p_ << ")";
    return s.str();
  }
  Shape output_shape(const Shape& input) const override { return input; }

  // With the mask frozen, forward reuses the last mask instead of drawing a new one (gradient checks
  // need the same function on every evaluation).
  void freeze_mask(bool frozen) { mask_frozen_ = frozen; }
  double p() const { return p_; }
  std::vector<GeneratorRef> generators() override { return {{"generator", &rng_}}; }

  const Tensor<Scalar>& forward(const Tensor<Scalar>& x) override {
    output_.resize(x.shape());
    if (!this->training() || p_ == 0.0) {
      output_ = x;
      mask_.resize(Shape());
      return output_;
    }
    if (!mask_frozen_ || mask_.shape() != x.shape()) draw_mask(x.shape());
    output_.array() = x.array() * mask_.array();
    return output_;
  }

  const Tensor<Scalar>& backward(const Tensor<Scalar>& dy) override {
    this->check_backward(dy, output_);
    grad_input_ = dy;
    if (mask_.shape() == dy.shape()) grad_input_.array() *= mask_.array();
    return grad_input_;
  }

 private:
  void draw_mask(const Shape& shape) {
    mask_.resize(shape);
    const Scalar keep_scale = p_ < 1.0 ? static_cast<Scalar>(1.0 / (1.0 - p_)) : Scalar(0);
    for (Scalar& m : mask_) m = rng_.bernoulli(p_) ? Scalar(0) : keep_scale;
  }

  double p_;
  Rng rng_;
  bool mask_frozen_ = false;
  Tensor<Scalar> mask_, output_, grad_input_;  // mask_ is empty when the layer passed x through
};

}  // namespace fnn
