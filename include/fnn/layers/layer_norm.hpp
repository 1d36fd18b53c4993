#pragma once
// LayerNorm(normalized_shape, eps = 1e-5, elementwise_affine = true), as torch.nn.LayerNorm: each sample
// normalised over its last axes, which must be normalized_shape.
//   input x [..., normalized_shape]   weight gamma, bias beta: normalized_shape (if elementwise_affine)
//   read as x [R, L], L = normalized_shape's element count:   y = gamma xhat + beta, element by element
//   along the row, xhat the row normalised by its own mean and biased variance (row_normalization.hpp)
// Backward:  dgamma += sum over the rows of dy xhat     dbeta += sum over the rows of dy
//            dxhat = dy gamma,  and dx from dxhat as row_normalization.hpp writes it.
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "fnn/layers/layer.hpp"
#include "fnn/layers/row_normalization.hpp"

namespace fnn {

template <class Scalar>
class LayerNorm final : public Layer<Scalar> {
 public:
  explicit LayerNorm(const Shape& normalized_shape, double eps = 1e-5, bool elementwise_affine = true)
      : shape_(normalized_shape), eps_(static_cast<Scalar>(eps)), affine_(elementwise_affine),
        weight_(normalized_shape), bias_(normalized_shape) {
    if (shape_.rank() < 1 || shape_.rank() > 3 || shape_.numel() < 1) {
      throw ValueError("LayerNorm: normalized_shape must have 1 to 3 positive extents, got " + shape_.str());
    }
    weight_.value.fill(Scalar(1));
  }
  explicit LayerNorm(Index normalized_size, double eps = 1e-5, bool elementwise_affine = true)
      : LayerNorm(Shape{normalized_size}, eps, elementwise_affine) {}
  // LayerNorm({C, H, W}): the braces name the shape, as torch's tuple.
  LayerNorm(std::initializer_list<Index> normalized_shape, double eps = 1e-5, bool elementwise_affine = true)
      : LayerNorm(Shape(normalized_shape), eps, elementwise_affine) {}

  std::string name() const override {
    return "LayerNorm(" + shape_.str() + (affine_ ? "" : ", elementwise_affine=False") + ")";
  }

  bool samples_independent() const override { return true; }
  std::unique_ptr<Layer<Scalar>> clone() const override { return std::make_unique<LayerNorm>(*this); }

  Shape output_shape(const Shape& in) const override {
    const int leading = in.rank() - shape_.rank();
    bool fits = leading >= 1;
    for (int i = 0; fits && i < shape_.rank(); ++i) fits = in[leading + i] == shape_[i];
    if (!fits) throw ShapeError(name() + ": expected an input [N, ..., " + shape_.str().substr(1) + ", got " + in.str());
    return in;
  }

  const Tensor<Scalar>& forward(const Tensor<Scalar>& x) override {
    output_shape(x.shape());
    const Index length = shape_.numel(), rows = x.numel() / length;
    xhat_.resize(x.shape());
    inv_std_.resize({rows});
    detail::normalise_rows(x.data(), rows, length, eps_, xhat_.data(), inv_std_.data());
    output_.resize(x.shape());
    if (affine_) {
      output_.matrix(rows, length) = (xhat_.matrix(rows, length).array().rowwise() * weight_.value.row_vector().array())
                                         .rowwise() + bias_.value.row_vector().array();
    } else {
      output_.array() = xhat_.array();
    }
    return output_;
  }

  const Tensor<Scalar>& backward(const Tensor<Scalar>& dy) override {
    this->check_backward(dy, output_);
    const Index length = shape_.numel(), rows = dy.numel() / length;
    const Tensor<Scalar>* dxhat = &dy;
    if (affine_) {
      const auto d = dy.matrix(rows, length).array();
      weight_.grad.row_vector().array() += (d * xhat_.matrix(rows, length).array()).colwise().sum();
      bias_.grad.row_vector().array() += d.colwise().sum();
      grad_xhat_.resize(dy.shape());
      grad_xhat_.matrix(rows, length).array() = d.rowwise() * weight_.value.row_vector().array();
      dxhat = &grad_xhat_;
    }
    grad_input_.resize(dy.shape());
    detail::normalised_rows_backward(dxhat->data(), xhat_.data(), inv_std_.data(), rows, length, grad_input_.data());
    return grad_input_;
  }

  std::vector<ParameterRef<Scalar>> parameters() override {
    if (!affine_) return {};
    return {{"weight", &weight_}, {"bias", &bias_}};
  }
  Parameter<Scalar>& weight() { return weight_; }
  Parameter<Scalar>& bias() { return bias_; }

 private:
  Shape shape_;
  Scalar eps_;
  bool affine_;
  Parameter<Scalar> weight_, bias_;  // gamma and beta, normalized_shape
  Tensor<Scalar> xhat_, inv_std_;    // the normalised input, and 1 / std per row
  Tensor<Scalar> grad_xhat_;         // dy gamma
  Tensor<Scalar> output_, grad_input_;
};

}  // namespace fnn
