#pragma once
// Add(): parallel branches whose outputs are added, y = branch_0(x) + branch_1(x) + ...
//   input x [N, ...]   every branch's output: one and the same shape   output y: that shape
// Backward: dx = the sum of the branches' backward of dy.
// PyTorch has no such module (a model adds in its forward); the branches are named "0", "1", ... as a
// torch.nn.ModuleList's, so a parameter is "2.1.weight" in a Sequential. add_identity() adds x itself.
#include <memory>
#include <string>
#include <utility>

#include "fnn/layers/branches.hpp"

namespace fnn {

template <class Scalar>
class Add final : public BranchSum<Scalar> {
 public:
  Add() = default;

  // Appends a branch, moved in, and returns it as stored.
  template <class L>
  L& add(L branch) {
    return branches_.add(std::to_string(branches_.size()), std::move(branch));
  }
  // Appends the identity, a branch whose output is the input (it takes an index, not a child's name).
  void add_identity() { branches_.add_identity(std::to_string(branches_.size())); }
  std::size_t size() const { return branches_.size(); }

  std::string name() const override { return "Add(" + branches_.describe() + ")"; }
  std::unique_ptr<Layer<Scalar>> clone() const override { return std::make_unique<Add>(*this); }

 private:
  using BranchSum<Scalar>::branches_;
};

}  // namespace fnn
