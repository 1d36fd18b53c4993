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
//  - A layer made of layers names them in visit_children and nothing else: parameters(), buffers(),
//    generators(), the training mode, the finite checks and samples_independent() reach them from there.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fnn/core/random.hpp"
#include "fnn/core/tensor.hpp"

namespace fnn {

// A learnable tensor and its gradient, of the same shape. A frozen parameter (requires_grad false, as
// torch's) is one the optimizers skip: its value stays as it is, and its gradient, which backward may
// still fill, is neither used nor clipped.
template <class Scalar>
struct Parameter {
  Tensor<Scalar> value;
  Tensor<Scalar> grad;
  bool requires_grad = true;

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
class Layer;

// What a layer made of layers hands each of them to, with its name: visit("body", body_). See
// Layer::visit_children.
template <class Scalar>
class ChildVisitor {
 public:
  virtual void operator()(std::string_view name, Layer<Scalar>& child) = 0;

 protected:
  ~ChildVisitor() = default;
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

  // The layers this one is made of, as torch.nn.Module's named children: a layer that contains layers
  // calls visit(name, child) for each of them, in order ("0", "1", ... in a Sequential; "body", "skip"
  // in a block of your own); a leaf layer has none. The defaults below go through them, so a layer made
  // of layers overrides this and none of those. A wrapper that stands for the model it wraps names it ""
  // (DataParallel): the model's tensors keep their own names. Children are visited afresh on every call,
  // never registered, so a copy of the layer (clone) visits its own members and not the original's.
  virtual void visit_children(ChildVisitor<Scalar>& /*visit*/) {}

  // A leaf layer returns its own, by local name ({"weight", &weight_}, ...); by default a layer has its
  // children's, each name prefixed with the child's: "0.weight", "body.1.bias", as PyTorch names them.
  // A layer with both calls Layer::parameters() for its children's.
  virtual std::vector<ParameterRef<Scalar>> parameters() { return gather(&Layer::parameters); }
  virtual std::vector<BufferRef<Scalar>> buffers() { return gather(&Layer::buffers); }
  virtual std::vector<GeneratorRef> generators() { return gather(&Layer::generators); }

  // True when forward computes every sample of the batch by itself, so that shares of a batch give the
  // batch's outputs share by share (DataParallel splits batches only then). Not so for BatchNorm in
  // training mode (statistics over the batch) or Dropout in training mode (one mask for the batch). A
  // leaf layer that does not say otherwise is taken not to; a layer with children is when all of them are.
  virtual bool samples_independent() const {
    bool any = false, all = true;
    // The visit only reads: children are reached through the non-const visit_children.
    const_cast<Layer&>(*this).for_each_child([&](std::string_view, Layer& child) {
      any = true;
      all = all && child.samples_independent();
    });
    return any && all;
  }

  // A deep copy: parameters, buffers, generators and mode (DataParallel's replicas). It shares nothing
  // with the original (see the contract above).
  virtual std::unique_ptr<Layer> clone() const { throw UsageError(name() + ": this layer cannot be copied"); }

  // Training mode (the default) versus evaluation mode: matters to Dropout and BatchNorm. Set on a layer,
  // it reaches every child.
  void set_training(bool training) {
    training_ = training;
    for_each_child([&](std::string_view, Layer& child) { child.set_training(training); });
  }
  bool training() const { return training_; }
  void train() { set_training(true); }
  void eval() { set_training(false); }

  // While on, Sequential checks every layer's output in forward and every input gradient in backward for
  // NaN and infinity and throws NumericalError naming the layer; a layer of your own may read
  // finite_checks() too. Set on a layer, it reaches every child.
  void set_finite_checks(bool on) {
    finite_checks_ = on;
    for_each_child([&](std::string_view, Layer& child) { child.set_finite_checks(on); });
  }
  bool finite_checks() const { return finite_checks_; }

  void zero_grad() {
    for (auto& p : parameters()) p.parameter->grad.zero();
  }

  // Freezes every parameter of the layer and its children (requires_grad false), as torch's
  // requires_grad_(False): fine-tuning the head of a trained model, say. unfreeze() undoes it.
  void freeze() { set_requires_grad(false); }
  void unfreeze() { set_requires_grad(true); }
  void set_requires_grad(bool on) {
    for (auto& p : parameters()) p.parameter->requires_grad = on;
  }

 protected:
  Layer() = default;
  Layer(const Layer&) = default;
  Layer(Layer&&) noexcept = default;
  Layer& operator=(const Layer&) = default;
  Layer& operator=(Layer&&) noexcept = default;

  // This layer alone (not its children) takes `other`'s training mode and finite checks: a wrapper
  // starts in its model's mode, a container's clone in the container's.
  void copy_mode_from(const Layer& other) {
    training_ = other.training_;
    finite_checks_ = other.finite_checks_;
  }

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
  // Calls f(name, child) for every child, through a visitor on the stack: nothing is allocated, so
  // DataParallel may ask samples_independent() at every forward.
  template <class F>
  void for_each_child(F&& f) {
    struct Visitor final : ChildVisitor<Scalar> {
      explicit Visitor(F& f) : f(f) {}
      void operator()(std::string_view name, Layer& child) override { f(name, child); }
      F& f;
    } visitor(f);
    visit_children(visitor);
  }

  // The children's references (parameters, buffers or generators), each name prefixed with the child's.
  template <class Ref>
  std::vector<Ref> gather(std::vector<Ref> (Layer::*get)()) {
    std::vector<Ref> all;
    for_each_child([&](std::string_view name, Layer& child) {
      for (Ref ref : (child.*get)()) {
        if (!name.empty()) ref.name = std::string(name) + "." + ref.name;
        all.push_back(std::move(ref));
      }
    });
    return all;
  }

  bool training_ = true;
  bool finite_checks_ = false;
};

}  // namespace fnn
