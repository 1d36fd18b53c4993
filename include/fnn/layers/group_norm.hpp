#pragma once
// GroupNorm(num_groups, num_channels, eps = 1e-5, affine = true), as torch.nn.GroupNorm: the channels of
// each sample split into num_groups groups of num_channels / num_groups, each group normalised over its
// channels and positions by its own statistics, then a per-channel scale and shift.
//   input x [N, C, ...] (S positions per channel)   weight gamma [C], bias beta [C] (if affine)
//   read as x [N*G, (C/G)*S], a row per sample and group (a group's channels lie side by side in NCHW):
//   xhat = the row normalised (row_normalization.hpp)    y[n, c, s] = gamma_c xhat[n, c, s] + beta_c
// Backward:  dgamma_c += sum over n, s of dy xhat     dbeta_c += sum over n, s of dy
//            dxhat = dy gamma_c,  and dx from dxhat as row_normalization.hpp writes it.
#include <memory>
#include <string>
#include <vector>

#include "fnn/layers/layer.hpp"
#include "fnn/layers/row_normalization.hpp"

namespace fnn {

template <class Scalar>
class GroupNorm final : public Layer<Scalar> {
 public:
  GroupNorm(Index num_groups, Index num_channels, double eps = 1e-5, bool affine = true)
      : groups_(num_groups), channels_(num_channels), eps_(static_cast<Scalar>(eps)), affine_(affine),
        weight_({num_channels}), bias_({num_channels}) {
    if (groups_ < 1 || channels_ < 1 || channels_ % groups_ != 0) {
      throw ValueError(name() + ": the number of channels must be a positive multiple of the number of groups");
    }
    weight_.value.fill(Scalar(1));
  }

  std::string name() const override {
    return "GroupNorm(" + std::to_string(groups_) + ", " + std::to_string(channels_) + (affine_ ? "" : ", affine=False") +
           ")";
  }

  bool samples_independent() const override { return true; }
  std::unique_ptr<Layer<Scalar>> clone() const override { return std::make_unique<GroupNorm>(*this); }

  Shape output_shape(const Shape& in) const override {
    if (in.rank() < 2 || in[1] != channels_) {
      throw ShapeError(name() + ": expected an input [N, " + std::to_string(channels_) + ", ...], got " + in.str());
    }
    return in;
  }

  const Tensor<Scalar>& forward(const Tensor<Scalar>& x) override {
    output_shape(x.shape());
    const Index rows = x.size(0) * groups_, length = x.shape().inner() / groups_;
    xhat_.resize(x.shape());
    inv_std_.resize({rows});
    detail::normalise_rows(x.data(), rows, length, eps_, xhat_.data(), inv_std_.data());
    output_.resize(x.shape());
    for_each_channel(x.shape(), [&](Index c, Index offset, Index positions) {
      segment(output_, offset, offset + positions) =
          segment(xhat_, offset, offset + positions) * weight_.value[c] + bias_.value[c];
    });
    return output_;
  }

  const Tensor<Scalar>& backward(const Tensor<Scalar>& dy) override {
    this->check_backward(dy, output_);
    const Index rows = dy.size(0) * groups_, length = dy.shape().inner() / groups_;
    grad_xhat_.resize(dy.shape());
    for_each_channel(dy.shape(), [&](Index c, Index offset, Index positions) {
      const auto d = segment(dy, offset, offset + positions);
      if (affine_) {
        weight_.grad[c] += (d * segment(xhat_, offset, offset + positions)).sum();
        bias_.grad[c] += d.sum();
      }
      segment(grad_xhat_, offset, offset + positions) = d * weight_.value[c];
    });
    grad_input_.resize(dy.shape());
    detail::normalised_rows_backward(grad_xhat_.data(), xhat_.data(), inv_std_.data(), rows, length,
                                     grad_input_.data());
    return grad_input_;
  }

  std::vector<ParameterRef<Scalar>> parameters() override {
    if (!affine_) return {};
    return {{"weight", &weight_}, {"bias", &bias_}};
  }
  Parameter<Scalar>& weight() { return weight_; }
  Parameter<Scalar>& bias() { return bias_; }

 private:
  // Calls f(channel, offset of its first element, positions) for every sample's every channel, in memory
  // order: the per-channel scale and shift (the parameter gradients are summed here, on one thread).
  template <class F>
  void for_each_channel(const Shape& shape, F f) const {
    const Index positions = shape.inner() / channels_;
    for (Index n = 0, offset = 0; n < shape[0]; ++n)
      for (Index c = 0; c < channels_; ++c, offset += positions) f(c, offset, positions);
  }

  Index groups_, channels_;
  Scalar eps_;
  bool affine_;
  Parameter<Scalar> weight_, bias_;  // gamma and beta, per channel; 1 and 0 without affine
  Tensor<Scalar> xhat_, inv_std_;    // the normalised input, and 1 / std per sample and group
  Tensor<Scalar> grad_xhat_;         // dy gamma_c
  Tensor<Scalar> output_, grad_input_;
};

}  // namespace fnn
