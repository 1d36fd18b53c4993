#pragma once
// Identity: y = x on any shape, as torch.nn.Identity (a placeholder: a model's slot left empty, the skip
// path of a block).  Backward: dx = dy.
#include <memory>

#include "fnn/layers/layer.hpp"

namespace fnn {

template <class Scalar>
class Identity final : public Layer<Scalar> {
 public:
  std::string name() const override { return "Identity()"; }
  bool samples_independent() const override { return true; }
  std::unique_ptr<Layer<Scalar>> clone() const override { return std::make_unique<Identity>(*this); }
  Shape output_shape(const Shape& input) const override {
    check_has_axes([this] { return name(); }, input);
    return input;
  }

  // The output is the layer's own copy: the caller may overwrite x once forward returns.
  const Tensor<Scalar>& forward(const Tensor<Scalar>& x) override {
    copy_reshaped(x, output_shape(x.shape()), output_);
    return output_;
  }

  const Tensor<Scalar>& backward(const Tensor<Scalar>& dy) override {
    this->check_backward(dy, output_);
    copy_reshaped(dy, dy.shape(), grad_input_);
    return grad_input_;
  }

 private:
  Tensor<Scalar> output_, grad_input_;
};

}  // namespace fnn
