#pragma once
// Linear: y = x W^T + b, as torch.nn.Linear.
//   input  x [N, in]     weight W [out, in]     bias b [out]     output y [N, out]
// Backward (dy = dLoss/dy):
//   dW += dy^T x        db += sum over the batch of dy        dx = dy W
// The threads share the work by blocks of samples or of features (core/parallel.hpp).
#include <string>

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
    check_rank([this] { return name(); }, input, 2, "[N, in_features] (add a Flatten before it)");
    if (input[1] != in_) throw_shape_mismatch(name(), Shape{input[0], in_}, input);
    return {input[0], out_};
  }

  // Training keeps a copy of the input for backward; evaluation only refers to it, so a backward after
  // an evaluation-mode forward needs that input to still exist.
  const Tensor<Scalar>& forward(const Tensor<Scalar>& x) override {
    output_.resize(output_shape(x.shape()));
    input_saved_ = this->training();
    if (input_saved_) saved_input_ = x;  // into a buffer that keeps its allocation from step to step
    eval_input_ = input_saved_ ? nullptr : &x;
    const auto x_m = x.matrix();
    const auto w = weight_.value.matrix();
    auto y = output_.matrix();
    const Index n = x.size(0);
    if (n >= out_) {  // each thread takes a block of samples: y[r0:r1, :] = x[r0:r1, :] W^T + b
      parallel_ranges(n, flops(n), 1, [&](Index r0, Index r1) {
        auto y_block = y.middleRows(r0, r1 - r0);
        y_block.noalias() = x_m.middleRows(r0, r1 - r0) * w.transpose();
        if (has_bias_) y_block.rowwise() += bias_.value.row_vector();
      });
    } else {  // or a block of output features: y[:, j0:j1] = x W[j0:j1, :]^T + b[j0:j1]
      parallel_ranges(out_, flops(n), feature_block, [&](Index j0, Index j1) {
        auto y_block = y.middleCols(j0, j1 - j0);
        y_block.noalias() = x_m * w.middleRows(j0, j1 - j0).transpose();
        if (has_bias_) y_block.rowwise() += bias_.value.row_vector().segment(j0, j1 - j0);
      });
    }
    return output_;
  }

  const Tensor<Scalar>& backward(const Tensor<Scalar>& dy) override {
    this->check_backward(dy, output_);
    const auto dy_m = dy.matrix();
    const Tensor<Scalar>& input = input_saved_ ? saved_input_ : *eval_input_;
    const auto x_m = input.matrix();
    const auto w = weight_.value.matrix();
    auto dw = weight_.grad.matrix();
    grad_input_.resize(input.shape());
    auto dx = grad_input_.matrix();
    // By blocks of output features for dW and db, by blocks of samples for dx: no two threads write the
    // same element, so nothing needs summing afterwards.
    parallel_ranges(out_, flops(dy.size(0)), feature_block, [&](Index j0, Index j1) {
      const auto dy_block = dy_m.middleCols(j0, j1 - j0);
      dw.middleRows(j0, j1 - j0).noalias() += dy_block.transpose() * x_m;
      if (has_bias_) bias_.grad.row_vector().segment(j0, j1 - j0) += dy_block.colwise().sum();
    });
    parallel_ranges(dy.size(0), flops(dy.size(0)), 1, [&](Index r0, Index r1) {
      dx.middleRows(r0, r1 - r0).noalias() = dy_m.middleRows(r0, r1 - r0) * w;
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
  static constexpr Index feature_block = 16;  // one AVX-512 register of floats
  double flops(Index batch) const { return 2.0 * static_cast<double>(batch * in_ * out_); }

  Index in_, out_;
  bool has_bias_;
  Parameter<Scalar> weight_, bias_;
  bool input_saved_ = false;                   // training: backward reads saved_input_
  const Tensor<Scalar>* eval_input_ = nullptr;  // evaluation: the caller's input
  Tensor<Scalar> saved_input_, output_, grad_input_;
};

}  // namespace fnn
