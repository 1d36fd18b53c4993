#pragma once
// Branches: layers applied side by side to the same input, each under a name, that Residual, Add and
// Concat own and combine. A branch may be the identity (Residual's default shortcut): it has no layer,
// its output is the input itself and its input gradient the output gradient.
//
// A copy clones every branch's layer, so the copy constructor of a layer holding Branches is its
// clone(), as the contract of layer.hpp asks; the branches are visited under their names.
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "fnn/core/parallel.hpp"
#include "fnn/layers/layer.hpp"

namespace fnn::detail {

template <class Scalar>
class Branches {
 public:
  Branches() = default;
  Branches(const Branches& other) {
    for (const Branch& b : other.branches_) branches_.push_back({b.name, b.layer ? b.layer->clone() : nullptr});
  }
  Branches(Branches&&) noexcept = default;
  Branches& operator=(Branches other) noexcept {
    branches_ = std::move(other.branches_);
    return *this;
  }
  ~Branches() = default;

  // Appends `layer`, moved in, under `name`; returns it as stored.
  template <class L>
  L& add(std::string name, L layer) {
    static_assert(std::is_base_of_v<Layer<Scalar>, L>, "a branch is a Layer<Scalar>");
    auto owned = std::make_unique<L>(std::move(layer));
    L& stored = *owned;
    branches_.push_back({std::move(name), std::move(owned)});
    return stored;
  }
  void add_identity(std::string name) { branches_.push_back({std::move(name), nullptr}); }

  std::size_t size() const { return branches_.size(); }
  const std::string& name(std::size_t i) const { return branches_[i].name; }
  bool is_identity(std::size_t i) const { return branches_[i].layer == nullptr; }
  Layer<Scalar>& layer(std::size_t i) { return *branches_[i].layer; }

  // "body=Sequential(5 layers), shortcut=Identity()"
  std::string describe() const {
    std::string s;
    for (const Branch& b : branches_) {
      s += (s.empty() ? "" : ", ") + b.name + "=" + (b.layer ? b.layer->name() : std::string("Identity()"));
    }
    return s;
  }

  // The identity's branches are not children: they hold nothing.
  void visit(ChildVisitor<Scalar>& visit) {
    for (Branch& b : branches_) {
      if (b.layer) visit(b.name, *b.layer);
    }
  }

  Shape output_shape(std::size_t i, const Shape& in) const {
    return branches_[i].layer ? branches_[i].layer->output_shape(in) : in;
  }
  const Tensor<Scalar>& forward(std::size_t i, const Tensor<Scalar>& x) {
    return branches_[i].layer ? branches_[i].layer->forward(x) : x;
  }
  const Tensor<Scalar>& backward(std::size_t i, const Tensor<Scalar>& dy) {
    return branches_[i].layer ? branches_[i].layer->backward(dy) : dy;
  }

  // Add's and Residual's shape: every branch's output shape, which must be one and the same.
  template <class Operation>
  Shape common_output_shape(const Operation& operation, const Shape& in) const {
    if (branches_.empty()) throw UsageError(detail::operation_name(operation) + ": no branches");
    const Shape first = output_shape(0, in);
    for (std::size_t i = 1; i < branches_.size(); ++i) {
      const Shape other = output_shape(i, in);
      if (other != first) {
        throw ShapeError(detail::operation_name(operation) + ": for input " + in.str() + " branch " +
                         branches_[0].name + " gives " + first.str() + " but branch " + branches_[i].name +
                         " gives " + other.str() + "; the outputs are added, so their shapes must match");
      }
    }
    return first;
  }

  // y = sum of the branches' outputs.  Add's and Residual's forward.
  void forward_sum(const Tensor<Scalar>& x, Tensor<Scalar>& y) {
    for (std::size_t i = 0; i < branches_.size(); ++i) accumulate(forward(i, x), y, i == 0);
  }
  // dx = sum of the branches' input gradients, each branch given all of dy.  Add's and Residual's backward.
  void backward_sum(const Tensor<Scalar>& dy, Tensor<Scalar>& dx) {
    for (std::size_t i = 0; i < branches_.size(); ++i) accumulate(backward(i, dy), dx, i == 0);
  }

  // sum = term (first) or sum += term, element-wise, split between the threads.
  static void accumulate(const Tensor<Scalar>& term, Tensor<Scalar>& sum, bool first) {
    if (first) sum.resize(term.shape());
    parallel_ranges(term.numel(), elementwise_work(term.numel()), 64, [&](Index begin, Index end) {
      if (first) {
        segment(sum, begin, end) = segment(term, begin, end);
      } else {
        segment(sum, begin, end) += segment(term, begin, end);
      }
    });
  }

 private:
  struct Branch {
    std::string name;
    std::unique_ptr<Layer<Scalar>> layer;  // null: the identity
  };
  std::vector<Branch> branches_;
};

}  // namespace fnn::detail

namespace fnn {

// The layer Add and Residual both are: branches whose outputs are summed. They differ in how branches
// are added and named, which each says in its own constructor and name().
//   forward: y = sum_b branch_b(x)      backward: dx = sum_b branch_b's backward of dy
template <class Scalar>
class BranchSum : public Layer<Scalar> {
 public:
  Shape output_shape(const Shape& in) const override {
    return branches_.common_output_shape([this] { return this->name(); }, in);
  }

  const Tensor<Scalar>& forward(const Tensor<Scalar>& x) override {
    output_shape(x.shape());
    branches_.forward_sum(x, output_);
    return output_;
  }

  const Tensor<Scalar>& backward(const Tensor<Scalar>& dy) override {
    this->check_backward(dy, output_);
    branches_.backward_sum(dy, grad_input_);
    return grad_input_;
  }

  void visit_children(ChildVisitor<Scalar>& visit) override { branches_.visit(visit); }

 protected:
  detail::Branches<Scalar> branches_;

 private:
  Tensor<Scalar> output_, grad_input_;
};

}  // namespace fnn
