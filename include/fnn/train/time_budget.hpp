#pragma once
// TimeBudget: a training run that must end, evaluated, within a wall-clock time (FitOptions::budget).
//
//   // seconds, from the first training step to the end of the last evaluation
//   options.budget = std::make_shared<fnn::train::TimeBudget>(30 * 60);
//   options.schedule = std::make_shared<fnn::OneCycleLR<float>>(sgd, 0.1, options.budget->progress_source());
//
// fit() trains until what is left of the budget is what the evaluations still to come need, then ends the
// epoch there and evaluates; a schedule that follows progress() completes its cycle as training ends. The
// plan is made again after every step from the times measured so far, so that a machine that is faster
// or slower than expected, or that slows down on the way, still ends on time with the schedule complete.
//
// The plan. Of the budget B, with E seconds gone, T of them in training steps (data loading included),
// the training time A the run can afford satisfies
//     B - E = (A - T) * (1 + V / P) + V
// the training still to come, the evaluation after each epoch it completes, and the final evaluation,
// where V is one evaluation's seconds (the validation and test passes after an epoch: first a trial on a
// few batches, then the last one measured) and P an epoch's training seconds at the recent step time.
// progress() = T / A, never decreasing. Training stops when one more step at the recent step time would
// pass A, so a run takes at least one step however short its budget. A run that resumes from a
// checkpoint continues with the time its checkpoint had used.
#include <algorithm>
#include <cmath>
#include <functional>
#include <string>

#include "fnn/core/error.hpp"
#include "fnn/core/shape.hpp"
#include "fnn/distributed/communicator.hpp"
#include "fnn/io/state_dict.hpp"
#include "fnn/train/clock.hpp"

namespace fnn::train {

class TimeBudget {
 public:
  using Clock = train::Clock;

  explicit TimeBudget(double seconds, Clock clock = steady_seconds) : seconds_(seconds), clock_(std::move(clock)) {
    if (!(seconds > 0) || !std::isfinite(seconds)) {
      throw ValueError("TimeBudget: the budget must be a positive number of seconds, not " + std::to_string(seconds));
    }
  }

  double seconds() const { return seconds_; }
  // Seconds since start(), with those a resumed run had used before.
  double elapsed() const { return started_ ? used_before_ + clock_() - start_ : used_before_; }
  // The fraction of the affordable training time spent, from 0 to 1; what a budget schedule follows.
  double progress() const { return progress_; }
  // progress() as a function, for a schedule (OneCycleLR) that must not outlive this budget.
  std::function<double()> progress_source() const {
    return [this] { return progress_; };
  }
  // True once training must stop for the evaluations still to come to fit in the budget.
  bool training_over() const { return over_; }

  // What fit() reports, from here on.

  // The clock starts at the first training step. A step's time runs from the end of the one before.
  void start() {
    started_ = true;
    start_ = clock_();
    last_mark_ = start_;
    if (used_before_ >= seconds_) over_ = true;
  }

  // One evaluation (the passes after an epoch) takes `seconds`: a trial's estimate, or one measured.
  void set_evaluation_seconds(double seconds) { evaluation_seconds_ = std::max(0.0, seconds); }

  // Time from the last mark to now went to an evaluation, not to training.
  void evaluation_done() {
    const double now = clock_();
    evaluation_total_ += now - last_mark_;
    last_mark_ = now;
  }

  // A training step ended; an epoch has `steps_per_epoch` of them. Makes the plan again.
  void step_done(Index steps_per_epoch) {
    const double now = clock_();
    const double step = now - last_mark_;
    last_mark_ = now;
    recent_step_ = steps_ == 0 ? step : recent_weight * step + (1 - recent_weight) * recent_step_;
    ++steps_;
    const double training = elapsed() - evaluation_total_;
    const double epoch = recent_step_ * static_cast<double>(std::max<Index>(steps_per_epoch, 1));
    const double left = seconds_ - elapsed() - evaluation_seconds_;
    const double affordable = training + std::max(0.0, left) / (1 + evaluation_seconds_ / std::max(epoch, 1e-9));
    progress_ = std::clamp(std::max(progress_, training / std::max(affordable, 1e-9)), 0.0, 1.0);
    over_ = training + recent_step_ > affordable;
    if (over_) progress_ = 1;
  }

  // Processes that train together follow rank 0's plan, so that every one takes the same steps.
  void agree(distributed::Communicator& comm) {
    if (comm.size() == 1) return;
    double plan[2] = {progress_, over_ ? 1.0 : 0.0};
    comm.broadcast(plan, 2, 0);
    progress_ = plan[0];
    over_ = plan[1] != 0;
  }

  // The budget's part of a checkpoint: the time used, the part of it spent evaluating, the progress.
  void save_state(StateDict& state, const std::string& prefix) const {
    state.put_number(prefix + "seconds_used", elapsed());
    state.put_number(prefix + "evaluation_seconds_used", evaluation_total_);
    state.put_number(prefix + "progress", progress_);
  }
  void load_state(const StateDict& state, const std::string& prefix) {
    used_before_ = state.get_number(prefix + "seconds_used");
    evaluation_total_ = state.get_number(prefix + "evaluation_seconds_used");
    progress_ = state.get_number(prefix + "progress");
    if (!(used_before_ >= 0) || !(evaluation_total_ >= 0) || !(progress_ >= 0 && progress_ <= 1)) {
      state.fail("'" + prefix + "' does not hold a time budget's state");
    }
    started_ = false;
    steps_ = 0;
  }

 private:
  // How much the latest step counts in the recent step time: enough to follow a machine that slows down
  // within a few dozen steps, little enough that one step held up by the system does not stop training.
  static constexpr double recent_weight = 0.05;

  double seconds_;
  Clock clock_;
  bool started_ = false, over_ = false;
  double start_ = 0, last_mark_ = 0, used_before_ = 0;
  double evaluation_seconds_ = 0, evaluation_total_ = 0;
  double recent_step_ = 0, progress_ = 0;
  long long steps_ = 0;
};

}  // namespace fnn::train
