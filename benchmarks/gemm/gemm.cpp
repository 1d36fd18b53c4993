// The machine's single-precision GEMM peak as fnn reaches it: Eigen's product of two n x n row-major float matrices
// (what every fnn layer calls), 2 n^3 flops. The conv and linear benchmarks' GFLOP/s are read against this figure
// (docs/performance.md).
#include <Eigen/Core>

#include "common/bench_util.hpp"

namespace {

using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

void BM_Gemm(benchmark::State& state) {
  const Eigen::Index n = state.range(0);
  bench::threads_argument(state, 1);
  const auto a = bench::random_tensor({n, n}, 1), b = bench::random_tensor({n, n}, 2);
  const auto am = a.matrix(), bm = b.matrix();
  Matrix c(n, n);
  c.noalias() = am * bm;
  // A plain reference for a sample of the entries: each is a dot product in double.
  for (Eigen::Index i = 0; i < n; i += 97) {
    for (Eigen::Index j = 0; j < n; j += 89) {
      double dot = 0;
      for (Eigen::Index k = 0; k < n; ++k) dot += static_cast<double>(am(i, k)) * bm(k, j);
      if (std::abs(c(i, j) - dot) > 1e-3 * std::max(1.0, std::abs(dot))) {
        state.SkipWithError("Eigen's product differs from the reference dot product");
        return;
      }
    }
  }
  for (auto _ : state) {
    // As fnn's layers split a product: each thread computes a block of rows of C with Eigen.
    fnn::parallel_ranges(n, 2.0 * static_cast<double>(n * n * n), 16, [&](Eigen::Index r0, Eigen::Index r1) {
      c.middleRows(r0, r1 - r0).noalias() = am.middleRows(r0, r1 - r0) * bm;
    });
    benchmark::DoNotOptimize(c.data());
    benchmark::ClobberMemory();
  }
  bench::set_gflops(state, 2.0 * static_cast<double>(n) * static_cast<double>(n) * static_cast<double>(n));
}

}  // namespace

BENCHMARK(BM_Gemm)
    ->ArgNames({"n", "threads"})
    ->Args({1024, 1})
    ->Args({1024, 2})
    ->Args({2048, 1})
    ->Args({2048, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
