// gemm under fnn::set_float32_matmul_precision(MatmulPrecision::bfloat16). Where the build has AVX512-BF16
// (float32_matmul_precision_in_use() says bfloat16): the three forms against a plain loop in double within
// the error that rounding both operands to bfloat16 allows, on every leftover of the kernel's blocks (rows,
// columns, K odd, K across slices, K < 2) with strides wider than the matrices; rounding to nearest with
// ties to even; the setting seen inside parallel regions. Everywhere: the default precision, and the
// bfloat16 setting without AVX512-BF16, give the float kernel's results bit for bit.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <vector>

#include "support/random_tensor.hpp"

using namespace fnn;

namespace gemm_bfloat16_test {

enum class Operation { a_b, at_b, a_bt };  // A B, A^T B, A B^T

bool bfloat16_in_use() {
  MatmulPrecisionScope scope(MatmulPrecision::bfloat16);
  return float32_matmul_precision_in_use() == MatmulPrecision::bfloat16;
}

// Operands of one product, as the layers give them: A [M, K] or [K, M], B [K, N] or [N, K], C [M, N],
// each with a row stride wider than its rows.
struct Operands {
  Operation form;
  Index m, n, k, lda, ldb, ldc;
  Tensor<float> a, b, c;

  Operands(Operation f, Index m_, Index n_, Index k_, Rng& rng)
      : form(f), m(m_), n(n_), k(k_), lda((f == Operation::at_b ? m : k) + 3), ldb((f == Operation::a_bt ? k : n) + 5),
        ldc(n + 2), a(test::random_normal<float>({f == Operation::at_b ? k : m, lda}, rng)),
        b(test::random_normal<float>({f == Operation::a_bt ? n : k, ldb}, rng)),
        c(test::random_normal<float>({m, ldc}, rng)) {}

  double a_at(Index i, Index p) const { return form == Operation::at_b ? a[p * lda + i] : a[i * lda + p]; }
  double b_at(Index p, Index j) const { return form == Operation::a_bt ? b[j * ldb + p] : b[p * ldb + j]; }

  // C (+)= the product, on a copy of C.
  Tensor<float> product(bool accumulate) const {
    Tensor<float> out = c;
    const auto f = form == Operation::a_b    ? gemm<float>
                   : form == Operation::at_b ? gemm_transposed_a<float>
                                             : gemm_transposed_b<float>;
    f(m, n, k, a.data(), lda, b.data(), ldb, out.data(), ldc, accumulate);
    return out;
  }
};

bool bit_identical(const Tensor<float>& x, const Tensor<float>& y) {
  for (Index i = 0; i < x.numel(); ++i) {
    if (std::memcmp(x.data() + i, y.data() + i, sizeof(float)) != 0) return false;
  }
  return true;
}

// The largest error of C over its bound, in units of the bound. Rounding a and b to bfloat16 (8
// significant bits: a relative error of at most 2^-8 each, rounding to nearest) changes a product by at
// most (2^-7 + 2^-16) |a b|; summing in float adds at most about (k + 1) 2^-24 times the sum of the
// magnitudes (each pair's two products are summed, then added to the float accumulator; C's own value
// is added at the end). The bound takes 2^-7 + 2^-15 for the first term and twice the second.
double worst_over_bound(const Operands& o, const Tensor<float>& c, bool accumulate) {
  double worst = 0;
  for (Index i = 0; i < o.m; ++i) {
    for (Index j = 0; j < o.ldc; ++j) {
      if (j >= o.n) {
        REQUIRE(c[i * o.ldc + j] == o.c[i * o.ldc + j]);  // the padding between rows is not written
        continue;
      }
      double expected = accumulate ? static_cast<double>(o.c[i * o.ldc + j]) : 0.0, magnitude = 0;
      for (Index p = 0; p < o.k; ++p) {
        expected += o.a_at(i, p) * o.b_at(p, j);
        magnitude += std::abs(o.a_at(i, p) * o.b_at(p, j));
      }
      const double bound =
          (0x1p-7 + 0x1p-15 + 2.0 * static_cast<double>(o.k + 1) * 0x1p-24) * (magnitude + std::abs(expected)) + 1e-30;
      worst = std::max(worst, std::abs(c[i * o.ldc + j] - expected) / bound);
    }
  }
  return worst;
}

}  // namespace gemm_bfloat16_test

using namespace gemm_bfloat16_test;

TEST_CASE("bfloat16 gemm stays within bfloat16's rounding error of the exact product, on every block leftover") {
  Rng rng(23);
  const bool accumulate = GENERATE(false, true);
  const Operation form = GENERATE(Operation::a_b, Operation::at_b, Operation::a_bt);
  const bool bfloat16 = bfloat16_in_use();
  double largest_error_over_float = 0;  // shows that the operands were rounded
  for (Index m : {1, 7, 8, 12, 13, 33}) {
    for (Index n : {1, 15, 16, 31, 32, 33, 48, 50, 97}) {
      for (Index k : {0, 1, 2, 3, 9, 255, 256, 257, 300, 513}) {
        const Operands o(form, m, n, k, rng);
        const Tensor<float> as_float = o.product(accumulate);
        MatmulPrecisionScope scope(MatmulPrecision::bfloat16);
        const Tensor<float> c = o.product(accumulate);
        INFO((form == Operation::at_b   ? "A^T B"
              : form == Operation::a_bt ? "A B^T"
                                        : "A B")
             << ", m " << m << ", n " << n << ", k " << k << (accumulate ? ", accumulating" : ""));
        if (!bfloat16) {
          REQUIRE(bit_identical(c, as_float));  // no AVX512-BF16: the setting changes nothing
          continue;
        }
        REQUIRE(worst_over_bound(o, c, accumulate) <= 1.0);
        for (Index i = 0; i < c.numel(); ++i) {
          largest_error_over_float = std::max(largest_error_over_float, double(std::abs(c[i] - as_float[i])));
        }
      }
    }
  }
  if (bfloat16) CHECK(largest_error_over_float > 1e-3);
}

