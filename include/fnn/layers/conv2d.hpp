#pragma once
// Conv2d(in, out, kernel, stride = 1, padding = 0, bias = true), as torch.nn.Conv2d (square kernel, zero
// padding).
//   input x [N, C, H, W]   weight W [O, C, k, k]   bias b [O] (if bias)   output y [N, O, Ho, Wo]
//   Ho = (H + 2 padding - k) / stride + 1,  likewise Wo
//
// Each sample goes through one matrix product (im2col), the samples split between the threads:
//   xp_n [C, H + 2p, W + 2p]  the sample inside a zero border, so that no tap needs a bounds check
//   cols_n [C*k*k, Ho*Wo]:    cols_n[(c*k + i)*k + j, oh*Wo + ow] = xp_n[c, oh*s + i, ow*s + j]
//   y_n [O, Ho*Wo] = W [O, C*k*k] * cols_n + b
// Forward keeps the patches cols_n, or a copy of x from which backward makes them again.
// Backward, per sample (dy_n [O, Ho*Wo] is the n-th slice of dy):
//   dW^T += cols_n * dy_n^T   db += row sums of dy_n     dcols_n = W^T * dy_n
//   dxp_n = col2im(dcols_n)   dx_n = the interior of dxp_n
// core/gemm.hpp reads dy_n^T and W^T where they lie. The weight gradient is summed as dW^T [C*k*k, O], the
// product's longer side (C*k*k) as its rows: the kernel copies B^T's panels, here dy_n's small ones.
// Each thread adds its samples' dW^T and db into its own buffer; the buffers are summed in thread order,
// so the result is the same on every run with the same thread count.
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "fnn/core/gemm.hpp"
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
  Conv2d(Index in_channels, Index out_channels, Index kernel_size, Rng& rng, Index stride = 1, Index padding = 0,
         bool bias = true)
      : in_(in_channels), out_(out_channels), k_(kernel_size), stride_(stride), pad_(padding), has_bias_(bias),
        weight_({out_channels, in_channels, kernel_size, kernel_size}), bias_({bias ? out_channels : 0}) {
    if (in_ < 1 || out_ < 1 || k_ < 1 || stride_ < 1 || pad_ < 0) {
      throw ValueError(name() + ": channels, kernel size and stride must be positive, padding non-negative");
    }
    init::fan_in_uniform(weight_.value, in_ * k_ * k_, rng);
    init::fan_in_uniform(bias_.value, in_ * k_ * k_, rng);
  }

  std::string name() const override {
    return "Conv2d(" + std::to_string(in_) + ", " + std::to_string(out_) + ", kernel_size=" + std::to_string(k_) +
           ", stride=" + std::to_string(stride_) + ", padding=" + std::to_string(pad_) +
           (has_bias_ ? "" : ", bias=False") + ")";
  }

  bool samples_independent() const override { return true; }
  std::unique_ptr<Layer<Scalar>> clone() const override { return std::make_unique<Conv2d>(*this); }
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
    const Index n_batch = x.size(0), rows = patch_size(), plane = output_plane();
    // Forward keeps what backward needs: in training every sample's patches while they fit in the caches,
    // else a copy of the input, from which backward makes them again. Patches that do not fit are written
    // out to memory and read back, which costs more than making them twice. Evaluation, where a backward
    // is rare, keeps the copy of the input and one buffer of patches per thread.
    patches_kept_ = this->training() && n_batch * rows * plane <= kept_patches_limit;
    if (!patches_kept_) copy_reshaped(x, x.shape(), input_);
    set_geometry(x.shape());
    cols_.resize({patches_kept_ ? n_batch : num_threads(), rows, plane});
    parallel_ranges(n_batch, flops(n_batch), 1, [&](Index first, Index last) {
      for (Index n = first; n < last; ++n) {
        Scalar* y = output_.data() + n * out_ * plane;
        gemm(out_, plane, rows, weight_.value.data(), rows, make_patches(x, n), plane, y, plane, false);
        if (has_bias_) Map(y, out_, plane).colwise() += bias_.value.row_vector().transpose();
      }
    });
    return output_;
  }

  const Tensor<Scalar>& backward(const Tensor<Scalar>& dy) override {
    this->check_backward(dy, output_);
    const Index n_batch = dy.size(0), rows = patch_size(), plane = output_plane();
    const int threads = num_threads();
    grad_input_.resize({n_batch, in_, h_, w_});
    thread_dw_t_.resize({threads, rows, out_});
    thread_db_.resize({threads, out_});
    thread_dcols_.resize({threads, rows, plane});
    if (pad_ > 0) padded_grad_.resize({threads, in_, hp_, wp_});
    thread_dw_t_.zero();
    thread_db_.zero();
    parallel_ranges(n_batch, 2 * flops(n_batch), 1, [&](Index first, Index last) {
      const int t = thread_index();
      Scalar* dw_t = thread_dw_t_.data() + t * rows * out_;
      Map db(thread_db_.data() + t * out_, out_, 1);
      Scalar* dcols = thread_dcols_.data() + t * rows * plane;
      for (Index n = first; n < last; ++n) {
        const ConstMap dy_n(dy.data() + n * out_ * plane, out_, plane);
        const Scalar* col = patches_kept_ ? patches(n) : make_patches(input_, n);
        gemm_transposed_b(rows, out_, plane, col, plane, dy_n.data(), plane, dw_t, out_, true);
        if (has_bias_) db += dy_n.rowwise().sum();
        gemm_transposed_a(rows, plane, out_, weight_.value.data(), rows, dy_n.data(), plane, dcols, plane, false);
        col2im(dcols, n);
      }
    });
    auto dw = weight_.grad.matrix(out_, rows);
    for (int t = 0; t < threads; ++t) {
      dw += Map(thread_dw_t_.data() + t * rows * out_, rows, out_).transpose();
      if (has_bias_) bias_.grad.matrix(out_, 1) += Map(thread_db_.data() + t * out_, out_, 1);
    }
    return grad_input_;
  }

  std::vector<ParameterRef<Scalar>> parameters() override {
    if (!has_bias_) return {{"weight", &weight_}};
    return {{"weight", &weight_}, {"bias", &bias_}};
  }
  Parameter<Scalar>& weight() { return weight_; }
  Parameter<Scalar>& bias() { return bias_; }

 private:
  static constexpr Index kept_patches_limit = Index(1) << 21;  // elements: 8 MB of floats

  Index out_extent(Index in) const { return (in + 2 * pad_ - k_) / stride_ + 1; }
  Index patch_size() const { return in_ * k_ * k_; }
  Index output_plane() const { return output_.size(2) * output_.size(3); }
  double flops(Index n_batch) const {
    return 2.0 * static_cast<double>(n_batch * out_ * patch_size() * output_plane());
  }

  // Takes the input's height and width and sizes the per-thread padded images: their border is zeroed
  // whenever the shape changes and never written afterwards.
  void set_geometry(const Shape& input) {
    h_ = input[2], w_ = input[3], hp_ = h_ + 2 * pad_, wp_ = w_ + 2 * pad_;
    if (pad_ == 0) return;
    const Shape padded_shape{num_threads(), in_, hp_, wp_};
    if (padded_.shape() != padded_shape) padded_ = Tensor<Scalar>(padded_shape);
  }

  // Sample n's patch matrix: its own when they are kept for backward, else the calling thread's buffer.
  Scalar* patches(Index n) {
    return cols_.data() + (patches_kept_ ? n : thread_index()) * patch_size() * output_plane();
  }

  // Sample n of `input` (the forward's argument, or input_ in backward) -> its patch matrix
  // [C*k*k, Ho*Wo], through the thread's padded image.
  const Scalar* make_patches(const Tensor<Scalar>& input, Index n) {
    const Scalar* x = input.data() + n * in_ * h_ * w_;
    if (pad_ > 0) {
      Scalar* xp = padded_.data() + thread_index() * in_ * hp_ * wp_;
      for (Index c = 0; c < in_; ++c) {
        for (Index ih = 0; ih < h_; ++ih) {
          const Scalar* src = x + (c * h_ + ih) * w_;
          std::copy(src, src + w_, xp + (c * hp_ + ih + pad_) * wp_ + pad_);
        }
      }
      x = xp;
    }
    Scalar* col = patches(n);
    const Index ho = output_.size(2), wo = output_.size(3);
    for (Index r = 0; r < patch_size(); ++r) {
      const Index c = r / (k_ * k_), i = (r / k_) % k_, j = r % k_;
      const Scalar* src = x + (c * hp_ + i) * wp_ + j;
      Scalar* row = col + r * ho * wo;
      for (Index oh = 0; oh < ho; ++oh) {
        const Scalar* in = src + oh * stride_ * wp_;
        if (stride_ == 1) {
          copy_short_row(in, wo, row + oh * wo);  // the common case
        } else {
          for (Index ow = 0; ow < wo; ++ow) row[oh * wo + ow] = in[ow * stride_];
        }
      }
    }
    return col;
  }

  // Copies n elements in 32-byte pieces, the last one overlapping the one before it: these rows are short
  // (8-28 elements in the seed models), and std::copy would call memmove for each.
  static void copy_short_row(const Scalar* src, Index n, Scalar* dst) {
    constexpr Index piece = 32 / sizeof(Scalar);
    if (n < piece) {
      std::copy(src, src + n, dst);
      return;
    }
    for (Index i = 0; i + piece < n; i += piece) std::memcpy(dst + i, src + i, sizeof(Scalar) * piece);
    std::memcpy(dst + n - piece, src + n - piece, sizeof(Scalar) * piece);
  }

  // The adjoint of make_patches for sample n: scatters dcols [C*k*k, Ho*Wo] onto the padded image's
  // gradient, whose interior is dx_n. Without padding that image is dx_n itself.
  void col2im(const Scalar* dcol, Index n) {
    Scalar* dx = grad_input_.data() + n * in_ * h_ * w_;
    Scalar* dxp = pad_ > 0 ? padded_grad_.data() + thread_index() * in_ * hp_ * wp_ : dx;
    std::fill(dxp, dxp + in_ * hp_ * wp_, Scalar(0));
    const Index ho = output_.size(2), wo = output_.size(3);
    for (Index r = 0; r < patch_size(); ++r) {
      const Index c = r / (k_ * k_), i = (r / k_) % k_, j = r % k_;
      Scalar* dst = dxp + (c * hp_ + i) * wp_ + j;
      const Scalar* row = dcol + r * ho * wo;
      for (Index oh = 0; oh < ho; ++oh) {
        Scalar* out = dst + oh * stride_ * wp_;
        for (Index ow = 0; ow < wo; ++ow) out[ow * stride_] += row[oh * wo + ow];
      }
    }
    if (pad_ == 0) return;
    for (Index c = 0; c < in_; ++c) {
      for (Index ih = 0; ih < h_; ++ih) {
        const Scalar* src = dxp + (c * hp_ + ih + pad_) * wp_ + pad_;
        std::copy(src, src + w_, dx + (c * h_ + ih) * w_);
      }
    }
  }

  Index in_, out_, k_, stride_, pad_;
  bool has_bias_;
  Parameter<Scalar> weight_, bias_;
  Index h_ = 0, w_ = 0, hp_ = 0, wp_ = 0;  // the input's height and width, without and with padding
  bool patches_kept_ = false;
  Tensor<Scalar> padded_, padded_grad_;    // [threads, C, H + 2p, W + 2p] each thread's padded image
  Tensor<Scalar> cols_;                    // [N, C*k*k, Ho*Wo] each sample's patches, or [threads, ...]
  Tensor<Scalar> thread_dw_t_, thread_db_, thread_dcols_;  // per-thread backward buffers
  Tensor<Scalar> input_;                   // a copy of the input, unless the patches are kept
  Tensor<Scalar> output_, grad_input_;
};

}  // namespace fnn
