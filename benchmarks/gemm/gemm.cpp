// The machine's single-precision GEMM peak as fnn reaches it: n x n row-major float matrices, 2 n^3 flops,
// through fnn::gemm (core/gemm.hpp: fnn's own AVX-512 or AVX2 kernel, what Conv2d calls) and through Eigen's product
// (what Linear calls). The conv and linear benchmarks' GFLOP/s are read against these figures
// (docs/performance.md).
#include <Eigen/Core>

#include "common/bench_util.hpp"

namespace {

using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// C's rows [r0, r1) = A's rows [r0, r1) * B, as the layers split a product: one block of rows per thread.
void fnn_rows(const Matrix& a, const Matrix& b, Matrix& c, Eigen::Index r0, Eigen::Index r1) {
  const Eigen::Index n = a.cols();
  fnn::gemm(r1 - r0, n, n, a.data() + r0 * n, n, b.data(), n, c.data() + r0 * n, n, false);
}
void eigen_rows(const Matrix& a, const Matrix& b, Matrix& c, Eigen::Index r0, Eigen::Index r1) {
  c.middleRows(r0, r1 - r0).noalias() = a.middleRows(r0, r1 - r0) * b;
}

template <auto product_rows>
void gemm_benchmark(benchmark::State& state) {
  const Eigen::Index n = state.range(0);
  bench::threads_argument(state, 1);
  const auto a = bench::random_tensor({n, n}, 1), b = bench::random_tensor({n, n}, 2);
  const Matrix am = a.matrix(), bm = b.matrix();
  Matrix c(n, n);
  auto product = [&] {
    fnn::parallel_ranges(n, 2.0 * static_cast<double>(n * n * n), 16,
                         [&](Eigen::Index r0, Eigen::Index r1) { product_rows(am, bm, c, r0, r1); });
  };
  product();
  // A plain reference for a sample of the entries: each is a dot product in double.
  for (Eigen::Index i = 0; i < n; i += 97) {
    for (Eigen::Index j = 0; j < n; j += 89) {
      double dot = 0;
      for (Eigen::Index k = 0; k < n; ++k) dot += static_cast<double>(am(i, k)) * bm(k, j);
      if (std::abs(c(i, j) - dot) > 1e-3 * std::max(1.0, std::abs(dot))) {
        state.SkipWithError("the product differs from the reference dot product");
        return;
      }
    }
  }
  for (auto _ : state) {
    product();
    benchmark::DoNotOptimize(c.data());
    benchmark::ClobberMemory();
  }
  bench::set_gflops(state, 2.0 * static_cast<double>(n) * static_cast<double>(n) * static_cast<double>(n));
}

void BM_Gemm(benchmark::State& state) { gemm_benchmark<fnn_rows>(state); }
void BM_GemmEigen(benchmark::State& state) { gemm_benchmark<eigen_rows>(state); }

void sizes_and_threads(benchmark::internal::Benchmark* b) {
  b->ArgNames({"n", "threads"})->Unit(benchmark::kMillisecond)->UseRealTime();
  for (int n : {1024, 2048}) {
    for (int threads : {1, 2}) b->Args({n, threads});
  }
}

}  // namespace

BENCHMARK(BM_Gemm)->Apply(sizes_and_threads);
BENCHMARK(BM_GemmEigen)->Apply(sizes_and_threads);
