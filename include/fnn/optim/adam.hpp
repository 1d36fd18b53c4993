#pragma once
// Adam, as torch.optim.Adam, and AdamW with decoupled_weight_decay, as torch.optim.AdamW. Step t >= 1:
//   Adam:  g = grad + weight_decay * p           AdamW: p = p * (1 - lr * weight_decay),  g = grad
//   m = beta1 m + (1 - beta1) g                  v = beta2 v + (1 - beta2) g^2
//   p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
#include <cmath>
#include <string>

#include "fnn/optim/optimizer.hpp"

namespace fnn {

// Adam's settings, each set by name, as torch.optim.Adam's keyword arguments:
//   Adam<float> adamw(model.parameters(), AdamOptions().lr(1e-3).weight_decay(0.05).decoupled_weight_decay(true));
// lr(0.1) sets a value and returns the options, for the next setter; lr() reads it.
class AdamOptions {
 public:
  AdamOptions& lr(double value) { lr_ = value; return *this; }
  AdamOptions& beta1(double value) { beta1_ = value; return *this; }
  AdamOptions& beta2(double value) { beta2_ = value; return *this; }
  AdamOptions& eps(double value) { eps_ = value; return *this; }
  AdamOptions& weight_decay(double value) { weight_decay_ = value; return *this; }
  AdamOptions& decoupled_weight_decay(bool value) { decoupled_weight_decay_ = value; return *this; }  // AdamW

  double lr() const { return lr_; }
  double beta1() const { return beta1_; }
  double beta2() const { return beta2_; }
  double eps() const { return eps_; }
  double weight_decay() const { return weight_decay_; }
  bool decoupled_weight_decay() const { return decoupled_weight_decay_; }

 private:
  double lr_ = 1e-3;
  double beta1_ = 0.9;
  double beta2_ = 0.999;
  double eps_ = 1e-8;
  double weight_decay_ = 0.0;
  bool decoupled_weight_decay_ = false;
};

template <class Scalar>
class Adam final : public Optimizer<Scalar> {
 public:
  Adam(const ParamGroups<Scalar>& params, const AdamOptions& options)
      : Optimizer<Scalar>(params, options.lr(), options.weight_decay()), opt_(options), m_(this->zero_state()),
        v_(this->zero_state()) {}

  void step() override {
    ++this->steps_;
    const double t = static_cast<double>(this->steps_);
    const auto b1 = static_cast<Scalar>(opt_.beta1()), b2 = static_cast<Scalar>(opt_.beta2());
    const double bias_correction1 = 1 - std::pow(opt_.beta1(), t);
    const auto sqrt_bc2 = static_cast<Scalar>(std::sqrt(1 - std::pow(opt_.beta2(), t)));
    const auto eps = static_cast<Scalar>(opt_.eps());
    this->for_each_piece([&](std::size_t i, Index first, Index last) {
      const auto step_size = static_cast<Scalar>(this->lr_of(i) / bias_correction1);
      const auto wd = static_cast<Scalar>(this->weight_decay_of(i));
      const auto decay = static_cast<Scalar>(1 - this->lr_of(i) * this->weight_decay_of(i));
      auto p = segment(this->params_[i].parameter->value, first, last);
      auto g = segment(this->params_[i].parameter->grad, first, last);
      auto m = segment(m_[i], first, last);
      auto v = segment(v_[i], first, last);
      if (opt_.decoupled_weight_decay()) {
        p *= decay;
        m = b1 * m + (1 - b1) * g;
        v = b2 * v + (1 - b2) * g.square();
      } else {
        m = b1 * m + (1 - b1) * (g + wd * p);
        v = b2 * v + (1 - b2) * (g + wd * p).square();
      }
      p -= step_size * m / (v.sqrt() / sqrt_bc2 + eps);
    });
  }

  const AdamOptions& options() const { return opt_; }

  void save_state(StateDict& state, const std::string& prefix) const override {
    Optimizer<Scalar>::save_state(state, prefix);
    this->save_buffers(state, prefix + "exp_avg.", m_);
    this->save_buffers(state, prefix + "exp_avg_sq.", v_);
  }
  void load_state(const StateDict& state, const std::string& prefix) override {
    Optimizer<Scalar>::load_state(state, prefix);
    this->load_buffers(state, prefix + "exp_avg.", m_);
    this->load_buffers(state, prefix + "exp_avg_sq.", v_);
  }

 private:
  AdamOptions opt_;
  std::vector<Tensor<Scalar>> m_, v_;
};

}  // namespace fnn
