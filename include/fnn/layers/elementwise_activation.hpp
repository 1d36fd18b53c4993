#pragma once
// ElementwiseActivation: what every activation that maps each element on its own shares. Such a layer
// computes y = f(x) on any shape and backward dx = dy * f'(x); only f and f' differ between them.
//
// An activation derives from ElementwiseActivation<Scalar, itself> (so that f and f' are inlined: no
// virtual call per element) and supplies, as Eigen array expressions over a range of elements:
//   static constexpr Saved saved         what f' is computed from: the input x or the output y
//   function(x)                          f(x)
//   gradient(saved, dy)                  dy * f'(x), from x or y as `saved` says
// The frame checks the shape, keeps x or y in the layer's own buffer for backward and splits the
// elements between the threads, as ReLU does.
#include <memory>

#include "fnn/core/parallel.hpp"
#include "fnn/layers/layer.hpp"

namespace fnn {

enum class Saved { input, output };

template <class Scalar, class Activation>
class ElementwiseActivation : public Layer<Scalar> {
 public:
  bool samples_independent() const override { return true; }
  std::unique_ptr<Layer<Scalar>> clone() const override { return std::make_unique<Activation>(self()); }
  Shape output_shape(const Shape& input) const override {
    check_has_axes([this] { return this->name(); }, input);
    return input;
  }

  const Tensor<Scalar>& forward(const Tensor<Scalar>& x) override {
    output_.resize(output_shape(x.shape()));
    if constexpr (saves_input) input_.resize(x.shape());
    parallel_ranges(x.numel(), elementwise_work(x.numel()), 64, [&](Index first, Index last) {
      segment(output_, first, last) = self().function(segment(x, first, last));
      if constexpr (saves_input) segment(input_, first, last) = segment(x, first, last);
    });
    return output_;
  }

  const Tensor<Scalar>& backward(const Tensor<Scalar>& dy) override {
    this->check_backward(dy, output_);
    grad_input_.resize(dy.shape());
    const Tensor<Scalar>& saved = saves_input ? input_ : output_;
    parallel_ranges(dy.numel(), elementwise_work(dy.numel()), 64, [&](Index first, Index last) {
      segment(grad_input_, first, last) = self().gradient(segment(saved, first, last), segment(dy, first, last));
    });
    return grad_input_;
  }

 protected:
  ElementwiseActivation() = default;

 private:
  static constexpr bool saves_input = Activation::saved == Saved::input;
  const Activation& self() const { return static_cast<const Activation&>(*this); }

  Tensor<Scalar> input_, output_, grad_input_;  // input_ stays empty when f' is computed from y
};

}  // namespace fnn
