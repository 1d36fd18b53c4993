// One translation unit of the mixed-ISA program, compiled once per instruction set with UNIT naming its
// functions: what gemm kernel this unit was built with, and the largest error of a product it computes.
#include <fnn/core/gemm.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

#define FNN_CONCAT_(a, b) a##b
#define FNN_CONCAT(a, b) FNN_CONCAT_(a, b)

fnn::Index FNN_CONCAT(UNIT, _kernel_width)() { return fnn::gemm_vector_width; }

// The precision this unit's float products take under the program's setting.
fnn::MatmulPrecision FNN_CONCAT(UNIT, _precision_in_use)() { return fnn::float32_matmul_precision_in_use(); }

// C = A B at a shape that takes every path of the kernel (full blocks, last rows, narrow last columns),
// against the sum written out. The values are small integers, which bfloat16 holds exactly: the error is
// zero in either precision.
double FNN_CONCAT(UNIT, _product_error)() {
  const fnn::Index m = 13, n = 53, k = 300;
  std::vector<float> a(m * k), b(k * n), c(m * n);
  for (fnn::Index i = 0; i < m * k; ++i) a[i] = static_cast<float>((i * 7) % 11) - 5.0f;
  for (fnn::Index i = 0; i < k * n; ++i) b[i] = static_cast<float>((i * 5) % 13) - 6.0f;
  fnn::gemm(m, n, k, a.data(), k, b.data(), n, c.data(), n, false);
  double worst = 0.0;
  for (fnn::Index i = 0; i < m; ++i) {
    for (fnn::Index j = 0; j < n; ++j) {
      double sum = 0.0;
      for (fnn::Index p = 0; p < k; ++p) sum += double(a[i * k + p]) * double(b[p * n + j]);
      worst = std::max(worst, std::abs(sum - double(c[i * n + j])));
    }
  }
  return worst;
}
