#pragma once
// RMSprop, as torch.optim.RMSprop:
//   g = grad + weight_decay * p
//   v = alpha * v + (1 - alpha) * g^2                       (v starts at 0)
//   centered:  m = alpha * m + (1 - alpha) * g,  d = sqrt(v - m^2) + eps    (m starts at 0)
//   else:      d = sqrt(v) + eps
//   momentum > 0:  buf = momentum * buf + g / d,  p = p - lr * buf            (buf starts at 0)
//   else:          p = p - lr * g / d
// Centering divides by an estimate of the gradient's deviation instead of its root mean square.
#include <string>

#include "fnn/optim/optimizer.hpp"

namespace fnn {

// RMSprop's settings, each set by name, as torch.optim.RMSprop's keyword arguments:
//   RMSprop<float> rmsprop(model.parameters(), RMSpropOptions().lr(1e-3).momentum(0.9).centered(true));
class RMSpropOptions {
 public:
  RMSpropOptions& lr(double value) { lr_ = value; return *this; }
  RMSpropOptions& alpha(double value) { alpha_ = value; return *this; }
  RMSpropOptions& eps(double value) { eps_ = value; return *this; }
  RMSpropOptions& weight_decay(double value) { weight_decay_ = value; return *this; }
  RMSpropOptions& momentum(double value) { momentum_ = value; return *this; }
  RMSpropOptions& centered(bool value) { centered_ = value; return *this; }

  double lr() const { return lr_; }
  double alpha() const { return alpha_; }
  double eps() const { return eps_; }
  double weight_decay() const { return weight_decay_; }
  double momentum() const { return momentum_; }
  bool centered() const { return centered_; }

 private:
  double lr_ = 0.01;
  double alpha_ = 0.99;
  double eps_ = 1e-8;
  double weight_decay_ = 0.0;
  double momentum_ = 0.0;
  bool centered_ = false;
};

template <class Scalar>
class RMSprop final : public Optimizer<Scalar> {
 public:
  RMSprop(const ParamGroups<Scalar>& params, const RMSpropOptions& options)
      : Optimizer<Scalar>(params, options.lr(), options.weight_decay()), opt_(options), square_avg_(this->zero_state()) {
    if (!(options.alpha() >= 0)) throw ValueError("RMSprop: alpha must be a non-negative number");
    if (!(options.eps() >= 0)) throw ValueError("RMSprop: eps must be a non-negative number");
    if (!(options.momentum() >= 0)) throw ValueError("RMSprop: momentum must be a non-negative number");
    // The optional buffers exist only when used, so that a checkpoint holds what torch's state_dict holds.
    if (options.momentum() > 0) momentum_buffer_ = this->zero_state();
    if (options.centered()) grad_avg_ = this->zero_state();
  }

  void step() override {
    ++this->steps_;
    const auto alpha = static_cast<Scalar>(opt_.alpha()), eps = static_cast<Scalar>(opt_.eps());
    const auto mu = static_cast<Scalar>(opt_.momentum());
    this->for_each_piece([&](std::size_t i, Index first, Index last) {
      const auto lr = static_cast<Scalar>(this->lr_of(i)), wd = static_cast<Scalar>(this->weight_decay_of(i));
      auto p = segment(this->params_[i].parameter->value, first, last);
      const auto g = segment(this->params_[i].parameter->grad, first, last) + wd * p;
      auto v = segment(square_avg_[i], first, last);
      v = alpha * v + (1 - alpha) * g.square();
      const auto update = [&](const auto& d) {
        if (opt_.momentum() > 0) {
          auto buf = segment(momentum_buffer_[i], first, last);
          buf = mu * buf + g / d;
          p -= lr * buf;
        } else {
          p -= lr * g / d;
        }
      };
      if (opt_.centered()) {
        auto m = segment(grad_avg_[i], first, last);
        m = alpha * m + (1 - alpha) * g;
        update((v - m.square()).sqrt() + eps);
      } else {
        update(v.sqrt() + eps);
      }
    });
  }

  const RMSpropOptions& options() const { return opt_; }

  void save_state(StateDict& state, const std::string& prefix) const override {
    Optimizer<Scalar>::save_state(state, prefix);
    this->save_buffers(state, prefix + "square_avg.", square_avg_);
    if (opt_.momentum() > 0) this->save_buffers(state, prefix + "momentum_buffer.", momentum_buffer_);
    if (opt_.centered()) this->save_buffers(state, prefix + "grad_avg.", grad_avg_);
  }
  void load_state(const StateDict& state, const std::string& prefix) override {
    Optimizer<Scalar>::load_state(state, prefix);
    this->load_buffers(state, prefix + "square_avg.", square_avg_);
    if (opt_.momentum() > 0) this->load_buffers(state, prefix + "momentum_buffer.", momentum_buffer_);
    if (opt_.centered()) this->load_buffers(state, prefix + "grad_avg.", grad_avg_);
  }

 private:
  RMSpropOptions opt_;
  std::vector<Tensor<Scalar>> square_avg_, momentum_buffer_, grad_avg_;
};

}  // namespace fnn
