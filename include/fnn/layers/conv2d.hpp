#pragma once
// Conv2d, as torch.nn.Conv2d (zero padding): kernel size, stride, padding and dilation per axis, and groups.
//   Conv2d(in, out, k, rng, stride = 1, padding = 0, bias = true)       a square kernel, one value for both axes
//   Conv2d(Conv2dOptions(in, out, {kh, kw}).stride({sh, sw}).padding({ph, pw}).dilation({dh, dw}).groups(g), rng)
//   input x [N, C, H, W]   weight W [O, C/g, kh, kw]   bias b [O] (if bias)   output y [N, O, Ho, Wo]
//   Ho = (H + 2 ph - dh (kh - 1) - 1) / sh + 1,  likewise Wo
// Groups split the channels: output channels [q O/g, (q+1) O/g) see input channels [q C/g, (q+1) C/g) only;
// groups = C is a depthwise convolution.
//
// Each sample goes through one matrix product per group (im2col), the samples split between the threads.
// With K = C/g kh kw the length of one output's patch and O' = O/g the outputs of a group:
//   xp_n [C, H + 2ph, W + 2pw]  the sample inside a zero border, so that no tap needs a bounds check
//   cols_n [C kh kw, Ho*Wo]:    cols_n[(c*kh + i)*kw + j, oh*Wo + ow] = xp_n[c, oh*sh + i*dh, ow*sw + j*dw]
//   group q's patches cols_n[q] [K, Ho*Wo] are rows [q K, (q+1) K) of cols_n, its weights W_q [O', K] rows
//   [q O', (q+1) O') of W seen as [O, K], its outputs y_n[q] [O', Ho*Wo] rows [q O', (q+1) O') of y_n:
//   y_n[q] = W_q * cols_n[q] + b_q
// Forward keeps the patches cols_n, or a copy of x from which backward makes them again.
// Backward, per sample and group (dy_n[q] [O', Ho*Wo] is group q's slice of dy's n-th sample):
//   dW_q^T += cols_n[q] * dy_n[q]^T   db += row sums of dy_n     dcols_n[q] = W_q^T * dy_n[q]
//   dxp_n = col2im(dcols_n)   dx_n = the interior of dxp_n
// core/gemm.hpp reads dy_n^T and W^T where they lie. The weight gradient is summed as dW^T [K, O], group q's
// in columns [q O', (q+1) O'), the product's longer side (K) as its rows: the kernel copies B^T's panels,
// here dy_n's small ones. Each thread adds its samples' dW^T and db into its own buffer; the buffers are
// summed in thread order, so the result is the same on every run with the same thread count.
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

// A value per spatial axis, (height, width), as PyTorch's int-or-pair arguments: Size2(3) and a plain 3
// are (3, 3), Size2(3, 5) and {3, 5} the pair.
struct Size2 {
  Size2(Index both) : h(both), w(both) {}  // implicit: an int stands for both axes, as in PyTorch
  Size2(Index height, Index width) : h(height), w(width) {}
  std::string str() const {
    return h == w ? std::to_string(h) : "(" + std::to_string(h) + ", " + std::to_string(w) + ")";
  }

  Index h, w;
};

// Conv2d's settings, each set by name, as torch.nn.Conv2d's arguments:
//   Conv2d<float> depthwise(Conv2dOptions(32, 32, 3).padding(1).groups(32), rng);
//   Conv2d<float> wide(Conv2dOptions(16, 8, {1, 7}).padding({0, 6}).dilation({1, 2}).bias(false), rng);
// stride(2) sets a value and returns the options, for the next setter; stride() reads it.
class Conv2dOptions {
 public:
  Conv2dOptions(Index in_channels, Index out_channels, Size2 kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}
  Conv2dOptions& stride(Size2 value) {
    stride_ = value;
    return *this;
  }
  Conv2dOptions& padding(Size2 value) {
    padding_ = value;
    return *this;
  }
  Conv2dOptions& dilation(Size2 value) {
    dilation_ = value;
    return *this;
  }
  Conv2dOptions& groups(Index value) {
    groups_ = value;
    return *this;
  }
  Conv2dOptions& bias(bool value) {
    bias_ = value;
    return *this;
  }

  Index in_channels() const { return in_channels_; }
  Index out_channels() const { return out_channels_; }
  Size2 kernel_size() const { return kernel_size_; }
  Size2 stride() const { return stride_; }
  Size2 padding() const { return padding_; }
  Size2 dilation() const { return dilation_; }
  Index groups() const { return groups_; }
  bool bias() const { return bias_; }

 private:
  Index in_channels_, out_channels_;
  Size2 kernel_size_, stride_ = 1, padding_ = 0, dilation_ = 1;
  Index groups_ = 1;
  bool bias_ = true;
};

