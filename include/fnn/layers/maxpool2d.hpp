#pragma once
// MaxPool2d(kernel, stride = kernel, padding = 0), as torch.nn.MaxPool2d without dilation or ceil_mode.
//   input x [N, C, H, W]  ->  y [N, C, Ho, Wo],  Ho = (H + 2 padding - k) / stride + 1,  likewise Wo
//   y[n, c, oh, ow] = max over the k x k window at (oh*stride - padding, ow*stride - padding), the
//                     padding counting as -infinity (so the window's part inside the input; padding is
//                     at most k / 2, so that part is never empty)
// Backward routes each dy to the position that held the maximum (the first one on a tie, as PyTorch):
//   dx[argmax[n, c, oh, ow]] += dy[n, c, oh, ow]
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "fnn/core/parallel.hpp"
#include "fnn/layers/layer.hpp"

namespace fnn {

template <class Scalar>
class MaxPool2d final : public Layer<Scalar> {
 public:
  // stride 0 means stride = kernel_size, as PyTorch's default.
  explicit MaxPool2d(Index kernel_size, Index stride = 0, Index padding = 0)
      : k_(kernel_size), stride_(stride > 0 ? stride : kernel_size), pad_(padding) {
    if (k_ < 1 || stride < 0) {
      throw ValueError("MaxPool2d: kernel size must be positive and stride non-negative, got " + std::to_string(k_) +
                       " and " + std::to_string(stride));
    }
    if (pad_ < 0 || 2 * pad_ > k_) {
      throw ValueError("MaxPool2d: padding must be between 0 and half the kernel size " + std::to_string(k_) +
                       ", got " + std::to_string(pad_));
    }
  }

  std::string name() const override {
    return "MaxPool2d(kernel_size=" + std::to_string(k_) + ", stride=" + std::to_string(stride_) +
           (pad_ > 0 ? ", padding=" + std::to_string(pad_) : "") + ")";
  }

  Index kernel_size() const { return k_; }
  Index stride() const { return stride_; }
  Index padding() const { return pad_; }

  bool samples_independent() const override { return true; }
  std::unique_ptr<Layer<Scalar>> clone() const override { return std::make_unique<MaxPool2d>(*this); }
  Shape output_shape(const Shape& in) const override {
    check_rank([this] { return name(); }, in, 4, "[N, C, H, W]");
    if (in[2] + 2 * pad_ < k_ || in[3] + 2 * pad_ < k_) {
      throw ShapeError(name() + ": input " + in.str() + " is smaller than the window");
    }
    return {in[0], in[1], (in[2] + 2 * pad_ - k_) / stride_ + 1, (in[3] + 2 * pad_ - k_) / stride_ + 1};
  }

  const Tensor<Scalar>& forward(const Tensor<Scalar>& x) override {
    const Shape out_shape = output_shape(x.shape());
    input_shape_ = x.shape();
    output_.resize(out_shape);
    argmax_.resize(static_cast<std::size_t>(out_shape.numel()));
    const Index planes = out_shape[0] * out_shape[1], h = x.size(2), w = x.size(3);
    const Index ho = out_shape[2], wo = out_shape[3];
    parallel_ranges(planes, elementwise_work(x.numel()), 1, [&](Index first, Index last) {
      for (Index p = first; p < last; ++p) {
        const Scalar* src = x.data() + p * h * w;
        Scalar* out = output_.data() + p * ho * wo;
        std::int32_t* arg = argmax_.data() + p * ho * wo;
        if (k_ == 2 && stride_ == 2 && pad_ == 0) {
          pool_plane<2, 2>(src, h, w, ho, wo, out, arg);
        } else {
          pool_plane<0, 0>(src, h, w, ho, wo, out, arg);
        }
      }
    });
    return output_;
  }

  const Tensor<Scalar>& backward(const Tensor<Scalar>& dy) override {
    this->check_backward(dy, output_);
    grad_input_.resize(input_shape_);
    const Index planes = dy.size(0) * dy.size(1), in_plane = input_shape_[2] * input_shape_[3];
    const Index out_plane = dy.size(2) * dy.size(3);
    parallel_ranges(planes, elementwise_work(grad_input_.numel()), 1, [&](Index first, Index last) {
      for (Index p = first; p < last; ++p) {
        Scalar* dst = grad_input_.data() + p * in_plane;
        std::fill(dst, dst + in_plane, Scalar(0));
        for (Index o = p * out_plane; o < (p + 1) * out_plane; ++o) dst[argmax_[static_cast<std::size_t>(o)]] += dy[o];
      }
    });
    return grad_input_;
  }

 private:
  // One plane's maxima and their offsets. Kernel and stride are compile-time constants for the seed models'
  // 2 x 2 windows without padding (0: the layer's own), which lets the compiler unroll the window and
  // overlap neighbouring outputs; which tap holds the maximum is data, so it is selected without a branch.
  // With padding, a window is clipped to the input: the padding, -infinity, never holds the maximum.
  template <Index Kernel, Index Stride>
  void pool_plane(const Scalar* src, Index h, Index w, Index ho, Index wo, Scalar* out, std::int32_t* arg) const {
    const Index k = Kernel > 0 ? Kernel : k_, stride = Stride > 0 ? Stride : stride_, pad = Kernel > 0 ? 0 : pad_;
    const bool clipped = Kernel == 0 && pad > 0;  // only then may a window reach outside the input
    for (Index oh = 0; oh < ho; ++oh) {
      const Index top = oh * stride - pad, first_row = clipped ? std::max(top, Index(0)) : top;
      const Index rows = clipped ? std::min(top + k, h) - first_row : k;
      for (Index ow = 0; ow < wo; ++ow) {
        const Index left = ow * stride - pad, first_col = clipped ? std::max(left, Index(0)) : left;
        const Index cols = clipped ? std::min(left + k, w) - first_col : k;
        Index best = first_row * w + first_col;
        Scalar best_value = src[best];
        for (Index i = 0; i < rows; ++i) {
          for (Index j = 0; j < cols; ++j) {
            const Index at = (first_row + i) * w + first_col + j;
            const bool larger = src[at] > best_value;
            best = larger ? at : best;
            best_value = larger ? src[at] : best_value;
          }
        }
        out[oh * wo + ow] = best_value;
        arg[oh * wo + ow] = static_cast<std::int32_t>(best);
      }
    }
  }

  Index k_, stride_, pad_;
  Shape input_shape_;
  std::vector<std::int32_t> argmax_;  // per output element: the window maximum's offset in its input plane
  Tensor<Scalar> output_, grad_input_;
};

}  // namespace fnn
