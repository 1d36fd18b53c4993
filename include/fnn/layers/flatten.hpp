#pragma once
// Flatten: [N, d1, d2, d3] -> [N, d1*d2*d3], as torch.nn.Flatten(). Row-major storage means the
// elements keep their order: forward copies them under the new shape, backward under the input's.
#include "fnn/layers/layer.hpp"

namespace fnn {

template <class Scalar>
class Flatten final : public Layer<Scalar> {
 public:
  std::string name() const override { return "Flatten()"; }

  bool samples_independent() const override { return true; }
  std::unique_ptr<Layer<Scalar>> clone() const override { return std::make_unique<Flatten>(*this); }
  Shape output_shape(const Shape& input) const override {
    if (input.rank() < 2) throw ShapeError("Flatten: expected an input of rank 2 to 4 [N, ...], got " + input.str());
    return {input[0], input.inner()};
  }

  const Tensor<Scalar>& forward(const Tensor<Scalar>& x) override {
    input_shape_ = x.shape();
    copy_reshaped(x, output_shape(x.shape()), output_);
    return output_;
  }

  const Tensor<Scalar>& backward(const Tensor<Scalar>& dy) override {
    this->check_backward(dy, output_);
    copy_reshaped(dy, input_shape_, grad_input_);
    return grad_input_;
  }

 private:
  Shape input_shape_;
  Tensor<Scalar> output_, grad_input_;
};

}  // namespace fnn