TEST_CASE("bfloat16 gemm rounds its operands to nearest, ties to even") {
  if (!bfloat16_in_use()) {
    SUCCEED("no AVX512-BF16 in this build: products stay float32");
    return;
  }
  // bfloat16 keeps 7 bits after the leading one: near 1 its values are 2^-7 apart.
  //   1 + 2^-8          halfway between 1 and 1 + 2^-7: to the even one, 1
  //   1 + 3 2^-8        halfway between 1 + 2^-7 and 1 + 2^-6: to the even one, 1 + 2^-6
  //   1 + 2^-8 + 2^-20  above halfway: 1 + 2^-7
  //   1 + 2^-8 - 2^-20  below halfway: 1
  //   -(1 + 3 2^-8)     as its magnitude: -(1 + 2^-6)
  const std::vector<float> values = {1 + 0x1p-8f, 1 + 3 * 0x1p-8f, 1 + 0x1p-8f + 0x1p-20f, 1 + 0x1p-8f - 0x1p-20f,
                                     -(1 + 3 * 0x1p-8f)};
  const std::vector<float> rounded = {1.0f, 1 + 0x1p-6f, 1 + 0x1p-7f, 1.0f, -(1 + 0x1p-6f)};
  const Index n = static_cast<Index>(values.size());
  const float one = 1.0f;
  MatmulPrecisionScope scope(MatmulPrecision::bfloat16);
  std::vector<float> c(values.size());
  // [1] x [1, n] with the values in B, then with them in A (A^T B, A given as [1, n]), then in B^T: each
  // form packs its operands its own way.
  gemm(1, n, 1, &one, 1, values.data(), n, c.data(), n, false);
  CHECK(c == rounded);
  gemm_transposed_a(n, 1, 1, values.data(), n, &one, 1, c.data(), 1, false);
  CHECK(c == rounded);
  // (Two rows of A: a single row times B^T is Eigen's float product.)
  const std::vector<float> ones = {1.0f, 1.0f};
  std::vector<float> two_rows(2 * values.size());
  gemm_transposed_b(2, n, 1, ones.data(), 1, values.data(), 1, two_rows.data(), n, false);
  CHECK(std::vector<float>(two_rows.begin(), two_rows.begin() + n) == rounded);
  // A pair of K: 1 (1 + 2^-8) + 1 (1 + 2^-8) sums the rounded products, 2, not 2 + 2^-7.
  const std::vector<float> a = {1 + 0x1p-8f, 1 + 0x1p-8f}, b = {1.0f, 1.0f};
  float sum = 0;
  gemm(1, 1, 2, a.data(), 2, b.data(), 1, &sum, 1, false);
  CHECK(sum == 2.0f);
}

TEST_CASE("the default float32 precision gives the float kernel's results bit for bit, before and after bfloat16") {
  Rng rng(24);
  const Operation form = GENERATE(Operation::a_b, Operation::at_b, Operation::a_bt);
  REQUIRE(float32_matmul_precision() == MatmulPrecision::float32);
  for (Index k : {1, 33, 300}) {
    const Operands o(form, 13, 50, k, rng);
    const Tensor<float> before = o.product(true);
    {
      MatmulPrecisionScope scope(MatmulPrecision::bfloat16);
      CHECK(float32_matmul_precision() == MatmulPrecision::bfloat16);
      o.product(true);
    }
    CHECK(float32_matmul_precision() == MatmulPrecision::float32);
    CHECK(float32_matmul_precision_in_use() == MatmulPrecision::float32);
    CHECK(bit_identical(o.product(true), before));
  }
}

TEST_CASE("the bfloat16 setting holds inside parallel regions: blocks of rows on two threads equal one product") {
  Rng rng(25);
  const Operands o(Operation::a_b, 96, 200, 300, rng);
  MatmulPrecisionScope scope(MatmulPrecision::bfloat16);
  const Tensor<float> whole = o.product(false);
  const int threads_before = num_threads();
  set_num_threads(2);
  Tensor<float> blocks = o.c;
  parallel_ranges(o.m, 1e9, 16, [&](Index r0, Index r1) {
    gemm(r1 - r0, o.n, o.k, o.a.data() + r0 * o.lda, o.lda, o.b.data(), o.ldb, blocks.data() + r0 * o.ldc, o.ldc,
         false);
  });
  set_num_threads(threads_before);
  CHECK(bit_identical(blocks, whole));
  if (bfloat16_in_use()) CHECK(worst_over_bound(o, whole, false) <= 1.0);
}
