#pragma once
// Layer<Scalar>: the interface every layer implements, and the parameter and buffer references that
// optimizers, serialization and gradcheck work on.
//
// Contract (see docs/design.md):
//  - forward(input) computes the output into a buffer the layer owns and returns it; the reference
//    stays valid until the next forward.
//  - What a layer keeps between forward and backward, it owns. It never keeps a pointer or reference to
//    a tensor it does not own, the input above all: whatever backward needs from the input it copies or
//    derives during forward into its own buffers (Linear a copy of x, ReLU its output, MaxPool2d the
//    offsets of the maxima), in training and evaluation mode alike. So the caller may overwrite or free
//    the input once forward returns, and a copy of a layer (clone) shares no buffer with the original.
//    The one reference a layer may hold is a wrapper's to the model it wraps (DataParallel,
//    HorizontalFlipAverage): the caller owns that model and keeps it alive, and such a wrapper is never
//    copied.
//  - backward(grad_output) takes dLoss/dOutput for the last forward and returns dLoss/dInput (a buffer
//    the layer owns, overwritten on each call). It ADDS dLoss/dParameter into each parameter's grad,
//    so gradients of several backward passes accumulate until zero_grad().
//  - Buffers are resized, never reallocated, when the batch shape repeats: no allocation per step.
#include <memory>
#include <string>
#include <vector>

#include "fnn/core/random.hpp"
#include "fnn/core/tensor.hpp"

namespace fnn {

// A learnable tensor and its gradient, of the same shape.
template <class Scalar>
struct Parameter {
  Tensor<Scalar> value;
  Tensor<Scalar> grad;

  explicit Parameter(const Shape& shape) : value(shape), grad(shape) {}
};

// A named reference to a parameter, as optimizers and serialization see it ("0.weight").
template <class Scalar>
struct ParameterRef {
  std::string name;
  Parameter<Scalar>* parameter;
};

// A named reference to a non-learnable tensor that is part of a model's state (BatchNorm's running
// statistics): saved and loaded with the parameters, never touched by optimizers.
template <class Scalar>
struct BufferRef {
  std::string name;
  Tensor<Scalar>* tensor;
};

// A named reference to a layer's random generator (Dropout's masks): part of a training run's state, so
// that a run resumed from a checkpoint draws what an uninterrupted run would.
struct GeneratorRef {
  std::string name;
  Rng* rng;
};

template <class Scalar>
class Layer {
 public:
  virtual ~Layer() = default;

  // PyTorch-style description, e.g. "Linear(in_features=784, out_features=128)".
  virtual std::string name() const = 0;
  // The output shape for an input shape; throws ShapeError for an input the layer cannot take.
  virtual Shape output_shape(const Shape& input) const = 0;
  virtual const Tensor<Scalar>& forward(const Tensor<Scalar>& input) = 0;
  virtual const Tensor<Scalar>& backward(const Tensor<Scalar>& grad_output) = 0;

  virtual std::vector<ParameterRef<Scalar>> parameters() { return {}; }
  virtual std::vector<BufferRef<Scalar>> buffers() { return {}; }
  virtual std::vector<GeneratorRef> generators() { return {}; }

  // Containers (Sequential) check every layer's output in forward and every input gradient in backward
  // for NaN and infinity while this is on, and throw NumericalError naming the layer. A leaf layer has
  // nothing to do: its container checks it.
  virtual void set_finite_checks(bool /*on*/) {}

  // True when forward computes every sample of the batch by itself, so that shares of a batch give the
  // batch's outputs share by share (DataParallel splits batches only then). Not so for BatchNorm in
  // training mode (statistics over the batch) or Dropout in training mode (one mask for the batch); a
  // layer that does not say otherwise is taken not to.
  virtual bool samples_independent() const { return false; }

  // A deep copy: parameters, buffers, generators and mode (DataParallel's replicas). It shares nothing
  // with the original (see the contract above).
  virtual std::unique_ptr<Layer> clone() const { throw UsageError(name() + ": this layer cannot be copied"); }

  // Training mode (the default) versus evaluation mode: matters to Dropout and BatchNorm.
  virtual void set_training(bool training) { training_ = training; }
  bool training() const { return training_; }
  void train() { set_training(true); }
  void eval() { set_training(false); }

  void zero_grad() {
    for (auto& p : parameters()) p.parameter->grad.zero();
  }

 protected:
  Layer() = default;
  Layer(const Layer&) = default;
  Layer(Layer&&) noexcept = default;
  Layer& operator=(const Layer&) = default;
  Layer& operator=(Layer&&) noexcept = default;

  // Called at the start of backward: the gradient must match the output of the last forward. Every
  // forward gives its output a rank of 1 or more, an empty batch too ([0, 10]); only a layer that has
  // not run forward holds an output of rank 0.
  void check_backward(const Tensor<Scalar>& grad_output, const Tensor<Scalar>& output) const {
    if (output.rank() == 0) {
      throw UsageError(name() + ": backward called before forward");
    }
    check_shape([this] { return name() + " backward (gradient of the output)"; }, output.shape(), grad_output.shape());
  }

 private:
  bool training_ = true;
};

}  // namespace fnn
