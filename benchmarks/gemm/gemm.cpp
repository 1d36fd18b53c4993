// The machine's single-precision GEMM peak as fnn reaches it: n x n row-major float matrices, 2 n^3 flops,
// through fnn::gemm (core/gemm.hpp: fnn's own AVX-512 or AVX2 kernel, what Conv2d calls) and through Eigen's product
// (what Linear calls). The conv and linear benchmarks' GFLOP/s are read against these figures
// (docs/performance.md). The same in bfloat16 (fnn::set_float32_matmul_precision), and the three products of
// the VGG-like model's convolutions in either precision.
#include <Eigen/Core>

#include "common/bench_util.hpp"

namespace {

using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using fnn::MatmulPrecision;

// Whether fnn's products take `precision` in this build; a bfloat16 benchmark without AVX512-BF16 is
// marked failed rather than timing float32 under bfloat16's name.
bool precision_available(benchmark::State& state, MatmulPrecision precision) {
  if (fnn::float32_matmul_precision_in_use() == precision) return true;
  state.SkipWithError("this build has no AVX512-BF16: its products stay float32");
  return false;
}

// Whether c is the exact product `exact` (a sum of terms whose magnitudes add up to `magnitude`) up to
// the precision's error: float's summation, or the rounding of both operands to bfloat16 (at most 2^-7
// of the magnitude, tests/core/test_gemm_bfloat16.cpp).
bool close_enough(double c, double exact, double magnitude, MatmulPrecision precision) {
  const double allowed =
      precision == MatmulPrecision::bfloat16 ? 0x1p-7 * magnitude + 1e-6 : 1e-3 * std::max(1.0, std::abs(exact));
  return std::abs(c - exact) <= allowed;
}

// C's rows [r0, r1) = A's rows [r0, r1) * B, as the layers split a product: one block of rows per thread.
void fnn_rows(const Matrix& a, const Matrix& b, Matrix& c, Eigen::Index r0, Eigen::Index r1) {
  const Eigen::Index n = a.cols();
  fnn::gemm(r1 - r0, n, n, a.data() + r0 * n, n, b.data(), n, c.data() + r0 * n, n, false);
}
void eigen_rows(const Matrix& a, const Matrix& b, Matrix& c, Eigen::Index r0, Eigen::Index r1) {
  c.middleRows(r0, r1 - r0).noalias() = a.middleRows(r0, r1 - r0) * b;
}

template <auto product_rows, MatmulPrecision precision = MatmulPrecision::float32>
void gemm_benchmark(benchmark::State& state) {
  const fnn::MatmulPrecisionScope scope(precision);
  if (!precision_available(state, precision)) return;
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
      double dot = 0, magnitude = 0;
      for (Eigen::Index k = 0; k < n; ++k) {
        dot += static_cast<double>(am(i, k)) * bm(k, j);
        magnitude += std::abs(static_cast<double>(am(i, k)) * bm(k, j));
      }
      if (!close_enough(c(i, j), dot, magnitude, precision)) {
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
void BM_GemmBfloat16(benchmark::State& state) { gemm_benchmark<fnn_rows, MatmulPrecision::bfloat16>(state); }
void BM_GemmEigen(benchmark::State& state) { gemm_benchmark<eigen_rows>(state); }

void sizes_and_threads(benchmark::internal::Benchmark* b) {
  b->ArgNames({"n", "threads"})->Unit(benchmark::kMillisecond)->UseRealTime();
  for (int n : {1024, 2048}) {
    for (int threads : {1, 2}) b->Args({n, threads});
  }
}

// The VGG-like model's three wide convolutions (3x3, padding 1; benchmarks/layers/conv2d.cpp's shapes
// 5-7), C input and O output channels on H x W maps. For each sample Conv2d makes, with K = 9 C:
//   forward          y = W cols          [O, HW] = [O, K] [K, HW]
//   weight gradient  dW^T += cols dy^T   [K, O]  = [K, HW] [O, HW]^T
//   input gradient   dcols = W^T dy      [K, HW] = [O, K]^T [O, HW]
struct ConvProducts {
  fnn::Index c, o, hw;
};
const ConvProducts conv_products[] = {{32, 32, 28 * 28}, {32, 64, 14 * 14}, {64, 64, 14 * 14}};
constexpr fnn::Index conv_batch = 64;

// One thread's operands of one sample's products (a sample's patches are made where they are used, so
// they are in the thread's caches, as in Conv2d).
struct ConvOperands {
  fnn::Tensor<float> w, cols, dy, y, dw_t, dcols;
  explicit ConvOperands(const ConvProducts& s, std::uint64_t seed)
      : w(bench::random_tensor({s.o, 9 * s.c}, seed)), cols(bench::random_tensor({9 * s.c, s.hw}, seed + 1)),
        dy(bench::random_tensor({s.o, s.hw}, seed + 2)), y({s.o, s.hw}), dw_t({9 * s.c, s.o}), dcols({9 * s.c, s.hw}) {}

  void products(const ConvProducts& s) {
    const fnn::Index k = 9 * s.c;
    fnn::gemm(s.o, s.hw, k, w.data(), k, cols.data(), s.hw, y.data(), s.hw, false);
    fnn::gemm_transposed_b(k, s.o, s.hw, cols.data(), s.hw, dy.data(), s.hw, dw_t.data(), s.o, true);
    fnn::gemm_transposed_a(k, s.hw, s.o, w.data(), k, dy.data(), s.hw, dcols.data(), s.hw, false);
  }

  // A sample of each product's entries against sums in double (dW^T after one product from zero).
  bool match(const ConvProducts& s, MatmulPrecision precision) {
    const fnn::Index k = 9 * s.c;
    dw_t.zero();
    products(s);
    const auto check = [&](const fnn::Tensor<float>& c, fnn::Index rows, fnn::Index cols_n, fnn::Index depth, auto a_at,
                           auto b_at) {
      for (fnn::Index i = 0; i < rows; i += 7) {
        for (fnn::Index j = 0; j < cols_n; j += 13) {
          double exact = 0, magnitude = 0;
          for (fnn::Index p = 0; p < depth; ++p) {
            exact += static_cast<double>(a_at(i, p)) * b_at(p, j);
            magnitude += std::abs(static_cast<double>(a_at(i, p)) * b_at(p, j));
          }
          if (!close_enough(c[i * cols_n + j], exact, magnitude, precision)) return false;
        }
      }
      return true;
    };
    return check(
               y, s.o, s.hw, k, [&](auto i, auto p) { return w[i * k + p]; },
               [&](auto p, auto j) { return cols[p * s.hw + j]; }) &&
           check(
               dw_t, k, s.o, s.hw, [&](auto i, auto p) { return cols[i * s.hw + p]; },
               [&](auto p, auto j) { return dy[j * s.hw + p]; }) &&
           check(
               dcols, k, s.hw, s.o, [&](auto i, auto p) { return w[p * k + i]; },
               [&](auto p, auto j) { return dy[p * s.hw + j]; });
  }
};

// The three products of a batch of 64 samples, the samples split between the threads as Conv2d splits
// them. Arguments: the convolution (0-2), the precision (0 float32, 1 bfloat16), the threads.
void BM_GemmConv(benchmark::State& state) {
  const ConvProducts& s = conv_products[state.range(0)];
  const auto precision = state.range(1) == 1 ? MatmulPrecision::bfloat16 : MatmulPrecision::float32;
  const fnn::MatmulPrecisionScope scope(precision);
  if (!precision_available(state, precision)) return;
  const int threads = bench::threads_argument(state, 2);
  state.SetLabel(std::to_string(s.c) + "->" + std::to_string(s.o) + " " + std::to_string(s.hw) + " px, " +
                 fnn::to_string(precision));
  std::vector<ConvOperands> operands;
  for (int t = 0; t < threads; ++t) operands.emplace_back(s, 10 * static_cast<std::uint64_t>(t) + 1);
  if (!operands[0].match(s, precision)) {
    state.SkipWithError("a product differs from the reference sums");
    return;
  }
  const double flops = 3 * 2.0 * static_cast<double>(s.o * 9 * s.c * s.hw) * conv_batch;
  for (auto _ : state) {
    fnn::parallel_ranges(conv_batch, flops, 1, [&](fnn::Index first, fnn::Index last) {
      for (fnn::Index n = first; n < last; ++n) operands[static_cast<std::size_t>(fnn::thread_index())].products(s);
    });
    benchmark::ClobberMemory();
  }
  bench::set_gflops(state, flops);
}

void conv_products_arguments(benchmark::internal::Benchmark* b) {
  b->ArgNames({"conv", "bf16", "threads"})->Unit(benchmark::kMillisecond)->UseRealTime();
  for (long conv = 0; conv < static_cast<long>(std::size(conv_products)); ++conv) {
    for (long threads : {1, 2}) {
      for (long bf16 : {0, 1}) b->Args({conv, bf16, threads});
    }
  }
}

}  // namespace

BENCHMARK(BM_Gemm)->Apply(sizes_and_threads);
BENCHMARK(BM_GemmBfloat16)->Apply(sizes_and_threads);
BENCHMARK(BM_GemmEigen)->Apply(sizes_and_threads);
BENCHMARK(BM_GemmConv)->Apply(conv_products_arguments);
