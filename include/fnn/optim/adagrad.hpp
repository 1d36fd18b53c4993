#pragma once
// Adagrad, as torch.optim.Adagrad. Step t >= 1:
//   g = grad + weight_decay * p
//   clr = lr / (1 + (t - 1) * lr_decay)
//   sum = sum + g^2                          (sum starts at initial_accumulator_value)
//   p = p - clr * g / (sqrt(sum) + eps)
// Each element's rate shrinks with the gradients it has seen: rarely updated features keep a large one.
#include <string>

#include "fnn/optim/optimizer.hpp"

namespace fnn {

// Adagrad's settings, each set by name, as torch.optim.Adagrad's keyword arguments:
//   Adagrad<float> adagrad(model.parameters(), AdagradOptions().lr(0.05).lr_decay(1e-4));
class AdagradOptions {
 public:
  AdagradOptions& lr(double value) { lr_ = value; return *this; }
  AdagradOptions& lr_decay(double value) { lr_decay_ = value; return *this; }
  AdagradOptions& weight_decay(double value) { weight_decay_ = value; return *this; }
  AdagradOptions& initial_accumulator_value(double value) { initial_accumulator_value_ = value; return *this; }
  AdagradOptions& eps(double value) { eps_ = value; return *this; }

  double lr() const { return lr_; }
  double lr_decay() const { return lr_decay_; }
  double weight_decay() const { return weight_decay_; }
  double initial_accumulator_value() const { return initial_accumulator_value_; }
  double eps() const { return eps_; }

 private:
  double lr_ = 0.01;
  double lr_decay_ = 0.0;
  double weight_decay_ = 0.0;
  double initial_accumulator_value_ = 0.0;
  double eps_ = 1e-10;
};

template <class Scalar>
class Adagrad final : public Optimizer<Scalar> {
 public:
  Adagrad(const ParamGroups<Scalar>& params, const AdagradOptions& options)
      : Optimizer<Scalar>(params, options.lr(), options.weight_decay()), opt_(options), sum_(this->zero_state()) {
    if (!(options.lr_decay() >= 0)) throw ValueError("Adagrad: lr_decay must be a non-negative number");
    if (!(options.initial_accumulator_value() >= 0)) {
      throw ValueError("Adagrad: initial_accumulator_value must be a non-negative number");
    }
    if (!(options.eps() >= 0)) throw ValueError("Adagrad: eps must be a non-negative number");
    for (auto& s : sum_) s.fill(static_cast<Scalar>(options.initial_accumulator_value()));
  }

  void step() override {
    ++this->steps_;
    const double decay = 1 + static_cast<double>(this->steps_ - 1) * opt_.lr_decay();
    const auto eps = static_cast<Scalar>(opt_.eps());
    this->for_each_piece([&](std::size_t i, Index first, Index last) {
      const auto clr = static_cast<Scalar>(this->lr_of(i) / decay);
      const auto wd = static_cast<Scalar>(this->weight_decay_of(i));
      auto p = segment(this->params_[i].parameter->value, first, last);
      const auto g = segment(this->params_[i].parameter->grad, first, last) + wd * p;
      auto sum = segment(sum_[i], first, last);
      sum += g.square();
      p -= clr * g / (sum.sqrt() + eps);
    });
  }

  const AdagradOptions& options() const { return opt_; }

  void save_state(StateDict& state, const std::string& prefix) const override {
    Optimizer<Scalar>::save_state(state, prefix);
    this->save_buffers(state, prefix + "sum.", sum_);
  }
  void load_state(const StateDict& state, const std::string& prefix) override {
    Optimizer<Scalar>::load_state(state, prefix);
    this->load_buffers(state, prefix + "sum.", sum_);
  }

 private:
  AdagradOptions opt_;
  std::vector<Tensor<Scalar>> sum_;
};

}  // namespace fnn
