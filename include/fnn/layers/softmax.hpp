#pragma once
// Softmax over the classes (dim = 1 of [N, C]), as torch.nn.Softmax(dim=1).
//   y[n, c] = exp(x[n, c] - m[n]) / sum_k exp(x[n, k] - m[n]),  m[n] = max_k x[n, k]
// Subtracting the row maximum keeps exp() from overflowing for large inputs; it cancels in the ratio.
// Backward: dx[n, c] = y[n, c] * (dy[n, c] - sum_k dy[n, k] * y[n, k])
#include <memory>
#include <string>

#include "fnn/core/parallel.hpp"
#include "fnn/layers/layer.hpp"

namespace fnn {

template <class Scalar>
class Softmax final : public Layer<Scalar> {
 public:
  // dim 1 (or -1, the same axis of [N, C]): the classes. Other axes are not supported.
  explicit Softmax(int dim = 1) {
    if (dim != 1 && dim != -1) {
      throw ValueError("Softmax: only dim=1 (the classes of [N, C]) is supported, got dim=" + std::to_string(dim));
    }
  }

  std::string name() const override { return "Softmax(dim=1)"; }
  bool samples_independent() const override { return true; }
  std::unique_ptr<Layer<Scalar>> clone() const override { return std::make_unique<Softmax>(*this); }
  Shape output_shape(const Shape& input) const override {
    check_rank([this] { return name(); }, input, 2, "[N, C]");
    if (input[1] < 1) throw ShapeError(name() + ": no classes in input " + input.str());
    return input;
  }

  const Tensor<Scalar>& forward(const Tensor<Scalar>& x) override {
    output_.resize(output_shape(x.shape()));
    const auto xm = x.matrix();
    auto y = output_.matrix();
    for_rows(x, [&](Index n) {
      y.row(n).array() = (xm.row(n).array() - xm.row(n).maxCoeff()).exp();
      y.row(n) /= y.row(n).sum();
    });
    return output_;
  }

  const Tensor<Scalar>& backward(const Tensor<Scalar>& dy) override {
    this->check_backward(dy, output_);
    grad_input_.resize(dy.shape());
    const auto dym = dy.matrix();
    const auto y = output_.matrix();
    auto dx = grad_input_.matrix();
    for_rows(dy, [&](Index n) {
      dx.row(n).array() = y.row(n).array() * (dym.row(n).array() - dym.row(n).dot(y.row(n)));
    });
    return grad_input_;
  }

 private:
  // Calls f(n) for every row n of `t`, the rows split between the threads.
  template <class F>
  static void for_rows(const Tensor<Scalar>& t, F f) {
    parallel_ranges(t.size(0), elementwise_work(t.numel()), 1, [&](Index first, Index last) {
      for (Index n = first; n < last; ++n) f(n);
    });
  }

  Tensor<Scalar> output_, grad_input_;  // backward reads the output
};

}  // namespace fnn
