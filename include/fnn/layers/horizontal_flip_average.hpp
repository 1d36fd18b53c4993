#pragma once
// HorizontalFlipAverage(model): test-time augmentation for a model trained on randomly flipped images.
//   input x [N, C, H, W]   output [N, ...] as model's
// In evaluation mode the output is the mean of the model's outputs for the images and for their mirror
// images, (model(x) + model(flip(x))) / 2, where flip reverses each row of pixels. In training mode it
// is the model itself, so it can wrap a model for the whole of a run. The model is referenced, not owned
// (the caller keeps it alive): it is the wrapper's one child, named "" so that its parameters, buffers
// and generators keep their names, and it takes the wrapper's mode.
#include <string>
#include <vector>

#include "fnn/layers/layer.hpp"

namespace fnn {

template <class Scalar>
class HorizontalFlipAverage final : public Layer<Scalar> {
 public:
  explicit HorizontalFlipAverage(Layer<Scalar>& model) : model_(model) { this->copy_mode_from(model); }

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

  void visit_children(ChildVisitor<Scalar>& visit) override { visit("", model_); }
  // False although every sample is averaged by itself: the wrapper refers to its model and cannot be
  // copied, so DataParallel must run it whole (the model's layers then split their own work).
  bool samples_independent() const override { return false; }

 private:
  Layer<Scalar>& model_;
  Tensor<Scalar> mirrored_, average_;
};

}  // namespace fnn
