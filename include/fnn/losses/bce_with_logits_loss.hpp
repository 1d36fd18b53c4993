#pragma once
// BCEWithLogitsLoss(reduction = mean, pos_weight = none), as torch.nn.BCEWithLogitsLoss: binary
// cross-entropy of sigmoid(x) against targets t, computed from the logits x. pos_weight w weighs the
// positive term, one weight per class of the input's last axis ([C] for an input [N, C], as torch
// broadcasts it); without it, w = 1:
//   l(x, t) = -(w t log sigmoid(x) + (1 - t) log(1 - sigmoid(x)))
//           = (1 - t) x + (1 + (w - 1) t) softplus(-x)
//   l'(x, t) = (1 - t) - (1 + (w - 1) t) sigmoid(-x)             (= sigmoid(x) - t when w = 1)
// softplus(-x) = log(1 + exp(-x)) is computed as max(-x, 0) + log1p(exp(-|x|)), which neither
// overflows for large |x| nor loses the small values.
#include <string>
#include <vector>

#include "fnn/losses/elementwise_loss.hpp"

namespace fnn {

template <class Scalar>
class BCEWithLogitsLoss final : public ElementwiseLoss<Scalar, BCEWithLogitsLoss<Scalar>> {
 public:
  // pos_weight: one weight per class, or none (empty).
  explicit BCEWithLogitsLoss(Reduction reduction = Reduction::mean, const std::vector<double>& pos_weight = {})
      : ElementwiseLoss<Scalar, BCEWithLogitsLoss>(reduction),
        has_pos_weight_(!pos_weight.empty()),
        weights_({pos_weight.empty() ? Index(1) : static_cast<Index>(pos_weight.size())}, Scalar(1)) {
    for (std::size_t c = 0; c < pos_weight.size(); ++c) weights_[static_cast<Index>(c)] = static_cast<Scalar>(pos_weight[c]);
  }

  bool has_pos_weight() const { return has_pos_weight_; }

  static constexpr const char* loss_name = "BCEWithLogitsLoss";
  void check_values(const Tensor<Scalar>& input, const Tensor<Scalar>& /*target*/) const {
    if (has_pos_weight_ && input.size(input.rank() - 1) != weights_.numel()) {
      throw ShapeError(std::string(loss_name) + ": pos_weight has " + std::to_string(weights_.numel()) +
                       " classes, the input " + input.shape().str() + " has " +
                       std::to_string(input.size(input.rank() - 1)) + " on its last axis");
    }
  }

  // The input as rows of classes, each row weighed by the same pos_weight ([1]: every element by 1).
  double terms(const Tensor<Scalar>& input, const Tensor<Scalar>& target, Tensor<Scalar>& grad) const {
    const Index classes = weights_.numel(), rows = input.numel() / classes;
    const auto x = input.matrix(rows, classes).array();
    const auto t = target.matrix(rows, classes).array();
    const auto w = weights_.row_vector().array().replicate(rows, 1);
    const auto positive_weight = Scalar(1) + (w - Scalar(1)) * t;
    const auto softplus_of_minus_x = (-x).max(Scalar(0)) + (-x.abs()).exp().log1p();
    grad.matrix(rows, classes).array() = (Scalar(1) - t) - positive_weight / (Scalar(1) + x.exp());
    return ((Scalar(1) - t) * x + positive_weight * softplus_of_minus_x).template cast<double>().sum();
  }

 private:
  bool has_pos_weight_;
  Tensor<Scalar> weights_;  // pos_weight, or [1] holding 1
};

}  // namespace fnn