template <class Scalar>
class Conv2d final : public Layer<Scalar> {
  using Matrix = typename Tensor<Scalar>::Matrix;
  using Map = Eigen::Map<Matrix>;
  using ConstMap = Eigen::Map<const Matrix>;

 public:
  Conv2d(Index in_channels, Index out_channels, Index kernel_size, Rng& rng, Index stride = 1, Index padding = 0,
         bool bias = true)
      : Conv2d(Conv2dOptions(in_channels, out_channels, kernel_size).stride(stride).padding(padding).bias(bias), rng) {}

  // PyTorch's initialisation: weight and bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = C/g kh kw.
  Conv2d(const Conv2dOptions& options, Rng& rng)
      : opt_(checked(options)),
        weight_({opt_.out_channels(), group_inputs(), opt_.kernel_size().h, opt_.kernel_size().w}),
        bias_({opt_.bias() ? opt_.out_channels() : 0}) {
    init::fan_in_uniform(weight_.value, group_rows(), rng);
    init::fan_in_uniform(bias_.value, group_rows(), rng);
  }

  std::string name() const override { return describe(opt_); }

  bool samples_independent() const override { return true; }
  std::unique_ptr<Layer<Scalar>> clone() const override { return std::make_unique<Conv2d>(*this); }
  Shape output_shape(const Shape& in) const override {
    check_rank([this] { return name(); }, in, 4, "[N, C, H, W]");
    if (in[1] != in_channels()) throw_shape_mismatch(name(), Shape{in[0], in_channels(), in[2], in[3]}, in);
    const Size2 span = kernel_span(), pad = opt_.padding();
    if (in[2] + 2 * pad.h < span.h || in[3] + 2 * pad.w < span.w) {
      throw ShapeError(name() + ": input " + in.str() + " is smaller than the kernel after padding: the kernel spans " +
                       std::to_string(span.h) + " x " + std::to_string(span.w) + " (dilation included), the padded " +
                       "input " + std::to_string(in[2] + 2 * pad.h) + " x " + std::to_string(in[3] + 2 * pad.w));
    }
    const Size2 stride = opt_.stride();
    return {in[0], out_channels(), (in[2] + 2 * pad.h - span.h) / stride.h + 1,
            (in[3] + 2 * pad.w - span.w) / stride.w + 1};
  }

  const Tensor<Scalar>& forward(const Tensor<Scalar>& x) override {
    output_.resize(output_shape(x.shape()));
    const Index n_batch = x.size(0), out = out_channels(), rows = group_rows(), outs = group_outputs(),
                plane = output_plane();
    // Forward keeps what backward needs: in training every sample's patches while they fit in the caches,
    // else a copy of the input, from which backward makes them again. Patches that do not fit are written
    // out to memory and read back, which costs more than making them twice. Evaluation, where a backward
    // is rare, keeps the copy of the input and one buffer of patches per thread.
    patches_kept_ = this->training() && n_batch * patch_rows() * plane <= kept_patches_limit;
    if (!patches_kept_) copy_reshaped(x, x.shape(), input_);
    set_geometry(x.shape());
    cols_.resize({patches_kept_ ? n_batch : num_threads(), patch_rows(), plane});
    parallel_ranges(n_batch, flops(n_batch), 1, [&](Index first, Index last) {
      for (Index n = first; n < last; ++n) {
        Scalar* y = output_.data() + n * out * plane;
        const Scalar* col = make_patches(x, n);
        for (Index q = 0; q < groups(); ++q) {  // y_n[q] = W_q * cols_n[q]
          gemm(outs, plane, rows, weight_.value.data() + q * outs * rows, rows, col + q * rows * plane, plane,
               y + q * outs * plane, plane, false);
        }
        if (has_bias()) Map(y, out, plane).colwise() += bias_.value.row_vector().transpose();
      }
    });
    return output_;
  }

