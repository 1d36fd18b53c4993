#pragma once
// HorizontalFlipAverage(model): test-time augmentation for a model trained on randomly flipped images.
//   input x [N, C, H, W]   output [N, ...] as model's
// In evaluation mode the output is the mean of the model's outputs for the images and for their mirror
// images, (model(x) + model(flip(x))) / 2, where flip reverses each row of pixels. In training mode it
// is the model itself, so it can wrap a model for the whole of a run. The model is referenced, not
// owned: its parameters, buffers and mode are the wrapper's.
#include <string>
#include <vector>

#include "fnn/layers/layer.hpp"

namespace fnn {

template <class Scalar>
class HorizontalFlipAverage final : public Layer<Scalar> {
 public:
  explicit HorizontalFlipAverage(Layer<Scalar>& model) : model_(model) {
    Layer<Scalar>::set_training(model.training());
  }

  std::string name() const override { return "HorizontalFlipAverage(" + model_.name() + ")"; }

  Shape output_shape(const Shape& in) const override {
    check_rank([this] { return name(); }, in, 4, "[N, C, H, W]");
    return model_.output_shape(in);
  }

  const Tensor<Scalar>& forward(const Tensor<Scalar>& x) override {
    output_shape(x.shape());
    if (this->training()) return model_.forward(x);
    const Index rows = x.numel() / x.size(3), width = x.size(3);
    mirrored_.resize(x.shape());
    mirrored_.matrix(rows, width) = x.matrix(rows, width).rowwise().reverse();
    average_ = model_.forward(x);
    average_.array() = Scalar(0.5) * (average_.array() + model_.forward(mirrored_).array());
    return average_;
  }

  // Only in training mode: in evaluation mode the model has cached the mirrored pass alone.
  const Tensor<Scalar>& backward(const Tensor<Scalar>& dy) override {
    if (!this->training()) throw UsageError(name() + ": backward is defined in training mode only");
    return model_.backward(dy);
  }

  std::vector<ParameterRef<Scalar>> parameters() override { return model_.parameters(); }
  std::vector<BufferRef<Scalar>> buffers() override { return model_.buffers(); }
  std::vector<GeneratorRef> generators() override { return model_.generators(); }
  void set_finite_checks(bool on) override { model_.set_finite_checks(on); }

  void set_training(bool training) override {
    Layer<Scalar>::set_training(training);
    model_.set_training(training);
  }

 private:
  Layer<Scalar>& model_;
  Tensor<Scalar> mirrored_, average_;
};

}  // namespace fnn
