#pragma once
// ElementwiseLoss: what the losses that compare an input with a target of the same shape, element by
// element, share (MSELoss, L1Loss, SmoothL1Loss, HuberLoss, BCELoss, BCEWithLogitsLoss):
//   loss = sum_i l(x_i, t_i) / count  (mean, count = number of elements)   or   sum_i l(x_i, t_i)  (sum)
//   dloss/dx_i = l'(x_i, t_i) / count  (mean)                              or   l'(x_i, t_i)       (sum)
// A loss derives from ElementwiseLoss<Scalar, itself> and supplies
//   static constexpr const char* loss_name                 "MSELoss", for messages
//   double terms(input, target, grad) const                writes l'(x_i, t_i) into grad[i], returns sum_i l
// and, if some inputs are outside its domain, check_values(input, target), which throws ValueError.
// The frame checks the shapes (a target of the input's shape, a batch that is not empty), reduces, and
// keeps the gradient for backward (LossGradient: no backward after a forward that failed).
#include "fnn/core/tensor.hpp"
#include "fnn/losses/reduction.hpp"
#include "fnn/losses/targets.hpp"

namespace fnn {

template <class Scalar, class Loss>
class ElementwiseLoss {
 public:
  Scalar forward(const Tensor<Scalar>& input, const Tensor<Scalar>& target) {
    Tensor<Scalar>& grad = gradient_.start(Loss::loss_name, input, target);
    self().check_values(input, target);
    const double total = self().terms(input, target, grad);
    const double count = reduction_ == Reduction::mean ? static_cast<double>(input.numel()) : 1.0;
    if (reduction_ == Reduction::mean) grad.array() *= static_cast<Scalar>(1.0 / count);
    gradient_.complete();
    // Terms of exactly 0 may come as -0 (BCELoss's -(t log p) at t = p = 1): the loss is +0.
    return total == 0 ? Scalar(0) : static_cast<Scalar>(total / count);
  }

  // dLoss/dInput for the last forward.
  const Tensor<Scalar>& backward() const { return gradient_.get(Loss::loss_name); }
  Reduction reduction() const { return reduction_; }

 protected:
  explicit ElementwiseLoss(Reduction reduction) : reduction_(reduction) {}
  // Every value is in the domain unless the loss says otherwise.
  void check_values(const Tensor<Scalar>& /*input*/, const Tensor<Scalar>& /*target*/) const {}

 private:
  Loss& self() { return static_cast<Loss&>(*this); }

  Reduction reduction_;
  LossGradient<Scalar> gradient_;
};

}  // namespace fnn
