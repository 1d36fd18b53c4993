#pragma once
// Learning-rate schedules, as in PyTorch: each sets the rate of every parameter group of the optimizer
// from the group's base rate, the one it had when the first schedule was made on it (torch's initial_lr). StepLR, CosineAnnealingLR, LinearLR and
// SequentialLR step once per epoch (t counts epochs), OneCycleLR once per batch (t counts optimizer
// steps), ReduceLROnPlateau once per epoch with a validation metric; fit() steps each at its interval.
//   StepLR:             lr(t) = base * gamma^floor(t / step_size)
//   CosineAnnealingLR:  lr(t) = eta_min + (base - eta_min) * (1 + cos(pi * t / T_max)) / 2
//   LinearLR:           lr(t) = base * (start + (end - start) * min(t, total_iters) / total_iters)
//   OneCycleLR:         cosine from max_lr / div_factor up to max_lr over the first pct_start of the steps,
//                       then cosine down to max_lr / (div_factor * final_div_factor) at the last step
//   SequentialLR:       schedule i from milestone i - 1 on, restarted there at its own t = 0
//   ReduceLROnPlateau:  lr = max(lr * factor, min_lr) once the metric has not improved for more than
//                       `patience` epochs, then `cooldown` epochs without counting
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "fnn/optim/optimizer.hpp"

namespace fnn {

enum class ScheduleInterval { epoch, batch };

// What fit() and checkpoints see of a schedule.
template <class Scalar>
class LrScheduler {
 public:
  virtual ~LrScheduler() = default;

  // Ends an epoch or a batch (see interval()): sets the rate for the next one.
  virtual void step() = 0;
  // Ends an epoch whose validation metric is `metric`: the step of a schedule that follows a metric
  // (takes_metric(), ReduceLROnPlateau); the others take none.
  virtual void step(double /*metric*/) { throw UsageError("this learning-rate schedule takes no metric: call step()"); }
  virtual bool takes_metric() const { return false; }
  long long steps() const { return steps_; }
  virtual ScheduleInterval interval() const { return ScheduleInterval::epoch; }
  const Optimizer<Scalar>& optimizer() const { return opt_; }

  // The step count is the schedule's part of a checkpoint (the rate itself is the optimizer's); schedules
  // with more state add theirs.
  virtual void save_state(StateDict& state, const std::string& prefix) const {
    state.put_number(prefix + "steps", static_cast<double>(steps_));
  }
  virtual void load_state(const StateDict& state, const std::string& prefix) {
    steps_ = state.get_integer(prefix + "steps");
  }

 protected:
  explicit LrScheduler(Optimizer<Scalar>& optimizer) : opt_(optimizer) {}
  Optimizer<Scalar>& mutable_optimizer() { return opt_; }

  long long steps_ = 0;

 private:
  Optimizer<Scalar>& opt_;
};

// A schedule whose rate is a formula of the step count t and the base rate: lr_at(t, base).
template <class Scalar>
class FormulaLrScheduler : public LrScheduler<Scalar> {
 public:
  using LrScheduler<Scalar>::step;
  void step() final { set_rate(++this->steps_); }
  // Back to t = 0 and the formula's rate there, as torch's scheduler.step(0): SequentialLR restarts each
  // schedule at its milestone.
  void restart() {
    this->steps_ = 0;
    set_rate(0);
  }

 protected:
  explicit FormulaLrScheduler(Optimizer<Scalar>& optimizer) : LrScheduler<Scalar>(optimizer) {
    for (std::size_t g = 0; g < optimizer.group_count(); ++g) bases_.push_back(optimizer.schedule_base_lr(g));
  }
  virtual double lr_at(long long t, double base) const = 0;

 private:
  void set_rate(long long t) {
    for (std::size_t g = 0; g < bases_.size(); ++g) this->mutable_optimizer().set_group_lr(g, lr_at(t, bases_[g]));
  }

  std::vector<double> bases_;  // each group's
};

// Cosine interpolation from `from` (pct = 0) to `to` (pct = 1).
inline double cosine_between(double from, double to, double pct) {
  const double pi = 3.14159265358979323846;
  return to + (from - to) * (1 + std::cos(pi * pct)) / 2;
}

template <class Scalar>
class StepLR final : public FormulaLrScheduler<Scalar> {
 public:
  StepLR(Optimizer<Scalar>& optimizer, int step_size, double gamma = 0.1)
      : FormulaLrScheduler<Scalar>(optimizer), step_size_(step_size), gamma_(gamma) {
    if (step_size < 1) throw ValueError("StepLR: step_size must be positive");
  }

 private:
  double lr_at(long long t, double base) const override { return base * std::pow(gamma_, t / step_size_); }

