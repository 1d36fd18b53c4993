#pragma once
// Conv2d(in, out, kernel, stride = 1, padding = 0), as torch.nn.Conv2d (square kernel, zero padding).
//   input x [N, C, H, W]   weight W [O, C, k, k]   bias b [O]   output y [N, O, Ho, Wo]
//   Ho = (H + 2 padding - k) / stride + 1,  likewise Wo
//
// Each sample goes through one matrix product (im2col), the samples spread over the threads:
//   cols_n [C*k*k, Ho*Wo]:  cols_n[(c*k + i)*k + j, oh*Wo + ow] = x[n, c, oh*s - p + i, ow*s - p + j]
//   y_n [O, Ho*Wo] = W [O, C*k*k] * cols_n + b
// Backward, per sample (dy_n [O, Ho*Wo] is the n-th slice of dy):
//   dW += dy_n * cols_n^T     db += row sums of dy_n     dcols_n = W^T * dy_n     dx_n = col2im(dcols_n)
// Each thread adds its samples' dW and db into its own buffer; the buffers are summed in thread order,
// so the result is the same on every run with the same thread count.
#include <algorithm>
#include <string>
#include <vector>

#include "fnn/core/parallel.hpp"
#include "fnn/core/random.hpp"
#include "fnn/init/init.hpp"
#include "fnn/layers/layer.hpp"

namespace fnn {

template <class Scalar>
class Conv2d final : public Layer<Scalar> {
  using Matrix = typename Tensor<Scalar>::Matrix;
  using Map = Eigen::Map<Matrix>;
  using ConstMap = Eigen::Map<const Matrix>;

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
    check_rank([this] { return name(); }, in, 4, "[N, C, H, W]");
    if (in[1] != in_) throw_shape_mismatch(name(), Shape{in[0], in_, in[2], in[3]}, in);
    const Index ho = out_extent(in[2]), wo = out_extent(in[3]);
    if (ho < 1 || wo < 1) {
      throw ShapeError(name() + ": input " + in.str() + " is smaller than the kernel after padding");
    }
    return {in[0], out_, ho, wo};
  }

  const Tensor<Scalar>& forward(const Tensor<Scalar>& x) override {
    output_.resize(output_shape(x.shape()));
    input_shape_ = x.shape();
    const Index n_batch = x.size(0), rows = patch_size(), plane = output_.size(2) * output_.size(3);
    cols_.resize({n_batch, rows, plane});
    const ConstMap w(weight_.value.data(), out_, rows);
    const auto b = bias_.value.matrix(out_, 1);
#pragma omp parallel for schedule(static) if (n_batch > 1)
    for (Index n = 0; n < n_batch; ++n) {
      Scalar* col = cols_.data() + n * rows * plane;
      im2col(x.data() + n * in_ * x.size(2) * x.size(3), col);
      Map y(output_.data() + n * out_ * plane, out_, plane);
      y.noalias() = w * ConstMap(col, rows, plane);
      y.colwise() += b.col(0);
    }
    return output_;
  }

  const Tensor<Scalar>& backward(const Tensor<Scalar>& dy) override {
    this->check_backward(dy, output_);
    const Index n_batch = dy.size(0), rows = patch_size(), plane = dy.size(2) * dy.size(3);
    const Index in_plane = input_shape_[2] * input_shape_[3];
    const int threads = num_threads();
    grad_input_.resize(input_shape_);
    thread_dw_.resize({threads, out_, rows});
    thread_db_.resize({threads, out_});
    thread_dcols_.resize({threads, rows, plane});
    thread_dw_.zero();
    thread_db_.zero();
    const ConstMap w(weight_.value.data(), out_, rows);
#pragma omp parallel for schedule(static) if (n_batch > 1)
    for (Index n = 0; n < n_batch; ++n) {
      const int t = thread_index();
      const ConstMap dy_n(dy.data() + n * out_ * plane, out_, plane);
      const ConstMap col(cols_.data() + n * rows * plane, rows, plane);
      Map(thread_dw_.data() + t * out_ * rows, out_, rows).noalias() += dy_n * col.transpose();
      Map(thread_db_.data() + t * out_, out_, 1) += dy_n.rowwise().sum();
      Map dcols(thread_dcols_.data() + t * rows * plane, rows, plane);
      dcols.noalias() = w.transpose() * dy_n;
      col2im(dcols.data(), grad_input_.data() + n * in_ * in_plane);
    }
    auto dw = weight_.grad.matrix(out_, rows);
    auto db = bias_.grad.matrix(out_, 1);
    for (int t = 0; t < threads; ++t) {
      dw += Map(thread_dw_.data() + t * out_ * rows, out_, rows);
      db += Map(thread_db_.data() + t * out_, out_, 1);
    }
    return grad_input_;
  }

