#pragma once
// Dropout2d(p = 0.5), inverted as torch.nn.Dropout2d: in training each channel of each sample is zeroed
// whole with probability p and the surviving channels are scaled by 1 / (1 - p); in evaluation it is
// the identity. Neighbouring pixels of a feature map are strongly correlated, so dropping single pixels
// (Dropout) hardly regularises a convolution; dropping whole maps does.
//   input x [N, C, H, W]     mask [N, C], mask[n, c] = 0 with probability p, else 1 / (1 - p)
//   y[n, c, h, w] = x[n, c, h, w] * mask[n, c]          Backward: dx[n, c, h, w] = dy[n, c, h, w] * mask[n, c]
// The mask is drawn from the layer's own generator as Dropout's is (draw_dropout_mask).
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "fnn/core/parallel.hpp"
#include "fnn/layers/dropout.hpp"
#include "fnn/layers/layer.hpp"

namespace fnn {

template <class Scalar>
class Dropout2d final : public Layer<Scalar> {
 public:
  // The layer draws its masks from its own generator, forked from `rng`.
  Dropout2d(double p, Rng& rng) : p_(p), rng_(rng.fork()) {
    if (!(p >= 0.0 && p <= 1.0)) throw ValueError("Dropout2d: p must be in [0, 1], got " + std::to_string(p));
  }
  explicit Dropout2d(Rng& rng) : Dropout2d(0.5, rng) {}

  std::string name() const override {
    std::ostringstream s;
    s << "Dropout2d(p=" << p_ << ")";
    return s.str();
  }
  bool samples_independent() const override { return !this->training() || p_ == 0.0; }
  std::unique_ptr<Layer<Scalar>> clone() const override { return std::make_unique<Dropout2d>(*this); }
  Shape output_shape(const Shape& input) const override {
    check_rank([this] { return name(); }, input, 4, "[N, C, H, W]");
    return input;
  }

  // With the mask frozen, forward reuses the last mask instead of drawing a new one (gradient checks
  // need the same function on every evaluation).
  void freeze_mask(bool frozen) { mask_frozen_ = frozen; }
  double p() const { return p_; }
  // The last mask, [N, C]; empty when the layer passed its input through (evaluation, p = 0).
  const Tensor<Scalar>& mask() const { return mask_; }
  std::vector<GeneratorRef> generators() override { return {{"generator", &rng_}}; }

  const Tensor<Scalar>& forward(const Tensor<Scalar>& x) override {
    output_.resize(output_shape(x.shape()));
    if (!this->training() || p_ == 0.0) {
      output_ = x;
      mask_.resize(Shape());
      return output_;
    }
    const Shape channels{x.size(0), x.size(1)};
    if (!mask_frozen_ || mask_.shape() != channels) {
      mask_.resize(channels);
      draw_dropout_mask(rng_, p_, mask_);
    }
    multiply_by_mask(x, output_);
    return output_;
  }

  const Tensor<Scalar>& backward(const Tensor<Scalar>& dy) override {
    this->check_backward(dy, output_);
    if (mask_.rank() == 0) {
      grad_input_ = dy;
    } else {
      grad_input_.resize(dy.shape());
      multiply_by_mask(dy, grad_input_);
    }
    return grad_input_;
  }

 private:
  // out[n, c] = in[n, c] * mask[n, c], one feature map after the other.
  void multiply_by_mask(const Tensor<Scalar>& in, Tensor<Scalar>& out) const {
    const Index maps = mask_.numel(), plane = in.numel() / std::max<Index>(maps, 1);
    parallel_ranges(maps, elementwise_work(in.numel()), 1, [&](Index first, Index last) {
      for (Index m = first; m < last; ++m) {
        segment(out, m * plane, (m + 1) * plane) = segment(in, m * plane, (m + 1) * plane) * mask_[m];
      }
    });
  }

  double p_;
  Rng rng_;
  bool mask_frozen_ = false;
  Tensor<Scalar> mask_, output_, grad_input_;  // mask_ is empty when the layer passed x through
};

}  // namespace fnn