  int step_size_;
  double gamma_;
};

template <class Scalar>
class CosineAnnealingLR final : public FormulaLrScheduler<Scalar> {
 public:
  CosineAnnealingLR(Optimizer<Scalar>& optimizer, int t_max, double eta_min = 0.0)
      : FormulaLrScheduler<Scalar>(optimizer), t_max_(t_max), eta_min_(eta_min) {
    if (t_max < 1) throw ValueError("CosineAnnealingLR: T_max must be positive");
  }

 private:
  double lr_at(long long t, double base) const override {
    return cosine_between(base, eta_min_, static_cast<double>(t) / t_max_);
  }

  int t_max_;
  double eta_min_;
};

// PyTorch's OneCycleLR with its cosine annealing, for the learning rate only (PyTorch also cycles the
// momentum by default). The rate is max_lr / div_factor from construction on. The cycle spans
// `total_steps` optimizer steps, or, given a `progress` function instead (a TimeBudget's, from 0 to 1),
// whatever steps the run takes: each step then sets the rate for the progress made.
template <class Scalar>
class OneCycleLR final : public FormulaLrScheduler<Scalar> {
 public:
  OneCycleLR(Optimizer<Scalar>& optimizer, double max_lr, long long total_steps, double pct_start = 0.3,
             double div_factor = 25, double final_div_factor = 1e4)
      : OneCycleLR(optimizer, Rates{max_lr, pct_start, div_factor, final_div_factor}) {
    warmup_end_ = pct_start * static_cast<double>(total_steps) - 1;
    last_step_ = static_cast<double>(total_steps) - 1;
    if (warmup_end_ < 1 || last_step_ <= warmup_end_) {
      throw ValueError("OneCycleLR: " + std::to_string(total_steps) + " steps leave no room for warm-up and annealing");
    }
    this->restart();
  }
  OneCycleLR(Optimizer<Scalar>& optimizer, double max_lr, std::function<double()> progress, double pct_start = 0.3,
             double div_factor = 25, double final_div_factor = 1e4)
      : OneCycleLR(optimizer, Rates{max_lr, pct_start, div_factor, final_div_factor}) {
    if (!progress) throw ValueError("OneCycleLR: the progress function is empty");
    progress_ = std::move(progress);
    warmup_end_ = pct_start;
    last_step_ = 1;
    this->restart();
  }
  ScheduleInterval interval() const override { return ScheduleInterval::batch; }

 private:
  struct Rates {
    double max_lr, pct_start, div_factor, final_div_factor;
  };
  OneCycleLR(Optimizer<Scalar>& optimizer, Rates r)
      : FormulaLrScheduler<Scalar>(optimizer),
        max_lr_(r.max_lr),
        initial_lr_(r.max_lr / r.div_factor),
        min_lr_(r.max_lr / r.div_factor / r.final_div_factor) {
    if (!(r.pct_start > 0 && r.pct_start < 1)) throw ValueError("OneCycleLR: pct_start must lie in (0, 1)");
  }

  // The cycle's position is the step count, or the progress; it peaks at warmup_end_ and ends at last_step_.
  double lr_at(long long t, double /*base: the rates follow max_lr*/) const override {
    const double position = progress_ ? progress_() : static_cast<double>(t);
    if (position <= warmup_end_) return cosine_between(initial_lr_, max_lr_, position / warmup_end_);
    return cosine_between(max_lr_, min_lr_, std::min(1.0, (position - warmup_end_) / (last_step_ - warmup_end_)));
  }

  double max_lr_, initial_lr_, min_lr_, warmup_end_ = 0, last_step_ = 0;
  std::function<double()> progress_;
};

// torch.optim.lr_scheduler.LinearLR: the rate goes linearly from base * start_factor (set at construction)
// to base * end_factor over total_iters epochs and stays there; a warm-up, chained with SequentialLR.
template <class Scalar>
class LinearLR final : public FormulaLrScheduler<Scalar> {
 public:
  explicit LinearLR(Optimizer<Scalar>& optimizer, double start_factor = 1.0 / 3, double end_factor = 1.0,
                    int total_iters = 5)
      : FormulaLrScheduler<Scalar>(optimizer), start_(start_factor), end_(end_factor), total_(total_iters) {
    if (!(start_factor > 0 && start_factor <= 1)) throw ValueError("LinearLR: start_factor must lie in (0, 1]");
    if (!(end_factor >= 0 && end_factor <= 1)) throw ValueError("LinearLR: end_factor must lie in [0, 1]");
    if (total_iters < 1) throw ValueError("LinearLR: total_iters must be positive");
    this->restart();
  }

 private:
  double lr_at(long long t, double base) const override {
    return base * (start_ + (end_ - start_) * static_cast<double>(std::min<long long>(t, total_)) / total_);
  }

