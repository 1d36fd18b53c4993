#pragma once
// Thread control. fnn parallelises with OpenMP and owns the parallelism: its layers split their work
// (samples, output features, channels) between the threads themselves, and every Eigen product runs
// single-threaded inside one thread's share. Eigen's own threading is therefore switched off, by
// set_num_threads and, for programs that never call it, by the first fnn kernel that runs (a one-time,
// process-wide setting of Eigen's; call Eigen::setNbThreads afterwards to change it for code of your own).
// At the small sizes of a layer's share, waking Eigen's threads costs far more than the product itself,
// and inside fnn's loops it would be nested parallelism.
#include <Eigen/Core>
#include <algorithm>
#include <atomic>

#include "fnn/core/shape.hpp"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace fnn {

namespace detail {
inline std::atomic<int> active_thread_limit{0};  // 0: no limit
}

// Sets the number of threads for fnn's loops; n < 1 means 1. Eigen's own threading is switched off, and
// a limit set by set_active_threads is lifted.
inline void set_num_threads(int n) {
#ifdef _OPENMP
  omp_set_num_threads(n < 1 ? 1 : n);
#else
  (void)n;
#endif
  Eigen::setNbThreads(1);
  detail::active_thread_limit.store(0, std::memory_order_relaxed);
}

// The parts fnn's loops divide their work into here: the threads set, or 1 inside a parallel region
// (DataParallel's shares of a batch, fnn's own loops, or a region of the caller's own, even a region of
// one thread), where every thread runs its loops alone.
inline int num_threads() {
#ifdef _OPENMP
  return omp_get_level() > 0 ? 1 : omp_get_max_threads();
#else
  return 1;
#endif
}

// How many threads run those parts: num_threads(), or fewer while set_active_threads(n) limits them (n < 1
// lifts the limit). A loop's parts stay num_threads() whatever the number of threads that run them, each
// part with its own buffers, so that every result is the same bit for bit: a limit changes the speed
// alone. ThreadTuner sets it when another program takes a core, whose thread would make the others wait
// for it at every barrier.
inline void set_active_threads(int n) { detail::active_thread_limit.store(n < 1 ? 0 : n, std::memory_order_relaxed); }
inline int active_threads() {
  const int limit = detail::active_thread_limit.load(std::memory_order_relaxed);
  return limit > 0 ? std::min(limit, num_threads()) : num_threads();
}

// Inside a parallel region: the calling thread's index in its team, and the team's size (0 and 1 outside).
inline int team_index() {
#ifdef _OPENMP
  return omp_get_thread_num();
#else
  return 0;
#endif
}
inline int team_size() {
#ifdef _OPENMP
  return omp_get_num_threads();
#else
  return 1;
#endif
}

namespace detail {
inline thread_local int loop_thread = 0;
}

// The calling thread's share within the parallel_ranges loop that runs it, in [0, num_threads()): layers
// index their per-thread buffers with it. 0 wherever a loop runs on one thread.
inline int thread_index() { return detail::loop_thread; }

// Below this much work a loop runs on one thread: waking the other threads costs more than it saves.
// Work is counted in floating-point operations; a memory-bound loop counts elementwise_work per element.
// The threshold sits between a product of about one million operations, which two threads do not
// speed up, and one of about ten million, which they do.
inline constexpr double parallel_work_threshold = 2e6;
inline double elementwise_work(Index elements) { return 8.0 * static_cast<double>(elements); }

// Part `part` of `parts` near-equal contiguous pieces of [0, n), each starting at a multiple of `align`
// (so that vectorised inner loops stay aligned): [first, last).
inline void split_range(Index n, int parts, int part, Index align, Index& first, Index& last) {
  const Index blocks = (n + align - 1) / align;
  const Index per = blocks / parts, extra = blocks % parts;
  const Index begin_block = part * per + std::min<Index>(part, extra);
  const Index end_block = begin_block + per + (part < extra ? 1 : 0);
  first = std::min(n, begin_block * align);
  last = std::min(n, end_block * align);
}

// Calls body(first, last) for one contiguous piece of [0, n) per part (num_threads() parts), on the
// active threads in parallel when `work` is worth it; otherwise once for the whole range.
template <class Body>
void parallel_ranges(Index n, double work, Index align, Body&& body) {
  static const bool eigen_single_threaded = (Eigen::setNbThreads(1), true);
  (void)eigen_single_threaded;
  const Index blocks = (n + align - 1) / align;
  const int threads = work >= parallel_work_threshold ? static_cast<int>(std::min<Index>(num_threads(), blocks)) : 1;
  if (threads <= 1) {
    if (n > 0) body(Index{0}, n);
    return;
  }
#pragma omp parallel num_threads(std::min(threads, active_threads()))
  {
    const int team = team_size();
    for (int part = team_index(); part < threads; part += team) {
      Index first, last;
      split_range(n, threads, part, align, first, last);
      detail::loop_thread = part;
      if (first < last) body(first, last);
      detail::loop_thread = 0;
    }
  }
}

}  // namespace fnn
