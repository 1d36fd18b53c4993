#pragma once
// CrossEntropyLoss on raw logits, as torch.nn.CrossEntropyLoss: log-softmax and NLL fused, which is
// exact for large logits and gives the simple gradient. Options as torch's: class weights w (weight=,
// default 1 for every class), the reduction (mean or sum) and label smoothing e, which makes the target
// (1 - e) on the true class t_n plus e / C on every class. With lp = log_softmax(x) and s = softmax(x):
//   loss = (1/D) sum_n [ (1 - e) w[t_n] (-lp[n, t_n]) + (e/C) sum_c w[c] (-lp[n, c]) ]
//   dloss/dx[n, j] = (1/D) [ s[n, j] ((1 - e) w[t_n] + (e/C) W) - (e/C) w[j] - (1 - e) w[t_n] [j == t_n] ]
// where W = sum_c w[c], and D = sum_n w[t_n] for the mean (N without weights), 1 for the sum: the mean
// is weighted by the targets' weights, as torch's.
#include <cmath>
#include <string>
#include <vector>

#include "fnn/layers/log_softmax.hpp"
#include "fnn/losses/reduction.hpp"
#include "fnn/losses/targets.hpp"

namespace fnn {

template <class Scalar>
class CrossEntropyLoss {
 public:
  explicit CrossEntropyLoss(double label_smoothing = 0.0) : CrossEntropyLoss({}, Reduction::mean, label_smoothing) {}
  // weight: one non-negative weight per class, or none (empty), as torch's weight=.
  CrossEntropyLoss(std::vector<double> weight, Reduction reduction = Reduction::mean, double label_smoothing = 0.0)
      : weight_(std::move(weight)), reduction_(reduction), smoothing_(label_smoothing) {
    if (!(label_smoothing >= 0.0 && label_smoothing <= 1.0)) {
      throw ValueError("CrossEntropyLoss: label_smoothing must be in [0, 1], got " + std::to_string(label_smoothing));
    }
    for (std::size_t c = 0; c < weight_.size(); ++c) {
      if (!(weight_[c] >= 0.0 && std::isfinite(weight_[c]))) {
        throw ValueError("CrossEntropyLoss: the weight of class " + std::to_string(c) +
                         " must be finite and non-negative, got " + std::to_string(weight_[c]));
      }
    }
  }

  Scalar forward(const Tensor<Scalar>& logits, const Targets& targets) {
    Tensor<Scalar>& grad = gradient_.start("CrossEntropyLoss", logits, targets);
    const Index batch = logits.size(0), classes = logits.size(1);
    set_class_weights(classes);
    log_softmax_rows(logits, log_probs_);
    const auto lp = log_probs_.matrix();
    const auto w = class_weights_.row_vector();
    auto g = grad.matrix();
    const double e = smoothing_, spread = e / static_cast<double>(classes), all_weights = w.template cast<double>().sum();
    double targets_weight = 0, nll = 0, uniform = 0;
    for (Index n = 0; n < batch; ++n) {
      const auto t = targets[static_cast<std::size_t>(n)];
      const double wt = w[t];
      targets_weight += wt;
      nll -= wt * lp(n, t);
      g.row(n) = lp.row(n).array().exp().matrix() * static_cast<Scalar>((1 - e) * wt + spread * all_weights) -
                 static_cast<Scalar>(spread) * w;
      g(n, t) -= static_cast<Scalar>((1 - e) * wt);
      if (e > 0) uniform -= lp.row(n).template cast<double>().dot(w.template cast<double>());
    }
    const double divisor = reduction_ == Reduction::mean ? targets_weight : 1.0;
    if (!(divisor > 0)) {
      throw ValueError("CrossEntropyLoss: the weights of the batch's targets sum to 0; their mean does not exist");
    }
    grad.array() *= static_cast<Scalar>(1 / divisor);
    gradient_.complete();
    const double loss = ((1 - e) * nll + spread * uniform) / divisor;
    // Confident, correct predictions give log-probabilities of exactly 0, and -0 would be reported.
    return loss == 0 ? Scalar(0) : static_cast<Scalar>(loss);
  }

  const Tensor<Scalar>& backward() const { return gradient_.get("CrossEntropyLoss"); }

  // log_softmax of the last logits: the per-class log-probabilities, for metrics.
  const Tensor<Scalar>& log_probs() const { return log_probs_; }
  double label_smoothing() const { return smoothing_; }
  Reduction reduction() const { return reduction_; }
  const std::vector<double>& weight() const { return weight_; }

 private:
  // class_weights_ = weight, or 1 for each of the logits' classes.
  void set_class_weights(Index classes) {
    class_weights_.resize({classes});
    if (weight_.empty()) {
      class_weights_.fill(Scalar(1));
      return;
    }
    if (static_cast<Index>(weight_.size()) != classes) {
      throw ShapeError("CrossEntropyLoss: " + std::to_string(weight_.size()) + " class weights for logits of " +
                       std::to_string(classes) + " classes");
    }
    for (Index c = 0; c < classes; ++c) class_weights_[c] = static_cast<Scalar>(weight_[static_cast<std::size_t>(c)]);
  }

  std::vector<double> weight_;
  Reduction reduction_;
  double smoothing_;
  Tensor<Scalar> log_probs_, class_weights_;
  LossGradient<Scalar> gradient_;
};

}  // namespace fnn
