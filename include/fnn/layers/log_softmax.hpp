#pragma once
// LogSoftmax over the classes (dim = 1), as torch.nn.LogSoftmax(dim=1).
//   input x [N, C]  ->  y[n, c] = x[n, c] - m[n] - log(sum_k exp(x[n, k] - m[n])),  m[n] = max_k x[n, k]
// Subtracting the row maximum keeps exp() from overflowing for large logits.
// Backward: dx[n, c] = dy[n, c] - exp(y[n, c]) * sum_k dy[n, k]
#include <cmath>

#include "fnn/layers/layer.hpp"

namespace fnn {

// Writes log_softmax of each row of `x` into `y` (both [N, C]); shared with CrossEntropyLoss.
template <class Scalar>
void log_softmax_rows(const Tensor<Scalar>& x, Tensor<Scalar>& y) {
  y.resize(x.shape());
  auto xm = x.matrix();
  auto ym = y.matrix();
  for (Index n = 0; n < xm.rows(); ++n) {
    const Scalar max = xm.row(n).maxCoeff();
    const Scalar log_sum = std::log((xm.row(n).array() - max).exp().sum());
    ym.row(n).array() = xm.row(n).array() - max - log_sum;
  }
}

template <class Scalar>
class LogSoftmax final : public Layer<Scalar> {
 public:
  std::string name() const override { return "LogSoftmax(dim=1)"; }

  bool samples_independent() const override { return true; }
  std::unique_ptr<Layer<Scalar>> clone() const override { return std::make_unique<LogSoftmax>(*this); }
  Shape output_shape(const Shape& input) const override {
    check_rank([this] { return name(); }, input, 2, "[N, C]");
    if (input[1] < 1) throw ShapeError(name() + ": no classes in input " + input.str());
    return input;
  }

  const Tensor<Scalar>& forward(const Tensor<Scalar>& x) override {
    output_shape(x.shape());
    log_softmax_rows(x, output_);
    return output_;
  }

  const Tensor<Scalar>& backward(const Tensor<Scalar>& dy) override {
    this->check_backward(dy, output_);
    grad_input_.resize(dy.shape());
    const auto dy_m = dy.matrix();
    const auto y = output_.matrix();
    auto dx = grad_input_.matrix();
    for (Index n = 0; n < dy_m.rows(); ++n) {
      dx.row(n).array() = dy_m.row(n).array() - y.row(n).array().exp() * dy_m.row(n).sum();
    }
    return grad_input_;
  }

 private:
  Tensor<Scalar> output_, grad_input_;
};

}  // namespace fnn
