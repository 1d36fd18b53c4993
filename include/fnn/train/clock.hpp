#pragma once
// The clock fnn's training measures itself with (TimeBudget, ThreadTuner): seconds from any origin, as a
// function, so that a test can give a clock of its own that it advances itself.
#include <chrono>
#include <functional>

namespace fnn::train {

using Clock = std::function<double()>;

// Seconds on the steady clock: the clock unless a test gives another.
inline double steady_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace fnn::train
