#pragma once
// Thread control. fnn parallelises with OpenMP: its own loops over the batch and Eigen's matrix
// products both use the OpenMP thread pool, so one setting governs all of them.
#ifdef _OPENMP
#include <omp.h>
#endif

namespace fnn {

// Sets the number of threads for fnn's loops and Eigen's products; n < 1 means 1.
inline void set_num_threads(int n) {
#ifdef _OPENMP
  omp_set_num_threads(n < 1 ? 1 : n);
#else
  (void)n;
#endif
}

inline int num_threads() {
#ifdef _OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}

// The calling thread's index within the current parallel region (0 outside one).
inline int thread_index() {
#ifdef _OPENMP
  return omp_get_thread_num();
#else
  return 0;
#endif
}

}  // namespace fnn