  double start_, end_;
  int total_;
};

// torch.optim.lr_scheduler.SequentialLR: schedules[0] until milestones[0], then schedules[1], restarted at
// its t = 0, until milestones[1], and so on; a warm-up followed by the main schedule:
//   auto warmup = std::make_shared<fnn::LinearLR<float>>(sgd, 0.1, 1.0, 5);
//   auto cosine = std::make_shared<fnn::CosineAnnealingLR<float>>(sgd, 45);
//   options.schedule = std::make_shared<fnn::SequentialLR<float>>(sgd, {warmup, cosine}, {5});
// The schedules are made on the same optimizer first; like torch, this one then sets the rate back to the
// base and restarts the first schedule, undoing what constructing the later ones set.
template <class Scalar>
class SequentialLR final : public LrScheduler<Scalar> {
 public:
  using Schedules = std::vector<std::shared_ptr<FormulaLrScheduler<Scalar>>>;

  SequentialLR(Optimizer<Scalar>& optimizer, Schedules schedules, std::vector<long long> milestones)
      : LrScheduler<Scalar>(optimizer), schedules_(std::move(schedules)), milestones_(std::move(milestones)) {
    if (schedules_.empty()) throw ValueError("SequentialLR: no schedule to follow");
    if (milestones_.size() + 1 != schedules_.size()) {
      throw ValueError("SequentialLR: " + std::to_string(schedules_.size()) + " schedules need " +
                       std::to_string(schedules_.size() - 1) + " milestones, not " + std::to_string(milestones_.size()));
    }
    for (std::size_t i = 0; i < schedules_.size(); ++i) {
      if (!schedules_[i]) throw ValueError("SequentialLR: schedule " + std::to_string(i) + " is null");
      if (&schedules_[i]->optimizer() != &optimizer) {
        throw ValueError("SequentialLR: schedule " + std::to_string(i) + " belongs to another optimizer");
      }
      if (schedules_[i]->interval() != schedules_[0]->interval()) {
        throw ValueError("SequentialLR: the schedules must all step per epoch or all per batch");
      }
      if (i > 0 && !(milestones_[i - 1] > (i > 1 ? milestones_[i - 2] : 0))) {
        throw ValueError("SequentialLR: the milestones must be positive and increasing");
      }
    }
    for (std::size_t g = 0; g < optimizer.group_count(); ++g) optimizer.set_group_lr(g, optimizer.schedule_base_lr(g));
    schedules_[0]->restart();
  }

  using LrScheduler<Scalar>::step;
  void step() override {
    ++this->steps_;
    const auto after = std::upper_bound(milestones_.begin(), milestones_.end(), this->steps_);
    const auto index = static_cast<std::size_t>(after - milestones_.begin());
    if (index > 0 && milestones_[index - 1] == this->steps_) {
      schedules_[index]->restart();
    } else {
      schedules_[index]->step();
    }
  }
  ScheduleInterval interval() const override { return schedules_[0]->interval(); }

  void save_state(StateDict& state, const std::string& prefix) const override {
    LrScheduler<Scalar>::save_state(state, prefix);
    for (std::size_t i = 0; i < schedules_.size(); ++i) schedules_[i]->save_state(state, prefix + std::to_string(i) + ".");
  }
  void load_state(const StateDict& state, const std::string& prefix) override {
    LrScheduler<Scalar>::load_state(state, prefix);
    for (std::size_t i = 0; i < schedules_.size(); ++i) schedules_[i]->load_state(state, prefix + std::to_string(i) + ".");
  }

 private:
  Schedules schedules_;
  std::vector<long long> milestones_;
};

// ReduceLROnPlateau's settings, each set by name, as torch's keyword arguments:
//   ReduceLROnPlateau<float> plateau(sgd, ReduceLROnPlateauOptions().mode("max").factor(0.5).patience(3));
class ReduceLROnPlateauOptions {
 public:
  ReduceLROnPlateauOptions& mode(std::string value) { mode_ = std::move(value); return *this; }  // "min" or "max"
  ReduceLROnPlateauOptions& factor(double value) { factor_ = value; return *this; }
  ReduceLROnPlateauOptions& patience(int value) { patience_ = value; return *this; }
  ReduceLROnPlateauOptions& threshold(double value) { threshold_ = value; return *this; }
  ReduceLROnPlateauOptions& threshold_mode(std::string value) { threshold_mode_ = std::move(value); return *this; }  // "rel" or "abs"
  ReduceLROnPlateauOptions& cooldown(int value) { cooldown_ = value; return *this; }
  ReduceLROnPlateauOptions& min_lr(double value) { min_lr_ = value; return *this; }
  ReduceLROnPlateauOptions& eps(double value) { eps_ = value; return *this; }

