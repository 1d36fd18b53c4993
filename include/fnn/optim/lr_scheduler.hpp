#pragma once
// Learning-rate schedules, stepped once per epoch as in PyTorch: each sets the optimizer's rate from the
// base rate it had when the schedule was made.
//   StepLR:             lr(e) = base * gamma^floor(e / step_size)
//   CosineAnnealingLR:  lr(e) = eta_min + (base - eta_min) * (1 + cos(pi * e / T_max)) / 2
#include <cmath>
#include <string>

#include "fnn/optim/optimizer.hpp"

namespace fnn {

template <class Scalar>
class LrScheduler {
 public:
  virtual ~LrScheduler() = default;

  // Ends an epoch: sets the rate for the next one.
  void step() { opt_.set_lr(lr_at(++epoch_)); }
  int epoch() const { return epoch_; }

  // The epoch count is the schedule's part of a checkpoint (the rate itself is the optimizer's).
  void save_state(StateDict& state, const std::string& prefix) const {
    state.put_number(prefix + "epoch", epoch_);
  }
  void load_state(const StateDict& state, const std::string& prefix) {
    epoch_ = static_cast<int>(state.get_integer(prefix + "epoch"));
  }

 protected:
  explicit LrScheduler(Optimizer<Scalar>& optimizer) : opt_(optimizer), base_(optimizer.lr()) {}
  virtual double lr_at(int epoch) const = 0;
  double base() const { return base_; }

 private:
  Optimizer<Scalar>& opt_;
  double base_;
  int epoch_ = 0;
};

template <class Scalar>
class StepLR final : public LrScheduler<Scalar> {
 public:
  StepLR(Optimizer<Scalar>& optimizer, int step_size, double gamma = 0.1)
      : LrScheduler<Scalar>(optimizer), step_size_(step_size), gamma_(gamma) {
    if (step_size < 1) throw ValueError("StepLR: step_size must be positive");
  }

 private:
  double lr_at(int epoch) const override { return this->base() * std::pow(gamma_, epoch / step_size_); }

  int step_size_;
  double gamma_;
};

template <class Scalar>
class CosineAnnealingLR final : public LrScheduler<Scalar> {
 public:
  CosineAnnealingLR(Optimizer<Scalar>& optimizer, int t_max, double eta_min = 0.0)
      : LrScheduler<Scalar>(optimizer), t_max_(t_max), eta_min_(eta_min) {
    if (t_max < 1) throw ValueError("CosineAnnealingLR: T_max must be positive");
  }

 private:
  double lr_at(int epoch) const override {
    const double pi = 3.14159265358979323846;
    return eta_min_ + (this->base() - eta_min_) * (1 + std::cos(pi * epoch / t_max_)) / 2;
  }

  int t_max_;
  double eta_min_;
};

}  // namespace fnn
