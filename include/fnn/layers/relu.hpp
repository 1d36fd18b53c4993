#pragma once
// ReLU: y = max(x, 0), element-wise on any shape.  Backward: dx = dy where y > 0, else 0.
#include "fnn/layers/layer.hpp"

namespace fnn {

template <class Scalar>
class ReLU final : public Layer<Scalar> {
 public:
  std::string name() const override { return "ReLU()"; }
  Shape output_shape(const Shape& input) const override { return input; }

  const Tensor<Scalar>& forward(const Tensor<Scalar>& x) override {
    output_.resize(x.shape());
    output_.array() = x.array().max(Scalar(0));
    return output_;
  }

  const Tensor<Scalar>& backward(const Tensor<Scalar>& dy) override {
    this->check_backward(dy, output_);
    grad_input_.resize(dy.shape());
    grad_input_.array() = (output_.array() > Scalar(0)).select(dy.array(), Scalar(0));
    return grad_input_;
  }

 private:
  Tensor<Scalar> output_, grad_input_;  // the output doubles as the mask y > 0
};

}  // namespace fnn