  const Tensor<Scalar>& backward(const Tensor<Scalar>& dy) override {
    this->check_backward(dy, output_);
    const Index n_batch = dy.size(0), out = out_channels(), rows = group_rows(), outs = group_outputs(),
                plane = output_plane();
    const int threads = num_threads();
    grad_input_.resize({n_batch, in_channels(), h_, w_});
    thread_dw_t_.resize({threads, rows, out});
    thread_db_.resize({threads, out});
    thread_dcols_.resize({threads, patch_rows(), plane});
    if (padded()) padded_grad_.resize({threads, in_channels(), hp_, wp_});
    thread_dw_t_.zero();
    thread_db_.zero();
    parallel_ranges(n_batch, 2 * flops(n_batch), 1, [&](Index first, Index last) {
      const int t = thread_index();
      Scalar* dw_t = thread_dw_t_.data() + t * rows * out;
      Map db(thread_db_.data() + t * out, out, 1);
      Scalar* dcols = thread_dcols_.data() + t * patch_rows() * plane;
      for (Index n = first; n < last; ++n) {
        const ConstMap dy_n(dy.data() + n * out * plane, out, plane);
        const Scalar* col = patches_kept_ ? patches(n) : make_patches(input_, n);
        for (Index q = 0; q < groups(); ++q) {  // dW_q^T += cols_n[q] * dy_n[q]^T,  dcols_n[q] = W_q^T * dy_n[q]
          const Scalar* dy_q = dy_n.data() + q * outs * plane;
          gemm_transposed_b(rows, outs, plane, col + q * rows * plane, plane, dy_q, plane, dw_t + q * outs, out, true);
          gemm_transposed_a(rows, plane, outs, weight_.value.data() + q * outs * rows, rows, dy_q, plane,
                            dcols + q * rows * plane, plane, false);
        }
        if (has_bias()) db += dy_n.rowwise().sum();
        col2im(dcols, n);
      }
    });
    auto dw = weight_.grad.matrix(out, rows);
    for (int t = 0; t < threads; ++t) {
      dw += Map(thread_dw_t_.data() + t * rows * out, rows, out).transpose();
      if (has_bias()) bias_.grad.matrix(out, 1) += Map(thread_db_.data() + t * out, out, 1);
    }
    return grad_input_;
  }

  std::vector<ParameterRef<Scalar>> parameters() override {
    if (!has_bias()) return {{"weight", &weight_}};
    return {{"weight", &weight_}, {"bias", &bias_}};
  }
  Parameter<Scalar>& weight() { return weight_; }
  Parameter<Scalar>& bias() { return bias_; }
  const Conv2dOptions& options() const { return opt_; }

 private:
  static constexpr Index kept_patches_limit = Index(1) << 21;  // elements: 8 MB of floats

  // As torch.nn.Conv2d's repr, a size written once where both axes agree, stride and padding always:
  // "Conv2d(3, 8, kernel_size=(3, 5), stride=1, padding=(1, 2))"; then dilation and groups where they are
  // not 1, and bias=False.
  static std::string describe(const Conv2dOptions& o) {
    return "Conv2d(" + std::to_string(o.in_channels()) + ", " + std::to_string(o.out_channels()) +
           ", kernel_size=" + o.kernel_size().str() + ", stride=" + o.stride().str() +
           ", padding=" + o.padding().str() +
           (o.dilation().h == 1 && o.dilation().w == 1 ? "" : ", dilation=" + o.dilation().str()) +
           (o.groups() == 1 ? "" : ", groups=" + std::to_string(o.groups())) + (o.bias() ? "" : ", bias=False") + ")";
  }

  // The options, when they describe a convolution; else throws ValueError naming what is wrong.
  static const Conv2dOptions& checked(const Conv2dOptions& o) {
    const Size2 k = o.kernel_size(), s = o.stride(), p = o.padding(), d = o.dilation();
    if (o.in_channels() < 1 || o.out_channels() < 1 || o.groups() < 1 || std::min({k.h, k.w, s.h, s.w, d.h, d.w}) < 1 ||
        std::min(p.h, p.w) < 0) {
      throw ValueError(describe(o) +
                       ": channels, groups, kernel size, stride and dilation must be positive, padding "
                       "non-negative");
    }
    if (o.in_channels() % o.groups() != 0 || o.out_channels() % o.groups() != 0) {
      throw ValueError(describe(o) + ": in_channels " + std::to_string(o.in_channels()) + " and out_channels " +
                       std::to_string(o.out_channels()) + " must both be divisible by groups " +
                       std::to_string(o.groups()));
    }
    return o;
  }

  Index in_channels() const { return opt_.in_channels(); }
  Index out_channels() const { return opt_.out_channels(); }
  Index groups() const { return opt_.groups(); }
  bool has_bias() const { return opt_.bias(); }
  bool padded() const { return opt_.padding().h > 0 || opt_.padding().w > 0; }
  Index group_inputs() const { return in_channels() / groups(); }             // C/g
  Index group_outputs() const { return out_channels() / groups(); }           // O'
  Index group_rows() const { return group_inputs() * taps(); }                // K = C/g kh kw, also fan_in
  Index patch_rows() const { return in_channels() * taps(); }                 // C kh kw
  Index taps() const { return opt_.kernel_size().h * opt_.kernel_size().w; }  // kh kw
  // The rows and columns of the input that one output's kernel reaches across: d (k - 1) + 1.
  Size2 kernel_span() const {
    const Size2 k = opt_.kernel_size(), d = opt_.dilation();
    return {d.h * (k.h - 1) + 1, d.w * (k.w - 1) + 1};
  }
  Index output_plane() const { return output_.size(2) * output_.size(3); }
  double flops(Index n_batch) const {
    return 2.0 * static_cast<double>(n_batch * out_channels() * group_rows() * output_plane());
  }

