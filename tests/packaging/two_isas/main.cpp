// Translation units compiled for different instruction sets, linked into one program (as a program that
// chooses its code path at run time is built): each must run the gemm kernel of its own instruction set.
// Were the kernels one inline function with a body per -m flag, the linker would keep one body for all
// units, and the widths below would all be the same.
#include <fnn/core/shape.hpp>

#include <iostream>

fnn::Index generic_kernel_width();
fnn::Index avx2_kernel_width();
double generic_product_error();
double avx2_product_error();
#ifdef FNN_TWO_ISAS_AVX512
fnn::Index avx512_kernel_width();
double avx512_product_error();
#endif

namespace {
bool check(const char* unit, fnn::Index width, fnn::Index expected_width, double error) {
  std::cout << unit << ": kernel width " << width << " (expected " << expected_width << "), largest error "
            << error << "\n";
  return width == expected_width && error == 0.0;  // small integers: every sum is exact in float
}
}  // namespace

int main() {
  bool ok = check("x86-64 (Eigen)", generic_kernel_width(), 0, generic_product_error());
  ok &= check("x86-64-v3 (AVX2)", avx2_kernel_width(), 8, avx2_product_error());
#ifdef FNN_TWO_ISAS_AVX512
  ok &= check("x86-64-v4 (AVX-512)", avx512_kernel_width(), 16, avx512_product_error());
#endif
  return ok ? 0 : 1;
}
