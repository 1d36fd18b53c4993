#pragma once
// What the micro-benchmarks share: random inputs, the check of a kernel against its plain reference before it is timed,
// and the counters Google Benchmark prints (GFLOP/s, images/s).
#include <benchmark/benchmark.h>

#include <cmath>
#include <fnn/fnn.hpp>
#include <string>

namespace bench {

inline void fill_uniform(fnn::Tensor<float>& t, fnn::Rng& rng) {
  for (float& v : t) v = static_cast<float>(rng.uniform(-1.0, 1.0));
}

inline fnn::Tensor<float> random_tensor(const fnn::Shape& shape, std::uint64_t seed) {
  fnn::Tensor<float> t(shape);
  fnn::Rng rng(seed);
  fill_uniform(t, rng);
  return t;
}

// True when every element of `fast` is within a relative 1e-4 (absolute below 1) of `reference`; otherwise the
// benchmark is marked failed with the worst element, and is not timed.
inline bool matches_reference(benchmark::State& state, const std::string& what, const fnn::Tensor<float>& fast,
                              const fnn::Tensor<double>& reference) {
  if (fast.numel() != reference.numel()) {
    state.SkipWithError((what + ": wrong number of elements").c_str());
    return false;
  }
  for (fnn::Index i = 0; i < fast.numel(); ++i) {
    const double error = std::abs(fast[i] - reference[i]) / std::max(1.0, std::abs(reference[i]));
    if (!(error <= 1e-4)) {
      state.SkipWithError((what + ": element " + std::to_string(i) + " is " + std::to_string(fast[i]) +
                           ", the reference gives " + std::to_string(reference[i]))
                              .c_str());
      return false;
    }
  }
  return true;
}

// Reports floating-point operations per second for `flops_per_iteration` per timed iteration.
inline void set_gflops(benchmark::State& state, double flops_per_iteration) {
  state.counters["GFLOP/s"] = benchmark::Counter(flops_per_iteration * 1e-9 * static_cast<double>(state.iterations()),
                                                 benchmark::Counter::kIsRate);
}

inline void set_images_per_second(benchmark::State& state, double images_per_iteration) {
  state.counters["images/s"] =
      benchmark::Counter(images_per_iteration * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

// Benchmarks take their thread count as the last argument: 1 and 2.
inline int threads_argument(const benchmark::State& state, int index) {
  const int threads = static_cast<int>(state.range(index));
  fnn::set_num_threads(threads);
  return threads;
}

// Arguments (shape index, threads) for every shape of a benchmark's table, with 1 and 2 threads.
template <std::size_t Shapes>
void shape_and_thread_arguments(benchmark::internal::Benchmark* b) {
  b->ArgNames({"shape", "threads"});
  for (long i = 0; i < static_cast<long>(Shapes); ++i) {
    b->Args({i, 1});
    b->Args({i, 2});
  }
  b->Unit(benchmark::kMicrosecond)->UseRealTime();
}

}  // namespace bench