  // Takes the input's height and width and sizes the per-thread padded images: their border is zeroed
  // whenever the shape changes and never written afterwards.
  void set_geometry(const Shape& input) {
    h_ = input[2], w_ = input[3], hp_ = h_ + 2 * opt_.padding().h, wp_ = w_ + 2 * opt_.padding().w;
    if (!padded()) return;
    const Shape padded_shape{num_threads(), in_channels(), hp_, wp_};
    if (padded_.shape() != padded_shape) padded_ = Tensor<Scalar>(padded_shape);
  }

  // Sample n's patch matrix: its own when they are kept for backward, else the calling thread's buffer.
  Scalar* patches(Index n) {
    return cols_.data() + (patches_kept_ ? n : thread_index()) * patch_rows() * output_plane();
  }

  // Sample n of `input` (the forward's argument, or input_ in backward) -> its patch matrix
  // [C kh kw, Ho*Wo], through the thread's padded image.
  const Scalar* make_patches(const Tensor<Scalar>& input, Index n) {
    const Scalar* x = input.data() + n * in_channels() * h_ * w_;
    if (padded()) {
      const Size2 p = opt_.padding();
      Scalar* xp = padded_.data() + thread_index() * in_channels() * hp_ * wp_;
      for (Index c = 0; c < in_channels(); ++c) {
        for (Index ih = 0; ih < h_; ++ih) {
          const Scalar* src = x + (c * h_ + ih) * w_;
          std::copy(src, src + w_, xp + (c * hp_ + ih + p.h) * wp_ + p.w);
        }
      }
      x = xp;
    }
    Scalar* col = patches(n);
    const Index ho = output_.size(2), wo = output_.size(3);
    const Size2 k = opt_.kernel_size(), s = opt_.stride(), d = opt_.dilation();
    for (Index r = 0; r < patch_rows(); ++r) {
      const Index c = r / taps(), i = (r / k.w) % k.h, j = r % k.w;
      const Scalar* src = x + (c * hp_ + i * d.h) * wp_ + j * d.w;
      Scalar* row = col + r * ho * wo;
      for (Index oh = 0; oh < ho; ++oh) {
        const Scalar* in = src + oh * s.h * wp_;
        if (s.w == 1) {
          copy_short_row(in, wo, row + oh * wo);  // the common case
        } else {
          for (Index ow = 0; ow < wo; ++ow) row[oh * wo + ow] = in[ow * s.w];
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

  // The adjoint of make_patches for sample n: scatters dcols [C kh kw, Ho*Wo] onto the padded image's
  // gradient, whose interior is dx_n. Without padding that image is dx_n itself.
  void col2im(const Scalar* dcol, Index n) {
    Scalar* dx = grad_input_.data() + n * in_channels() * h_ * w_;
    Scalar* dxp = padded() ? padded_grad_.data() + thread_index() * in_channels() * hp_ * wp_ : dx;
    std::fill(dxp, dxp + in_channels() * hp_ * wp_, Scalar(0));
    const Index ho = output_.size(2), wo = output_.size(3);
    const Size2 k = opt_.kernel_size(), s = opt_.stride(), d = opt_.dilation(), p = opt_.padding();
    for (Index r = 0; r < patch_rows(); ++r) {
      const Index c = r / taps(), i = (r / k.w) % k.h, j = r % k.w;
      Scalar* dst = dxp + (c * hp_ + i * d.h) * wp_ + j * d.w;
      const Scalar* row = dcol + r * ho * wo;
      for (Index oh = 0; oh < ho; ++oh) {
        Scalar* out = dst + oh * s.h * wp_;
        for (Index ow = 0; ow < wo; ++ow) out[ow * s.w] += row[oh * wo + ow];
      }
    }
    if (!padded()) return;
    for (Index c = 0; c < in_channels(); ++c) {
      for (Index ih = 0; ih < h_; ++ih) {
        const Scalar* src = dxp + (c * hp_ + ih + p.h) * wp_ + p.w;
        std::copy(src, src + w_, dx + (c * h_ + ih) * w_);
      }
    }
  }

  Conv2dOptions opt_;
  Parameter<Scalar> weight_, bias_;
  Index h_ = 0, w_ = 0, hp_ = 0, wp_ = 0;  // the input's height and width, without and with padding
  bool patches_kept_ = false;
  Tensor<Scalar> padded_, padded_grad_;  // [threads, C, H + 2ph, W + 2pw] each thread's padded image
  Tensor<Scalar> cols_;                  // [N, C kh kw, Ho*Wo] each sample's patches, or [threads, ...]
  Tensor<Scalar> thread_dw_t_, thread_db_, thread_dcols_;  // per-thread backward buffers
  Tensor<Scalar> input_;                                   // a copy of the input, unless the patches are kept
  Tensor<Scalar> output_, grad_input_;
};

}  // namespace fnn
