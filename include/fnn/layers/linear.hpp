#pragma once
// Linear: y = x W^T + b, as torch.nn.Linear.
//   input  x [N, in]     weight W [out, in]     bias b [out]     output y [N, out]
// Forward keeps a copy of x for backward. Backward (dy = dLoss/dy):
//   dW += dy^T x        db += sum over the batch of dy        dx = dy W
// Each product is one call of core/gemm.hpp, which reads W^T and dy^T where they lie. The threads share
// the work by blocks of samples or of features (core/parallel.hpp).
#include <algorithm>
#include <string>

#include "fnn/core/gemm.hpp"
#include "fnn/core/parallel.hpp"
#include "fnn/core/random.hpp"
#include "fnn/init/init.hpp"
#include "fnn/layers/layer.hpp"

namespace fnn {

template <class Scalar>
class Linear final : public Layer<Scalar> {
 public:
  Linear(Index in_features, Index out_features, Rng& rng, bool bias = true)
      : in_(in_features), out_(out_features), has_bias_(bias), weight_({out_features, in_features}),
        bias_({bias ? out_features : 0}) {
    if (in_ < 1 || out_ < 1) throw ValueError(name() + ": the feature counts must be positive");
    init::fan_in_uniform(weight_.value, in_, rng);
    init::fan_in_uniform(bias_.value, in_, rng);
  }

  std::string name() const override {
    return "Linear(in_features=" + std::to_string(in_) + ", out_features=" + std::to_string(out_) +
           (has_bias_ ? "" : ", bias=False") + ")";
  }

  bool samples_independent() const override { return true; }
  std::unique_ptr<Layer<Scalar>> clone() const override { return std::make_unique<Linear>(*this); }
  Shape output_shape(const Shape& input) const override {
    if (input.rank() == 1) {
      throw ShapeError(name() + ": expected a rank-2 input [N, in_features], got " + input.str() +
                       "; one sample needs the batch axis: x.reshape({1, " + std::to_string(input[0]) + "})");
    }
    check_rank([this] { return name(); }, input, 2, "[N, in_features] (add a Flatten before it)");
    if (input[1] != in_) throw_shape_mismatch(name(), Shape{input[0], in_}, input);
    return {input[0], out_};
  }

  // Backward needs x for dW: forward copies it into input_, in training and in evaluation alike, so
  // that the caller may overwrite or free x before backward. Where the threads split the samples, each
  // copies its own rows beside its product.
  const Tensor<Scalar>& forward(const Tensor<Scalar>& x) override {
    output_.resize(output_shape(x.shape()));
    input_.resize(x.shape());
    const Index n = x.size(0);
    if (n == 0) return output_;  // an empty batch: nothing to compute, and no row to address
    const Scalar* w = weight_.value.data();
    auto y = output_.matrix();
    if (n >= out_) {  // each thread takes a block of samples: y[r0:r1, :] = x[r0:r1, :] W^T + b
      parallel_ranges(n, flops(n), 1, [&](Index r0, Index r1) {
        std::copy(x.data() + r0 * in_, x.data() + r1 * in_, input_.data() + r0 * in_);
        gemm_transposed_b(r1 - r0, out_, in_, x.data() + r0 * in_, in_, w, in_, &y(r0, 0), out_, false);
        if (has_bias_) y.middleRows(r0, r1 - r0).rowwise() += bias_.value.row_vector();
      });
    } else {  // or a block of output features: y[:, j0:j1] = x W[j0:j1, :]^T + b[j0:j1]
      copy_reshaped(x, x.shape(), input_);
      parallel_ranges(out_, flops(n), feature_block, [&](Index j0, Index j1) {
        gemm_transposed_b(n, j1 - j0, in_, x.data(), in_, w + j0 * in_, in_, &y(0, j0), out_, false);
        if (has_bias_) y.middleCols(j0, j1 - j0).rowwise() += bias_.value.row_vector().segment(j0, j1 - j0);
      });
    }
    return output_;
  }

  const Tensor<Scalar>& backward(const Tensor<Scalar>& dy) override {
    this->check_backward(dy, output_);
    const Index n = dy.size(0);
    grad_input_.resize(input_.shape());
    if (n == 0) return grad_input_;  // an empty batch adds nothing to the parameters' gradients
    // By blocks of output features for dW and db, by blocks of samples for dx: no two threads write the
    // same element, so nothing needs summing afterwards.
    parallel_ranges(out_, flops(n), feature_block, [&](Index j0, Index j1) {
      Scalar* dw = weight_.grad.data() + j0 * in_;
      gemm_transposed_a(j1 - j0, in_, n, dy.data() + j0, out_, input_.data(), in_, dw, in_, true);
      if (has_bias_) {
        bias_.grad.row_vector().segment(j0, j1 - j0) += dy.matrix().middleCols(j0, j1 - j0).colwise().sum();
      }
    });
    parallel_ranges(n, flops(n), 1, [&](Index r0, Index r1) {
      Scalar* dx = grad_input_.data() + r0 * in_;
      gemm(r1 - r0, in_, out_, dy.data() + r0 * out_, out_, weight_.value.data(), in_, dx, in_, false);
    });
    return grad_input_;
  }

  std::vector<ParameterRef<Scalar>> parameters() override {
    if (!has_bias_) return {{"weight", &weight_}};
    return {{"weight", &weight_}, {"bias", &bias_}};
  }

  Parameter<Scalar>& weight() { return weight_; }
  Parameter<Scalar>& bias() { return bias_; }

 private:
  // The threads' blocks of output features start at multiples of 16: a whole number of vector registers
  // of floats with AVX2 (8) and with AVX-512 (16), so that no kernel's column block is split between threads.
  static constexpr Index feature_block = 16;
  double flops(Index batch) const { return 2.0 * static_cast<double>(batch * in_ * out_); }

  Index in_, out_;
  bool has_bias_;
  Parameter<Scalar> weight_, bias_;
  Tensor<Scalar> input_;  // [N, in] a copy of the last forward's input, for dW
  Tensor<Scalar> output_, grad_input_;
};

}  // namespace fnn