  const std::string& mode() const { return mode_; }
  double factor() const { return factor_; }
  int patience() const { return patience_; }
  double threshold() const { return threshold_; }
  const std::string& threshold_mode() const { return threshold_mode_; }
  int cooldown() const { return cooldown_; }
  double min_lr() const { return min_lr_; }
  double eps() const { return eps_; }

 private:
  std::string mode_ = "min";
  double factor_ = 0.1;
  int patience_ = 10;
  double threshold_ = 1e-4;
  std::string threshold_mode_ = "rel";
  int cooldown_ = 0;
  double min_lr_ = 0.0;
  double eps_ = 1e-8;
};

// torch.optim.lr_scheduler.ReduceLROnPlateau, stepped once per epoch with a validation metric (fit steps
// it with the validation loss). A metric improves on the best so far when, in mode "min",
//   rel: metric < best * (1 - threshold)      abs: metric < best - threshold
// ("max": metric > best * (1 + threshold), metric > best + threshold). After more than `patience` epochs
// without improvement, lr = max(lr * factor, min_lr), unless that changes it by eps or less; then
// `cooldown` epochs pass before epochs without improvement count again. Each group's rate is reduced.
template <class Scalar>
class ReduceLROnPlateau final : public LrScheduler<Scalar> {
 public:
  explicit ReduceLROnPlateau(Optimizer<Scalar>& optimizer, ReduceLROnPlateauOptions options = {})
      : LrScheduler<Scalar>(optimizer), opt_(std::move(options)) {
    if (opt_.mode() != "min" && opt_.mode() != "max") {
      throw ValueError("ReduceLROnPlateau: mode must be \"min\" or \"max\", not \"" + opt_.mode() + "\"");
    }
    if (opt_.threshold_mode() != "rel" && opt_.threshold_mode() != "abs") {
      throw ValueError("ReduceLROnPlateau: threshold_mode must be \"rel\" or \"abs\", not \"" +
                       opt_.threshold_mode() + "\"");
    }
    if (!(opt_.factor() >= 0 && opt_.factor() < 1)) throw ValueError("ReduceLROnPlateau: factor must lie in [0, 1)");
    if (opt_.patience() < 0 || opt_.cooldown() < 0) {
      throw ValueError("ReduceLROnPlateau: patience and cooldown must not be negative");
    }
    if (!(opt_.min_lr() >= 0)) throw ValueError("ReduceLROnPlateau: min_lr must be a non-negative number");
    best_ = worst();
  }

  void step() override { throw UsageError("ReduceLROnPlateau: step(metric) takes the epoch's validation metric"); }
  void step(double metric) override {
    ++this->steps_;
    if (improves(metric)) {
      best_ = metric;
      bad_epochs_ = 0;
    } else {
      ++bad_epochs_;
    }
    if (cooldown_left_ > 0) {
      --cooldown_left_;
      bad_epochs_ = 0;
    }
    if (bad_epochs_ > opt_.patience()) {
      Optimizer<Scalar>& optimizer = this->mutable_optimizer();
      for (std::size_t g = 0; g < optimizer.group_count(); ++g) {
        const double lr = optimizer.group_lr(g), reduced = std::max(lr * opt_.factor(), opt_.min_lr());
        if (lr - reduced > opt_.eps()) optimizer.set_group_lr(g, reduced);
      }
      cooldown_left_ = opt_.cooldown();
      bad_epochs_ = 0;
    }
  }
  bool takes_metric() const override { return true; }

  const ReduceLROnPlateauOptions& options() const { return opt_; }
  double best() const { return best_; }

  void save_state(StateDict& state, const std::string& prefix) const override {
    LrScheduler<Scalar>::save_state(state, prefix);
    state.put_number(prefix + "best", best_);
    state.put_number(prefix + "bad_epochs", bad_epochs_);
    state.put_number(prefix + "cooldown_left", cooldown_left_);
  }
  void load_state(const StateDict& state, const std::string& prefix) override {
    LrScheduler<Scalar>::load_state(state, prefix);
    best_ = state.get_number(prefix + "best");
    bad_epochs_ = static_cast<int>(state.get_integer(prefix + "bad_epochs"));
    cooldown_left_ = static_cast<int>(state.get_integer(prefix + "cooldown_left"));
  }

 private:
  bool minimising() const { return opt_.mode() == "min"; }
  double worst() const {
    return minimising() ? std::numeric_limits<double>::infinity() : -std::numeric_limits<double>::infinity();
  }
  bool improves(double metric) const {
    const bool relative = opt_.threshold_mode() == "rel";
    if (minimising()) return metric < (relative ? best_ * (1 - opt_.threshold()) : best_ - opt_.threshold());
    return metric > (relative ? best_ * (1 + opt_.threshold()) : best_ + opt_.threshold());
  }

  ReduceLROnPlateauOptions opt_;
  double best_;
  int bad_epochs_ = 0, cooldown_left_ = 0;
};

}  // namespace fnn
