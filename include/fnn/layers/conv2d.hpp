#pragma once
// Conv2d(in, out, kernel, stride = 1, padding = 0), as torch.nn.Conv2d (square kernel, zero padding).
//   input x [N, C, H, W]   weight W [O, C, k, k]   bias b [O]   output y [N, O, Ho, Wo]
//   Ho = (H + 2 padding - k) / stride + 1,  likewise Wo
//
// The whole batch goes through one matrix product (im2col):
//   cols [C*k*k, N*Ho*Wo]:  cols[(c*k + i)*k + j, (n*Ho + oh)*Wo + ow] = x[n, c, oh*s - p + i, ow*s - p + j]
//   y_all [O, N*Ho*Wo] = W [O, C*k*k] * cols + b,  then y[n, o] = y_all[o, n-th block of Ho*Wo]
// Backward (dy_all is dy gathered into the y_all layout):
//   dW += dy_all * cols^T     db += row sums of dy_all     dcols = W^T * dy_all     dx = col2im(dcols)
#include <string>

#include "fnn/core/random.hpp"
#include "fnn/init/init.hpp"
#include "fnn/layers/layer.hpp"

namespace fnn {

template <class Scalar>
class Conv2d final : public Layer<Scalar> {
 public:
  Conv2d(Index in_channels, Index out_channels, Index kernel_size, Rng& rng, Index stride = 1, Index padding = 0)
      : in_(in_channels), out_(out_channels), k_(kernel_size), stride_(stride), pad_(padding),
        weight_({out_channels, in_channels, kernel_size, kernel_size}), bias_({out_channels}) {
    if (in_ < 1 || out_ < 1 || k_ < 1 || stride_ < 1 || pad_ < 0) {
      throw ValueError(name() + ": channels, kernel size and stride must be positive, padding non-negative");
    }
    init::fan_in_uniform(weight_.value, in_ * k_ * k_, rng);
    init::fan_in_uniform(bias_.value, in_ * k_ * k_, rng);
  }

  std::string name() const override {
    return "Conv2d(" + std::to_string(in_) + ", " + std::to_string(out_) + ", kernel_size=" + std::to_string(k_) +
           ", stride=" + std::to_string(stride_) + ", padding=" + std::to_string(pad_) + ")";
  }

  Shape output_shape(const Shape& in) const override {
    check_rank(name(), in, 4, "[N, C, H, W]");
    if (in[1] != in_) throw_shape_mismatch(name(), Shape{in[0], in_, in[2], in[3]}, in);
    const Index ho = out_extent(in[2]), wo = out_extent(in[3]);
    if (ho < 1 || wo < 1) {
      throw ShapeError(name() + ": input " + in.str() + " is smaller than the kernel after padding");
    }
    return {in[0], out_, ho, wo};
  }

  const Tensor<Scalar>& forward(const Tensor<Scalar>& x) override {
    const Shape out_shape = output_shape(x.shape());
    input_shape_ = x.shape();
    const Index n_batch = out_shape[0], plane = out_shape[2] * out_shape[3];
    im2col(x, out_shape);
    gemm_buffer_.resize({out_, n_batch * plane});
    auto y_all = gemm_buffer_.matrix();
    y_all.noalias() = weight_.value.matrix(out_, in_ * k_ * k_) * cols_.matrix();
    output_.resize(out_shape);
    const Scalar* b = bias_.value.data();
    Scalar* y = output_.data();
#pragma omp parallel for collapse(2) schedule(static)
    for (Index n = 0; n < n_batch; ++n) {
      for (Index o = 0; o < out_; ++o) {
        const Scalar* src = &y_all(o, n * plane);
        Scalar* dst = y + (n * out_ + o) * plane;
        for (Index i = 0; i < plane; ++i) dst[i] = src[i] + b[o];
      }
    }
    return output_;
  }

