#pragma once
// AvgPool2d(kernel, stride = kernel, padding = 0, count_include_pad = true), as torch.nn.AvgPool2d
// (ceil_mode = False).
//   input x [N, C, H, W]  ->  y [N, C, Ho, Wo],  Ho = (H + 2 padding - k) / stride + 1,  likewise Wo
//   y[n, c, oh, ow] = sum of x over the window rows [oh*stride - p, oh*stride - p + k) and likewise
//                     columns, clipped to the input, / divisor
//   divisor = k*k when count_include_pad (the zero padding counts), else the clipped window's size
// Backward spreads each dy evenly over its window: dx[window] += dy[n, c, oh, ow] / divisor.
// detail::WindowAverages below also serves AdaptiveAvgPool2d, whose windows come from another formula.
#include <algorithm>
#include <string>
#include <vector>

#include "fnn/core/parallel.hpp"
#include "fnn/layers/layer.hpp"

namespace fnn {
namespace detail {

// One output row's (or column's) window on its axis: [begin, end).
struct Window {
  Index begin, end;
};

// The averages of x over windows, window rows[oh] x cols[ow] for output (oh, ow) of every plane.
//   y[p, oh, ow] = sum over rows[oh] x cols[ow] of x[p] / divisor   dx[p, window] += dy[p, oh, ow] / divisor
// divisor is `divisor` when positive, else the window's own size.
template <class Scalar>
struct WindowAverages {
  std::vector<Window> rows, cols;
  Index divisor = 0;

  // Divided, not multiplied by a reciprocal, as PyTorch: averages of whole numbers come out exact.
  Scalar count(Index oh, Index ow) const {
    return static_cast<Scalar>(divisor > 0 ? divisor
                                           : (rows[oh].end - rows[oh].begin) * (cols[ow].end - cols[ow].begin));
  }

  // x [N, C, H, W] -> y [N, C, rows, cols], split between the threads by planes.
  void forward(const Tensor<Scalar>& x, Tensor<Scalar>& y) const {
    const Index ho = static_cast<Index>(rows.size()), wo = static_cast<Index>(cols.size());
    const Index h = x.size(2), w = x.size(3);
    y.resize({x.size(0), x.size(1), ho, wo});
    parallel_ranges(x.size(0) * x.size(1), elementwise_work(x.numel()), 1, [&](Index first, Index last) {
      for (Index p = first; p < last; ++p) {
        const Scalar* in = x.data() + p * h * w;
        Scalar* out = y.data() + p * ho * wo;
        for (Index oh = 0; oh < ho; ++oh) {
          for (Index ow = 0; ow < wo; ++ow) {
            Scalar sum = 0;
            for (Index i = rows[oh].begin; i < rows[oh].end; ++i)
              for (Index j = cols[ow].begin; j < cols[ow].end; ++j) sum += in[i * w + j];
            out[oh * wo + ow] = sum / count(oh, ow);
          }
        }
      }
    });
  }

  // dy [N, C, rows, cols] -> dx of the input's shape.
  void backward(const Tensor<Scalar>& dy, const Shape& input, Tensor<Scalar>& dx) const {
    const Index ho = dy.size(2), wo = dy.size(3), h = input[2], w = input[3];
    dx.resize(input);
    parallel_ranges(input[0] * input[1], elementwise_work(dx.numel()), 1, [&](Index first, Index last) {
      for (Index p = first; p < last; ++p) {
        const Scalar* d = dy.data() + p * ho * wo;
        Scalar* out = dx.data() + p * h * w;
        std::fill(out, out + h * w, Scalar(0));
        for (Index oh = 0; oh < ho; ++oh) {
          for (Index ow = 0; ow < wo; ++ow) {
            const Scalar share = d[oh * wo + ow] / count(oh, ow);
            for (Index i = rows[oh].begin; i < rows[oh].end; ++i)
              for (Index j = cols[ow].begin; j < cols[ow].end; ++j) out[i * w + j] += share;
          }
        }
      }
    });
  }
};

}  // namespace detail

template <class Scalar>
class AvgPool2d final : public Layer<Scalar> {
 public:
  // stride 0 means stride = kernel_size, as PyTorch's default.
  explicit AvgPool2d(Index kernel_size, Index stride = 0, Index padding = 0, bool count_include_pad = true)
      : k_(kernel_size), stride_(stride > 0 ? stride : kernel_size), pad_(padding),
        count_include_pad_(count_include_pad) {
    if (k_ < 1 || stride < 0 || pad_ < 0 || 2 * pad_ > k_) {
      throw ValueError(name() + ": the kernel size must be positive, the stride non-negative and the padding "
                                "between 0 and half the kernel size");
    }
    windows_.divisor = count_include_pad_ ? k_ * k_ : 0;
  }

  std::string name() const override {
    return "AvgPool2d(kernel_size=" + std::to_string(k_) + ", stride=" + std::to_string(stride_) +
           ", padding=" + std::to_string(pad_) + (count_include_pad_ ? "" : ", count_include_pad=False") + ")";
  }

  Index kernel_size() const { return k_; }
  Index stride() const { return stride_; }
  Index padding() const { return pad_; }
  bool count_include_pad() const { return count_include_pad_; }

  bool samples_independent() const override { return true; }
  std::unique_ptr<Layer<Scalar>> clone() const override { return std::make_unique<AvgPool2d>(*this); }
  Shape output_shape(const Shape& in) const override {
    check_rank([this] { return name(); }, in, 4, "[N, C, H, W]");
    if (in[2] + 2 * pad_ < k_ || in[3] + 2 * pad_ < k_) {
      throw ShapeError(name() + ": input " + in.str() + " is smaller than the window after padding");
    }
    return {in[0], in[1], out_extent(in[2]), out_extent(in[3])};
  }

  const Tensor<Scalar>& forward(const Tensor<Scalar>& x) override {
    const Shape out = output_shape(x.shape());
    input_shape_ = x.shape();
    set_windows(windows_.rows, out[2], x.size(2));
    set_windows(windows_.cols, out[3], x.size(3));
    windows_.forward(x, output_);
    return output_;
  }

  const Tensor<Scalar>& backward(const Tensor<Scalar>& dy) override {
    this->check_backward(dy, output_);
    windows_.backward(dy, input_shape_, grad_input_);
    return grad_input_;
  }

 private:
  Index out_extent(Index in) const { return (in + 2 * pad_ - k_) / stride_ + 1; }

  // Output o's window on an axis of `extent` elements: [o*stride - p, o*stride - p + k), clipped.
  void set_windows(std::vector<detail::Window>& windows, Index outputs, Index extent) const {
    windows.resize(static_cast<std::size_t>(outputs));
    for (Index o = 0; o < outputs; ++o) {
      const Index begin = o * stride_ - pad_;
      windows[static_cast<std::size_t>(o)] = {std::max(begin, Index(0)), std::min(begin + k_, extent)};
    }
  }

  Index k_, stride_, pad_;
  bool count_include_pad_;
  detail::WindowAverages<Scalar> windows_;  // the last forward's windows
  Shape input_shape_;
  Tensor<Scalar> output_, grad_input_;
};

}  // namespace fnn
