// gemm against a plain triple loop in double: every block shape of the kernel and its leftovers (rows
// not a multiple of the block's, the last columns short of a vector, K across slices), row strides
// wider than the matrices, overwrite and accumulate. Cells outside C must stay untouched.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "support/random_tensor.hpp"

using namespace fnn;

namespace {

template <class Scalar>
void check_gemm(Index m, Index n, Index k, bool accumulate, Rng& rng) {
  const Index lda = k + 3, ldb = n + 5, ldc = n + 2;  // strides wider than the rows
  const Tensor<Scalar> a = test::random_normal<Scalar>({m, lda}, rng), b = test::random_normal<Scalar>({k, ldb}, rng);
  Tensor<Scalar> c = test::random_normal<Scalar>({m, ldc}, rng);
  const Tensor<Scalar> c_before = c;
  gemm(m, n, k, a.data(), lda, b.data(), ldb, c.data(), ldc, accumulate);
  double worst = 0;
  for (Index i = 0; i < m; ++i) {
    for (Index j = 0; j < ldc; ++j) {
      if (j >= n) {
        REQUIRE(c[i * ldc + j] == c_before[i * ldc + j]);  // the padding between rows is not written
        continue;
      }
      double expected = accumulate ? static_cast<double>(c_before[i * ldc + j]) : 0.0;
      for (Index p = 0; p < k; ++p) expected += static_cast<double>(a[i * lda + p]) * b[p * ldb + j];
      worst = std::max(worst, std::abs(c[i * ldc + j] - expected) / (1.0 + std::sqrt(static_cast<double>(k))));
    }
  }
  INFO("m " << m << ", n " << n << ", k " << k << (accumulate ? ", accumulating" : ""));
  CHECK(worst < 100 * std::numeric_limits<Scalar>::epsilon());
}

}  // namespace

TEST_CASE("gemm matches a plain loop on every block shape, leftover and stride") {
  Rng rng(17);
  const bool accumulate = GENERATE(false, true);
  for (Index m : {1, 7, 8, 12, 13, 32, 33}) {
    for (Index n : {1, 15, 16, 31, 32, 33, 48, 50, 97, 196}) {
      for (Index k : {0, 1, 9, 255, 256, 300, 600}) check_gemm<float>(m, n, k, accumulate, rng);
    }
  }
  check_gemm<double>(13, 50, 300, accumulate, rng);
}
