#pragma once
// Dropout(p), inverted as torch.nn.Dropout: in training each element is zeroed with probability p and
// the survivors are scaled by 1 / (1 - p), so evaluation needs no rescaling and is the identity.
//   y = x * mask,  mask[i] = 0 with probability p, else 1 / (1 - p)      Backward: dx = dy * mask
// Each step draws a new mask from the layer's generator (draw_dropout_mask below).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "fnn/core/parallel.hpp"
#include "fnn/core/random.hpp"
#include "fnn/layers/layer.hpp"

namespace fnn {

// Fills `mask`, already shaped, with an inverted-dropout mask: each element 0 with probability p, else
// 1 / (1 - p). Element i is dropped when 32 random bits, read as a fraction of 2^32, fall below p.
// It takes one number from `rng`; every block of mask_block elements draws from its own generator seeded
// with that number and the block's index, so blocks are drawn in parallel and the mask does not depend
// on the thread count. Dropout and Dropout2d (one value per channel) draw their masks here.
template <class Scalar>
void draw_dropout_mask(Rng& rng, double p, Tensor<Scalar>& mask) {
  constexpr Index mask_block = 4096;
  const Index n = mask.numel();
  const std::uint64_t step_seed = rng.next();
  const auto drop_below = static_cast<std::uint64_t>(std::llround(std::ldexp(p, 32)));
  const Scalar keep_scale = p < 1.0 ? static_cast<Scalar>(1.0 / (1.0 - p)) : Scalar(0);
  Scalar* values = mask.data();
  parallel_ranges(n, elementwise_work(n), mask_block, [&](Index first, Index last) {
    for (Index block = first; block < last; block += mask_block) {
      Rng block_rng(step_seed + static_cast<std::uint64_t>(block / mask_block));
      const Index end = std::min(block + mask_block, last);
      for (Index i = block; i < end; i += 2) {
        const std::uint64_t bits = block_rng.next();
        values[i] = (bits & 0xffffffffu) < drop_below ? Scalar(0) : keep_scale;
        if (i + 1 < end) values[i + 1] = (bits >> 32) < drop_below ? Scalar(0) : keep_scale;
      }
    }
  });
}

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
  bool samples_independent() const override { return !this->training() || p_ == 0.0; }
  std::unique_ptr<Layer<Scalar>> clone() const override { return std::make_unique<Dropout>(*this); }
  Shape output_shape(const Shape& input) const override {
    check_has_axes([this] { return name(); }, input);
    return input;
  }

  // With the mask frozen, forward reuses the last mask instead of drawing a new one (gradient checks
  // need the same function on every evaluation).
  void freeze_mask(bool frozen) { mask_frozen_ = frozen; }
  double p() const { return p_; }
  std::vector<GeneratorRef> generators() override { return {{"generator", &rng_}}; }

  const Tensor<Scalar>& forward(const Tensor<Scalar>& x) override {
    output_.resize(output_shape(x.shape()));
    if (!this->training() || p_ == 0.0) {
      output_ = x;
      mask_.resize(Shape());
      return output_;
    }
    if (!mask_frozen_ || mask_.shape() != x.shape()) {
      mask_.resize(x.shape());
      draw_dropout_mask(rng_, p_, mask_);
    }
    multiply_by_mask(x, output_);
    return output_;
  }

  const Tensor<Scalar>& backward(const Tensor<Scalar>& dy) override {
    this->check_backward(dy, output_);
    if (mask_.shape() == dy.shape()) {
      grad_input_.resize(dy.shape());
      multiply_by_mask(dy, grad_input_);
    } else {
      grad_input_ = dy;
    }
    return grad_input_;
  }

 private:
  void multiply_by_mask(const Tensor<Scalar>& in, Tensor<Scalar>& out) const {
    parallel_ranges(in.numel(), elementwise_work(in.numel()), 64, [&](Index first, Index last) {
      segment(out, first, last) = segment(in, first, last) * segment(mask_, first, last);
    });
  }

  double p_;
  Rng rng_;
  bool mask_frozen_ = false;
  Tensor<Scalar> mask_, output_, grad_input_;  // mask_ is empty when the layer passed x through
};

}  // namespace fnn
