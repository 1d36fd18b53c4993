#pragma once
// Sequential: layers applied in order, as torch.nn.Sequential. It is itself a Layer, so models nest and
// gradcheck can check a whole stack. Its children are its layers, named by index, so parameters are
// named "<index>.<name>" as PyTorch names them.
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "fnn/layers/layer.hpp"

namespace fnn {

// 1677674 -> "1,677,674"
inline std::string with_thousands(long long n) {
  std::string digits = std::to_string(n < 0 ? -n : n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

template <class Scalar>
class Sequential final : public Layer<Scalar> {
 public:
  Sequential() = default;

  // Appends a layer, moved in, and returns a reference to it as stored.
  template <class L>
  L& add(L layer) {
    static_assert(std::is_base_of_v<Layer<Scalar>, L>, "Sequential<Scalar>::add takes a Layer<Scalar>");
    auto owned = std::make_unique<L>(std::move(layer));
    L& ref = *owned;
    ref.set_training(this->training());  // a layer joins in the model's mode
    ref.set_finite_checks(this->finite_checks());
    layers_.push_back(std::move(owned));
    return ref;
  }

  std::size_t size() const { return layers_.size(); }
  Layer<Scalar>& operator[](std::size_t i) {
    if (i >= layers_.size()) {
      throw ValueError("Sequential: no layer " + std::to_string(i) + " in a model of " +
                       std::to_string(layers_.size()));
    }
    return *layers_[i];
  }

  std::string name() const override { return "Sequential(" + std::to_string(layers_.size()) + " layers)"; }

  void visit_children(ChildVisitor<Scalar>& visit) override {
    for (std::size_t i = 0; i < layers_.size(); ++i) visit(std::to_string(i), *layers_[i]);
  }

  std::unique_ptr<Layer<Scalar>> clone() const override {
    auto copy = std::make_unique<Sequential>();
    for (const auto& l : layers_) copy->layers_.push_back(l->clone());
    copy->copy_mode_from(*this);
    return copy;
  }

  Shape output_shape(const Shape& input) const override {
    Shape s = input;
    for (const auto& l : layers_) s = l->output_shape(s);
    return s;
  }

  const Tensor<Scalar>& forward(const Tensor<Scalar>& input) override {
    if (layers_.empty()) throw UsageError("Sequential: forward on a model with no layers");
    const Tensor<Scalar>* x = &input;
    for (std::size_t i = 0; i < layers_.size(); ++i) {
      x = &in_layer(i, [&] { return "Sequential input " + input.shape().str() + ", "; },
                    [&]() -> const Tensor<Scalar>& { return layers_[i]->forward(*x); });
      if (this->finite_checks() && !x->all_finite()) throw non_finite(i, "output");
    }
    return *x;
  }

  const Tensor<Scalar>& backward(const Tensor<Scalar>& grad_output) override {
    if (layers_.empty()) throw UsageError("Sequential: backward on a model with no layers");
    const Tensor<Scalar>* g = &grad_output;
    for (std::size_t i = layers_.size(); i-- > 0;) {
      g = &in_layer(i, [] { return std::string("Sequential backward, "); },
                    [&]() -> const Tensor<Scalar>& { return layers_[i]->backward(*g); });
      if (this->finite_checks() && !g->all_finite()) throw non_finite(i, "gradient with respect to its input");
    }
    return *g;
  }

  Index parameter_count() {
    Index n = 0;
    for (auto& p : this->parameters()) n += p.parameter->value.numel();
    return n;
  }

  // Prints each layer with its output shape for `input` and its parameter count, then the total.
  void summary(const Shape& input, std::ostream& out = std::cout) {
    char line[160];
    std::snprintf(line, sizeof line, "%-4s %-52s %-20s %12s\n", "#", "Layer", "Output shape", "Parameters");
    out << line << std::string(91, '-') << '\n';
    Shape s = input;
    for (std::size_t i = 0; i < layers_.size(); ++i) {
      s = layers_[i]->output_shape(s);
      Index count = 0;
      for (auto& p : layers_[i]->parameters()) count += p.parameter->value.numel();
      std::snprintf(line, sizeof line, "%-4zu %-52s %-20s %12s\n", i, layers_[i]->name().c_str(), s.str().c_str(),
                    with_thousands(count).c_str());
      out << line;
    }
    out << std::string(91, '-') << "\nTotal parameters: " << with_thousands(parameter_count()) << '\n';
  }

 private:
  // Runs one layer's step; a shape or usage error it throws is rethrown with where in the model it
  // happened: "Sequential input [64, 1, 28, 28], layer 5: Linear(...): expected ...".
  template <class Context, class Step>
  const Tensor<Scalar>& in_layer(std::size_t i, Context context, Step step) {
    try {
      return step();
    } catch (const ShapeError& e) {
      throw ShapeError(context() + "layer " + std::to_string(i) + ": " + e.what());
    } catch (const UsageError& e) {
      throw UsageError(context() + "layer " + std::to_string(i) + ": " + e.what());
    }
  }

  NumericalError non_finite(std::size_t i, const char* what) const {
    return NumericalError("layer " + std::to_string(i) + " " + layers_[i]->name() + ": its " + what +
                          " contains NaN or infinity");
  }

  std::vector<std::unique_ptr<Layer<Scalar>>> layers_;
};

}  // namespace fnn