  std::vector<ParameterRef<Scalar>> parameters() override { return {{"weight", &weight_}, {"bias", &bias_}}; }
  Parameter<Scalar>& weight() { return weight_; }
  Parameter<Scalar>& bias() { return bias_; }

 private:
  Index out_extent(Index in) const { return (in + 2 * pad_ - k_) / stride_ + 1; }
  Index patch_size() const { return in_ * k_ * k_; }

  // The output columns [lo, hi) whose input column ow*stride - pad + j lies inside [0, w): outside them
  // a patch row reads zero padding.
  void valid_columns(Index j, Index w, Index wo, Index& lo, Index& hi) const {
    lo = pad_ - j > 0 ? (pad_ - j + stride_ - 1) / stride_ : 0;
    const Index last = w - 1 + pad_ - j;  // ow * stride <= last; negative: no column is inside
    hi = last < 0 ? 0 : std::min(wo, last / stride_ + 1);
    if (hi < lo) hi = lo;
  }

  // One sample [C, H, W] -> its patch matrix [C*k*k, Ho*Wo].
  void im2col(const Scalar* x, Scalar* col) const {
    const Index h = input_shape_[2], w = input_shape_[3], ho = output_.size(2), wo = output_.size(3);
    for (Index r = 0; r < patch_size(); ++r) {
      const Index c = r / (k_ * k_), i = (r / k_) % k_, j = r % k_;
      Index lo, hi;
      valid_columns(j, w, wo, lo, hi);
      const Scalar* src = x + c * h * w;
      for (Index oh = 0; oh < ho; ++oh) {
        Scalar* row = col + (r * ho + oh) * wo;
        const Index ih = oh * stride_ - pad_ + i;
        if (ih < 0 || ih >= h) {
          std::fill(row, row + wo, Scalar(0));
          continue;
        }
        std::fill(row, row + lo, Scalar(0));
        const Scalar* in = src + ih * w + lo * stride_ - pad_ + j;  // input of output column lo
        for (Index ow = lo; ow < hi; ++ow) row[ow] = in[(ow - lo) * stride_];
        std::fill(row + hi, row + wo, Scalar(0));
      }
    }
  }

  // The adjoint of im2col for one sample: scatters dcols [C*k*k, Ho*Wo] back onto dx [C, H, W].
  void col2im(const Scalar* dcol, Scalar* dx) const {
    const Index h = input_shape_[2], w = input_shape_[3], ho = output_.size(2), wo = output_.size(3);
    std::fill(dx, dx + in_ * h * w, Scalar(0));
    for (Index r = 0; r < patch_size(); ++r) {
      const Index c = r / (k_ * k_), i = (r / k_) % k_, j = r % k_;
      Index lo, hi;
      valid_columns(j, w, wo, lo, hi);
      Scalar* plane = dx + c * h * w;
      for (Index oh = 0; oh < ho; ++oh) {
        const Index ih = oh * stride_ - pad_ + i;
        if (ih < 0 || ih >= h) continue;
        const Scalar* row = dcol + (r * ho + oh) * wo;
        Scalar* out = plane + ih * w + lo * stride_ - pad_ + j;
        for (Index ow = lo; ow < hi; ++ow) out[(ow - lo) * stride_] += row[ow];
      }
    }
  }

  Index in_, out_, k_, stride_, pad_;
  Parameter<Scalar> weight_, bias_;
  Shape input_shape_;
  Tensor<Scalar> cols_;                                   // [N, C*k*k, Ho*Wo] each sample's patches
  Tensor<Scalar> thread_dw_, thread_db_, thread_dcols_;  // per-thread backward buffers
  Tensor<Scalar> output_, grad_input_;
};

}  // namespace fnn
