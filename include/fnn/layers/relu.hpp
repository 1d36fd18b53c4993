#pragma once
// ReLU: y = max(x, 0), element-wise on any shape.  Backward: dx = dy where y > 0, else 0.
#include "fnn/core/parallel.hpp"
#include "fnn/layers/layer.hpp"

namespace fnn {

template <class Scalar>
class ReLU final : public Layer<Scalar> {
 public:
  std::string name() const override { return "ReLU()"; }
  bool samples_independent() const override { return true; }
  std::unique_ptr<Layer<Scalar>> clone() const override { return std::make_unique<ReLU>(*this); }
  Shape output_shape(const Shape& input) const override {
    check_has_axes([this] { return name(); }, input);
    return input;
  }

  const Tensor<Scalar>& forward(const Tensor<Scalar>& x) override {
    output_.resize(output_shape(x.shape()));
    parallel_ranges(x.numel(), elementwise_work(x.numel()), 64, [&](Index first, Index last) {
      segment(output_, first, last) = segment(x, first, last).max(Scalar(0));
    });
    return output_;
  }

  const Tensor<Scalar>& backward(const Tensor<Scalar>& dy) override {
    this->check_backward(dy, output_);
    grad_input_.resize(dy.shape());
    parallel_ranges(dy.numel(), elementwise_work(dy.numel()), 64, [&](Index first, Index last) {
      segment(grad_input_, first, last) =
          (segment(output_, first, last) > Scalar(0)).select(segment(dy, first, last), Scalar(0));
    });
    return grad_input_;
  }

 private:
  Tensor<Scalar> output_, grad_input_;  // the output doubles as the mask y > 0
};

}  // namespace fnn
