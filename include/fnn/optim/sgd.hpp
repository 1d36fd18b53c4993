#pragma once
// SGD with momentum, Nesterov momentum and L2 weight decay, as torch.optim.SGD:
//   g = grad + weight_decay * p
//   buf = g on the first step, then buf = momentum * buf + (1 - dampening) * g
//   g = g + momentum * buf  (Nesterov)   or   g = buf  (classical momentum; plain SGD when momentum = 0)
//   p = p - lr * g
#include <string>

#include "fnn/optim/optimizer.hpp"

namespace fnn {

// SGD's settings, each set by name, as torch.optim.SGD's keyword arguments:
//   SGD<float> sgd(model.parameters(), SGDOptions().lr(0.1).momentum(0.9).weight_decay(5e-4).nesterov(true));
// lr(0.1) sets a value and returns the options, for the next setter; lr() reads it.
class SGDOptions {
 public:
  SGDOptions& lr(double value) { lr_ = value; return *this; }
  SGDOptions& momentum(double value) { momentum_ = value; return *this; }
  SGDOptions& dampening(double value) { dampening_ = value; return *this; }
  SGDOptions& weight_decay(double value) { weight_decay_ = value; return *this; }
  SGDOptions& nesterov(bool value) { nesterov_ = value; return *this; }

  double lr() const { return lr_; }
  double momentum() const { return momentum_; }
  double dampening() const { return dampening_; }
  double weight_decay() const { return weight_decay_; }
  bool nesterov() const { return nesterov_; }

 private:
  double lr_ = 0.01;
  double momentum_ = 0.0;
  double dampening_ = 0.0;
  double weight_decay_ = 0.0;
  bool nesterov_ = false;
};

template <class Scalar>
class SGD final : public Optimizer<Scalar> {
 public:
  SGD(const ParamGroups<Scalar>& params, const SGDOptions& options)
      : Optimizer<Scalar>(params, options.lr(), options.weight_decay()), opt_(options), momentum_(this->zero_state()) {
    if (opt_.nesterov() && (opt_.momentum() <= 0 || opt_.dampening() != 0)) {
      throw ValueError("SGD: Nesterov momentum requires momentum > 0 and dampening = 0");
    }
  }

  void step() override {
    const auto mu = static_cast<Scalar>(opt_.momentum()), damp = static_cast<Scalar>(1 - opt_.dampening());
    this->for_each_piece([&](std::size_t i, Index first, Index last) {
      const auto lr = static_cast<Scalar>(this->lr_of(i)), wd = static_cast<Scalar>(this->weight_decay_of(i));
      auto p = segment(this->params_[i].parameter->value, first, last);
      auto g = segment(this->params_[i].parameter->grad, first, last);
      if (opt_.momentum() == 0) {
        p -= lr * (g + wd * p);
        return;
      }
      auto buf = segment(momentum_[i], first, last);
      if (this->steps_ == 0) {
        buf = g + wd * p;
      } else {
        buf = mu * buf + damp * (g + wd * p);
      }
      if (opt_.nesterov()) {
        p -= lr * (g + wd * p + mu * buf);
      } else {
        p -= lr * buf;
      }
    });
    ++this->steps_;
  }

  const SGDOptions& options() const { return opt_; }

  void save_state(StateDict& state, const std::string& prefix) const override {
    Optimizer<Scalar>::save_state(state, prefix);
    this->save_buffers(state, prefix + "momentum_buffer.", momentum_);
  }
  void load_state(const StateDict& state, const std::string& prefix) override {
    Optimizer<Scalar>::load_state(state, prefix);
    this->load_buffers(state, prefix + "momentum_buffer.", momentum_);
  }

 private:
  SGDOptions opt_;
  std::vector<Tensor<Scalar>> momentum_;
};

}  // namespace fnn