  const Tensor<Scalar>& backward(const Tensor<Scalar>& dy) override {
    this->check_backward(dy, output_);
    const Index n_batch = dy.size(0), plane = dy.size(2) * dy.size(3);
    auto dy_all = gemm_buffer_.matrix();  // reused: forward no longer needs it
    const Scalar* g = dy.data();
#pragma omp parallel for collapse(2) schedule(static)
    for (Index n = 0; n < n_batch; ++n) {
      for (Index o = 0; o < out_; ++o) {
        const Scalar* src = g + (n * out_ + o) * plane;
        Scalar* dst = &dy_all(o, n * plane);
        for (Index i = 0; i < plane; ++i) dst[i] = src[i];
      }
    }
    weight_.grad.matrix(out_, in_ * k_ * k_).noalias() += dy_all * cols_.matrix().transpose();
    bias_.grad.matrix(out_, 1) += dy_all.rowwise().sum();
    grad_cols_.resize(cols_.shape());
    grad_cols_.matrix().noalias() = weight_.value.matrix(out_, in_ * k_ * k_).transpose() * dy_all;
    col2im(dy.shape());
    return grad_input_;
  }

  std::vector<ParameterRef<Scalar>> parameters() override { return {{"weight", &weight_}, {"bias", &bias_}}; }
  Parameter<Scalar>& weight() { return weight_; }
  Parameter<Scalar>& bias() { return bias_; }

 private:
  Index out_extent(Index in) const { return (in + 2 * pad_ - k_) / stride_ + 1; }

  void im2col(const Tensor<Scalar>& x, const Shape& out_shape) {
    const Index n_batch = out_shape[0], ho = out_shape[2], wo = out_shape[3];
    const Index h = x.size(2), w = x.size(3), rows = in_ * k_ * k_;
    cols_.resize({rows, n_batch * ho * wo});
    auto cols = cols_.matrix();
    const Scalar* xd = x.data();
#pragma omp parallel for collapse(2) schedule(static)
    for (Index r = 0; r < rows; ++r) {
      for (Index n = 0; n < n_batch; ++n) {
        const Index c = r / (k_ * k_), i = (r / k_) % k_, j = r % k_;
        const Scalar* plane = xd + (n * in_ + c) * h * w;
        Scalar* dst = &cols(r, n * ho * wo);
        for (Index oh = 0; oh < ho; ++oh) {
          const Index ih = oh * stride_ - pad_ + i;
          for (Index ow = 0; ow < wo; ++ow) {
            const Index iw = ow * stride_ - pad_ + j;
            dst[oh * wo + ow] = (ih >= 0 && ih < h && iw >= 0 && iw < w) ? plane[ih * w + iw] : Scalar(0);
          }
        }
      }
    }
  }

  // Scatters dcols back onto the input positions they were gathered from.
  void col2im(const Shape& out_shape) {
    const Index n_batch = out_shape[0], ho = out_shape[2], wo = out_shape[3];
    const Index h = input_shape_[2], w = input_shape_[3];
    grad_input_.resize(input_shape_);
    grad_input_.zero();
    const auto dcols = grad_cols_.matrix();
    Scalar* dx = grad_input_.data();
#pragma omp parallel for collapse(2) schedule(static)
    for (Index n = 0; n < n_batch; ++n) {
      for (Index c = 0; c < in_; ++c) {
        Scalar* plane = dx + (n * in_ + c) * h * w;
        for (Index i = 0; i < k_; ++i) {
          for (Index j = 0; j < k_; ++j) {
            const Scalar* src = &dcols((c * k_ + i) * k_ + j, n * ho * wo);
            for (Index oh = 0; oh < ho; ++oh) {
              const Index ih = oh * stride_ - pad_ + i;
              if (ih < 0 || ih >= h) continue;
              for (Index ow = 0; ow < wo; ++ow) {
                const Index iw = ow * stride_ - pad_ + j;
                if (iw >= 0 && iw < w) plane[ih * w + iw] += src[oh * wo + ow];
              }
            }
          }
        }
      }
    }
  }

  Index in_, out_, k_, stride_, pad_;
  Parameter<Scalar> weight_, bias_;
  Shape input_shape_;
  Tensor<Scalar> cols_, grad_cols_, gemm_buffer_, output_, grad_input_;
};

}  // namespace fnn
