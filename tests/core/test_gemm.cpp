// gemm, gemm_transposed_a and gemm_transposed_b against a plain triple loop in double: every block shape
// of the kernel and its leftovers (rows not a multiple of the block's, the last columns short of a vector,
// K across slices), a single row (its own path for B^T), row strides wider than the matrices, overwrite
// and accumulate. Cells outside C must stay untouched.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "support/random_tensor.hpp"

using namespace fnn;

namespace {

enum class Form { plain, transposed_a, transposed_b };

template <class Scalar>
void check_gemm(Form form, Index m, Index n, Index k, bool accumulate, Rng& rng) {
  const bool ta = form == Form::transposed_a, tb = form == Form::transposed_b;
  // A as given is [M, K] or [K, M], B [K, N] or [N, K]; strides wider than the rows.
  const Index a_rows = ta ? k : m, a_cols = ta ? m : k, b_rows = tb ? n : k, b_cols = tb ? k : n;
  const Index lda = a_cols + 3, ldb = b_cols + 5, ldc = n + 2;
  const Tensor<Scalar> a = test::random_normal<Scalar>({a_rows, lda}, rng);
  const Tensor<Scalar> b = test::random_normal<Scalar>({b_rows, ldb}, rng);
  Tensor<Scalar> c = test::random_normal<Scalar>({m, ldc}, rng);
  const Tensor<Scalar> c_before = c;
  const auto product = form == Form::plain ? gemm<Scalar> : ta ? gemm_transposed_a<Scalar> : gemm_transposed_b<Scalar>;
  product(m, n, k, a.data(), lda, b.data(), ldb, c.data(), ldc, accumulate);
  const auto a_at = [&](Index i, Index p) { return static_cast<double>(ta ? a[p * lda + i] : a[i * lda + p]); };
  const auto b_at = [&](Index p, Index j) { return static_cast<double>(tb ? b[j * ldb + p] : b[p * ldb + j]); };
  double worst = 0;
  for (Index i = 0; i < m; ++i) {
    for (Index j = 0; j < ldc; ++j) {
      if (j >= n) {
        REQUIRE(c[i * ldc + j] == c_before[i * ldc + j]);  // the padding between rows is not written
        continue;
      }
      double expected = accumulate ? static_cast<double>(c_before[i * ldc + j]) : 0.0;
      for (Index p = 0; p < k; ++p) expected += a_at(i, p) * b_at(p, j);
      worst = std::max(worst, std::abs(c[i * ldc + j] - expected) / (1.0 + std::sqrt(static_cast<double>(k))));
    }
  }
  INFO((ta ? "A^T B" : tb ? "A B^T" : "A B") << ", m " << m << ", n " << n << ", k " << k
                                             << (accumulate ? ", accumulating" : ""));
  CHECK(worst < 100 * std::numeric_limits<Scalar>::epsilon());
}

}  // namespace

TEST_CASE("gemm matches a plain loop on every block shape, leftover and stride, with either operand transposed") {
  Rng rng(17);
  const bool accumulate = GENERATE(false, true);
  const Form form = GENERATE(Form::plain, Form::transposed_a, Form::transposed_b);
  for (Index m : {1, 7, 8, 12, 13, 32, 33}) {
    for (Index n : {1, 15, 16, 31, 32, 33, 48, 50, 97, 196}) {
      for (Index k : {0, 1, 9, 255, 256, 300, 600}) check_gemm<float>(form, m, n, k, accumulate, rng);
    }
  }
  check_gemm<double>(form, 13, 50, 300, accumulate, rng);
}
