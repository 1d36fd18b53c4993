#pragma once
// Learning-rate schedules, as in PyTorch: each sets the optimizer's rate from the base rate it had when
// the schedule was made. StepLR and CosineAnnealingLR step once per epoch (t counts epochs), OneCycleLR
// once per batch (t counts optimizer steps); fit() steps each at its interval.
//   StepLR:             lr(t) = base * gamma^floor(t / step_size)
//   CosineAnnealingLR:  lr(t) = eta_min + (base - eta_min) * (1 + cos(pi * t / T_max)) / 2
//   OneCycleLR:         cosine from max_lr / div_factor up to max_lr over the first pct_start of the steps,
//                       then cosine down to max_lr / (div_factor * final_div_factor) at the last step
#include <algorithm>
#include <cmath>
#include <string>

#include "fnn/optim/optimizer.hpp"

namespace fnn {

enum class ScheduleInterval { epoch, batch };

template <class Scalar>
class LrScheduler {
 public:
  virtual ~LrScheduler() = default;

  // Ends an epoch or a batch (see interval()): sets the rate for the next one.
  void step() { opt_.set_lr(lr_at(++steps_)); }
  long long steps() const { return steps_; }
  virtual ScheduleInterval interval() const { return ScheduleInterval::epoch; }

  // The step count is the schedule's part of a checkpoint (the rate itself is the optimizer's).
  void save_state(StateDict& state, const std::string& prefix) const { state.put_number(prefix + "steps", steps_); }
  void load_state(const StateDict& state, const std::string& prefix) { steps_ = state.get_integer(prefix + "steps"); }

 protected:
  explicit LrScheduler(Optimizer<Scalar>& optimizer) : opt_(optimizer), base_(optimizer.lr()) {}
  virtual double lr_at(long long t) const = 0;
  double base() const { return base_; }
  void start_at(double lr) { opt_.set_lr(lr); }

 private:
  Optimizer<Scalar>& opt_;
  double base_;
  long long steps_ = 0;
};

// Cosine interpolation from `from` (pct = 0) to `to` (pct = 1).
inline double cosine_between(double from, double to, double pct) {
  const double pi = 3.14159265358979323846;
  return to + (from - to) * (1 + std::cos(pi * pct)) / 2;
}

template <class Scalar>
class StepLR final : public LrScheduler<Scalar> {
 public:
  StepLR(Optimizer<Scalar>& optimizer, int step_size, double gamma = 0.1)
      : LrScheduler<Scalar>(optimizer), step_size_(step_size), gamma_(gamma) {
    if (step_size < 1) throw ValueError("StepLR: step_size must be positive");
  }

 private:
  double lr_at(long long t) const override { return this->base() * std::pow(gamma_, t / step_size_); }

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
  double lr_at(long long t) const override {
    return cosine_between(this->base(), eta_min_, static_cast<double>(t) / t_max_);
  }

  int t_max_;
  double eta_min_;
};

// PyTorch's OneCycleLR with its cosine annealing, for the learning rate only (PyTorch also cycles the
// momentum by default). The rate is max_lr / div_factor from construction on.
template <class Scalar>
class OneCycleLR final : public LrScheduler<Scalar> {
 public:
  OneCycleLR(Optimizer<Scalar>& optimizer, double max_lr, long long total_steps, double pct_start = 0.3,
             double div_factor = 25, double final_div_factor = 1e4)
      : LrScheduler<Scalar>(optimizer),
        max_lr_(max_lr),
        initial_lr_(max_lr / div_factor),
        min_lr_(max_lr / div_factor / final_div_factor),
        warmup_end_(pct_start * static_cast<double>(total_steps) - 1),
        last_step_(static_cast<double>(total_steps) - 1) {
    if (!(pct_start > 0 && pct_start < 1)) throw ValueError("OneCycleLR: pct_start must lie in (0, 1)");
    if (warmup_end_ < 1 || last_step_ <= warmup_end_) {
      throw ValueError("OneCycleLR: " + std::to_string(total_steps) + " steps leave no room for warm-up and annealing");
    }
    this->start_at(initial_lr_);
  }
  ScheduleInterval interval() const override { return ScheduleInterval::batch; }

 private:
  double lr_at(long long t) const override {
    const double step = static_cast<double>(t);
    if (step <= warmup_end_) return cosine_between(initial_lr_, max_lr_, step / warmup_end_);
    return cosine_between(max_lr_, min_lr_, std::min(1.0, (step - warmup_end_) / (last_step_ - warmup_end_)));
  }

  double max_lr_, initial_lr_, min_lr_, warmup_end_, last_step_;
};

}  // namespace fnn
