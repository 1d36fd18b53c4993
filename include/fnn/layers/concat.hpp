#pragma once
// Concat(): parallel branches whose outputs are joined along the channel axis, torch.cat(..., dim=1),
// as an Inception block or a DenseNet layer joins them.
//   input x [N, ...]   branch i's output [N, C_i, rest...] (the same N and rest for all)
//   output y [N, C_0 + C_1 + ..., rest...]:  y[:, o_i : o_i + C_i] = branch_i(x),  o_i = C_0 + ... + C_{i-1}
// Backward: branch i is given its channels of dy, dy[:, o_i : o_i + C_i]; dx = the sum of the branches'
// backward. The branches are named "0", "1", ... as a torch.nn.ModuleList's; add_identity() passes x on.
#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "fnn/layers/branches.hpp"

namespace fnn {

template <class Scalar>
class Concat final : public Layer<Scalar> {
 public:
  Concat() = default;

  // Appends a branch, moved in, and returns it as stored.
  template <class L>
  L& add(L branch) {
    return branches_.add(std::to_string(branches_.size()), std::move(branch));
  }
  // Appends the identity: x itself joins the output (DenseNet's concatenation).
  void add_identity() { branches_.add_identity(std::to_string(branches_.size())); }
  std::size_t size() const { return branches_.size(); }

  std::string name() const override { return "Concat(dim=1, " + branches_.describe() + ")"; }

  Shape output_shape(const Shape& in) const override {
    if (branches_.size() == 0) throw UsageError(name() + ": no branches");
    const Shape first = branches_.output_shape(0, in);
    Index channels = 0;
    for (std::size_t i = 0; i < branches_.size(); ++i) {
      const Shape s = branches_.output_shape(i, in);
      if (s.rank() < 2 || s.with_extent(1, first[1]) != first) {
        throw ShapeError(name() + ": for input " + in.str() + " branch " + branches_.name(0) + " gives " +
                         first.str() + " and branch " + branches_.name(i) + " gives " + s.str() +
                         "; they are joined along axis 1, so every other axis must match");
      }
      channels += s[1];
    }
    return first.with_extent(1, channels);
  }

  const Tensor<Scalar>& forward(const Tensor<Scalar>& x) override {
    output_.resize(output_shape(x.shape()));
    branch_channels_.resize(branches_.size());
    for (std::size_t i = 0, offset = 0; i < branches_.size(); ++i) {
      const Tensor<Scalar>& y_i = branches_.forward(i, x);
      branch_channels_[i] = y_i.size(1);
      copy_channels(y_i, 0, output_, static_cast<Index>(offset), branch_channels_[i]);
      offset += static_cast<std::size_t>(branch_channels_[i]);
    }
    return output_;
  }

  const Tensor<Scalar>& backward(const Tensor<Scalar>& dy) override {
    this->check_backward(dy, output_);
    branch_grad_.resize(branches_.size());
    for (std::size_t i = 0, offset = 0; i < branches_.size(); ++i) {
      branch_grad_[i].resize(dy.shape().with_extent(1, branch_channels_[i]));
      copy_channels(dy, static_cast<Index>(offset), branch_grad_[i], 0, branch_channels_[i]);
      offset += static_cast<std::size_t>(branch_channels_[i]);
      detail::Branches<Scalar>::accumulate(branches_.backward(i, branch_grad_[i]), grad_input_, i == 0);
    }
    return grad_input_;
  }

  void visit_children(ChildVisitor<Scalar>& visit) override { branches_.visit(visit); }
  std::unique_ptr<Layer<Scalar>> clone() const override { return std::make_unique<Concat>(*this); }

 private:
  // to[:, to_first : to_first + channels] = from[:, from_first : from_first + channels], sample by sample.
  static void copy_channels(const Tensor<Scalar>& from, Index from_first, Tensor<Scalar>& to, Index to_first,
                            Index channels) {
    const Index n_batch = from.size(0), per_channel = from.shape().inner() / from.size(1);
    const Index from_sample = from.size(1) * per_channel, to_sample = to.size(1) * per_channel;
    const Index block = channels * per_channel;
    parallel_ranges(n_batch, elementwise_work(n_batch * block), 1, [&](Index first, Index last) {
      for (Index n = first; n < last; ++n) {
        const Scalar* src = from.data() + n * from_sample + from_first * per_channel;
        std::copy(src, src + block, to.data() + n * to_sample + to_first * per_channel);
      }
    });
  }

  detail::Branches<Scalar> branches_;
  std::vector<Index> branch_channels_;        // C_i of the last forward
  std::vector<Tensor<Scalar>> branch_grad_;   // dy[:, o_i : o_i + C_i], branch i's output gradient
  Tensor<Scalar> output_, grad_input_;
};

}  // namespace fnn
