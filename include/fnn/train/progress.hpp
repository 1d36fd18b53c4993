#pragma once
// ProgressPrinter: what a training run shows while it runs. On a terminal, a live line redrawn in place
// after every batch (at most ten times a second):
//   epoch 3/20  batch 1412/3000  loss 0.4123  acc 85.02%  14,634 img/s  0:02 elapsed  ETA 0:03
// and, once the epoch ends, its summary line (epoch_line) in the live line's place. Anywhere else (a CI
// log, a file) only the summary lines, so logs stay one line per epoch.
//
//   fnn::train::ProgressPrinter progress(std::cout, fnn::train::ProgressPrinter::stdout_is_terminal());
//   progress.attach(options);  // after options.epochs is set: sets options.on_batch and options.on_epoch
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <ostream>
#include <string>
#include <utility>

#include "fnn/train/fit.hpp"
#include "fnn/train/history.hpp"

namespace fnn::train {

// "1:05" or "1:02:03".
inline std::string clock_time(double seconds) {
  const long long s = seconds > 0 ? static_cast<long long>(seconds + 0.5) : 0;
  char text[32];
  if (s >= 3600) {
    std::snprintf(text, sizeof text, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
  } else {
    std::snprintf(text, sizeof text, "%lld:%02lld", s / 60, s % 60);
  }
  return text;
}

// The live line for one batch, without the carriage return.
inline std::string progress_line(const BatchProgress& p) {
  const double rate = p.seconds > 0 ? static_cast<double>(p.so_far.count) / p.seconds : 0;
  const double left = static_cast<double>(p.batches - p.batch);
  const double eta = p.batch > 0 ? p.seconds * left / static_cast<double>(p.batch) : 0;
  char line[256];
  std::snprintf(line, sizeof line, "%s  batch %lld/%lld  %s  %.0f %s  %s elapsed  ETA %s",
                epoch_of(p.epoch, p.epochs).c_str(), static_cast<long long>(p.batch), static_cast<long long>(p.batches), pass_figures(p.so_far).c_str(),
                rate, rate_unit(p.images), clock_time(p.seconds).c_str(), clock_time(eta).c_str());
  return line;
}

class ProgressPrinter {
 public:
  using EpochFormat = std::function<std::string(const EpochRecord&, int epochs)>;

  // `live`: redraw a progress line during each epoch (for a terminal); either way one line per epoch,
  // as `epoch_format` writes it.
  ProgressPrinter(std::ostream& out, bool live, EpochFormat epoch_format = epoch_line)
      : out_(out), live_(live), epoch_format_(std::move(epoch_format)) {}

  static bool stdout_is_terminal() { return ::isatty(STDOUT_FILENO) == 1; }

  void on_batch(const BatchProgress& p) {
    if (!live_) return;
    const auto now = std::chrono::steady_clock::now();
    if (p.batch != p.batches && p.batch != 1 && now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    out_ << '\r' << progress_line(p) << "\x1b[K" << std::flush;  // ESC[K clears what a longer line left
  }

  void on_epoch(const EpochRecord& r, int epochs) {
    if (live_) out_ << "\r\x1b[K";
    out_ << epoch_format_(r, epochs) << std::endl;
  }

  // Sets the options' callbacks to copies of this printer; only the stream must outlive the run.
  template <class Scalar>
  void attach(FitOptions<Scalar>& options) const {
    const int epochs = options.budget ? 0 : options.epochs;
    options.on_batch = [printer = *this](const BatchProgress& p) mutable { printer.on_batch(p); };
    options.on_epoch = [printer = *this, epochs](const EpochRecord& r) mutable { printer.on_epoch(r, epochs); };
  }

 private:
  std::ostream& out_;
  bool live_;
  EpochFormat epoch_format_;
  std::chrono::steady_clock::time_point last_draw_{};
};

}  // namespace fnn::train
