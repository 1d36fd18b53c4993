#pragma once
// ThreadTuner: how many threads run fnn's loops while a model trains, chosen from the measured training
// rate, so that a core another program takes costs its share of the speed and no more (fit() runs one
// unless FitOptions::tune_threads is false).
//
// Why. fnn divides every parallel loop into num_threads() parts of equal work. When another program takes
// one of the cores, the thread that shares it with that program finishes its part late, and every other
// thread waits for it at the loop's end; OpenMP's waiting threads spin for a while before they sleep,
// taking more of the time the late thread needs. Steps of two threads on two cores, one of them busy, can
// take three times as long as on an idle machine, and short steps (a small MLP's) far more; one thread,
// which the scheduler keeps on the free core, takes at most twice as long. The same parts run by fewer
// threads give the same results bit for bit (set_active_threads), so the tuner changes the speed alone.
//
// How. The rate (samples per second) is measured over windows of at least window_seconds of training
// steps, across passes but without the time between them. After every `interval` windows the tuner runs
// one window on one thread fewer (from the full count), one more (from one thread), or, between the two,
// one fewer and one more in turn: a probe. The probe's count is kept when its rate beats the window
// before it by 5%; a probe that loses doubles the interval, up to max_interval windows (about a minute),
// so that in a long training on an idle machine about 1% of the windows run on the probe's count, and a
// load that leaves is noticed within a minute or so. A window 20% slower than the one before at the same
// count (the load changed) calls a probe at once, with the interval back at its start.
#include <algorithm>

#include "fnn/core/parallel.hpp"
#include "fnn/train/clock.hpp"

namespace fnn::train {

class ThreadTuner {
 public:
  static constexpr double window_seconds = 0.5;
  static constexpr int first_interval = 8, max_interval = 128;  // windows between probes
  static constexpr double win_margin = 1.05, slowdown_margin = 0.8;

  explicit ThreadTuner(Clock clock = steady_seconds) : clock_(std::move(clock)), all_(num_threads()) {}
  ThreadTuner(const ThreadTuner&) = delete;  // it holds the process's thread limit
  ThreadTuner& operator=(const ThreadTuner&) = delete;
  // The loops run on every thread again.
  ~ThreadTuner() { set_active_threads(0); }

  // At the start of every training pass: the time since the last step (evaluations, checkpoints) is left
  // out of the window, which goes on across passes (a small model's pass can be shorter than a window).
  void start_pass() {
    pass_samples_ = 0;
    if (last_step_ > 0) {
      window_start_ += clock_() - last_step_;
    } else {
      start_window();
    }
  }

  // After every training step, with the samples the pass has taken so far (PassResult::count).
  void step_done(long long pass_samples) {
    const double now = clock_(), seconds = now - window_start_;
    const long long samples = pass_samples - pass_samples_;
    pass_samples_ = pass_samples;
    last_step_ = now;
    if (skip_step_) {  // the first step at a new count wakes or parks threads: not counted
      skip_step_ = false;
      start_window();
      return;
    }
    window_samples_ += samples;
    if (all_ < 2 || seconds < window_seconds) return;
    const double rate = static_cast<double>(window_samples_) / seconds;
    start_window();
    if (probe_ > 0) {
      finish_probe(rate);
    } else {
      if (rate < slowdown_margin * rate_) {  // the load changed: probe at once, from the first interval
        interval_ = first_interval;
        windows_ = interval_;
      }
      const bool first_window = rate_ == 0;  // it pays for the buffers' first use: no probe measures against it
      rate_ = rate;
      if (!first_window && ++windows_ >= interval_) begin_probe();
    }
  }

  int threads() const { return threads_; }  // the threads that run the loops now

 private:
  void start_window() {
    window_start_ = clock_();
    window_samples_ = 0;
  }

  void begin_probe() {
    probe_up_ = threads_ == 1 || (threads_ < all_ && !probe_up_);
    probe_ = probe_up_ ? threads_ + 1 : threads_ - 1;
    use(probe_);
  }

  void finish_probe(double rate) {
    if (rate > win_margin * rate_) {
      threads_ = probe_;
      rate_ = rate;
      interval_ = first_interval;
    } else {
      use(threads_);
      interval_ = std::min(2 * interval_, max_interval);
    }
    probe_ = 0;
    windows_ = 0;
  }

  void use(int threads) {
    set_active_threads(threads);
    skip_step_ = true;
  }

  Clock clock_;
  const int all_;          // num_threads() when the tuner was made
  int threads_ = all_;     // the count kept
  int probe_ = 0;          // the count a probe runs with, 0 outside a probe
  bool probe_up_ = false;  // the last probe tried one thread more
  double rate_ = 0;        // samples per second of the last window at threads_
  int interval_ = first_interval, windows_ = 0;  // windows between probes, and since the last one
  double window_start_ = 0, last_step_ = 0;
  long long window_samples_ = 0, pass_samples_ = 0;
  bool skip_step_ = false;
};

}  // namespace fnn::train
