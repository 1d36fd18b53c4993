#pragma once
// Linear: y = x W^T + b, as torch.nn.Linear.
//   input  x [N, in]     weight W [out, in]     bias b [out]     output y [N, out]
// Backward (dy = dLoss/dy):
//   dW += dy^T x        db += sum over the batch of dy        dx = dy W
#include <string>

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

  Shape output_shape(const Shape& input) const override {
    check_rank([this] { return name(); }, input, 2, "[N, in_features] (add a Flatten before it)");
    if (input[1] != in_) throw_shape_mismatch(name(), Shape{input[0], in_}, input);
    return {input[0], out_};
  }

  const Tensor<Scalar>& forward(const Tensor<Scalar>& x) override {
    output_.resize(output_shape(x.shape()));
    input_ = x;  // copy into a buffer that keeps its allocation from step to step
    auto y = output_.matrix();
    y.noalias() = input_.matrix() * weight_.value.matrix().transpose();
    if (has_bias_) y.rowwise() += bias_.value.row_vector();
    return output_;
  }

  const Tensor<Scalar>& backward(const Tensor<Scalar>& dy) override {
    this->check_backward(dy, output_);
    const auto dy_m = dy.matrix();
    weight_.grad.matrix().noalias() += dy_m.transpose() * input_.matrix();
    if (has_bias_) bias_.grad.row_vector() += dy_m.colwise().sum();
    grad_input_.resize(input_.shape());
    grad_input_.matrix().noalias() = dy_m * weight_.value.matrix();
    return grad_input_;
  }

  std::vector<ParameterRef<Scalar>> parameters() override {
    if (!has_bias_) return {{"weight", &weight_}};
    return {{"weight", &weight_}, {"bias", &bias_}};
  }

  Parameter<Scalar>& weight() { return weight_; }
  Parameter<Scalar>& bias() { return bias_; }

 private:
  Index in_, out_;
  bool has_bias_;
  Parameter<Scalar> weight_, bias_;
  Tensor<Scalar> input_, output_, grad_input_;
};

}  // namespace fnn
