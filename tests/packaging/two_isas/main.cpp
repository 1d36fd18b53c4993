// Translation units compiled for different instruction sets, linked into one program (as a program that
// chooses its code path at run time is built): each must run the gemm kernel of its own instruction set.
// Were the kernels one inline function with a body per -m flag, the linker would keep one body for all
// units, and the widths below would all be the same. With bfloat16 asked for, only the unit built with
// AVX512-BF16 takes it; the unit built for AVX-512 without it stays float32.
#include <fnn/core/matmul_precision.hpp>
#include <fnn/core/shape.hpp>
#include <iostream>

#define FNN_TWO_ISAS_UNIT(name)     \
  fnn::Index name##_kernel_width(); \
  double name##_product_error();    \
  fnn::MatmulPrecision name##_precision_in_use();
FNN_TWO_ISAS_UNIT(generic)
FNN_TWO_ISAS_UNIT(avx2)
#ifdef FNN_TWO_ISAS_AVX512
FNN_TWO_ISAS_UNIT(avx512)
#endif
#ifdef FNN_TWO_ISAS_AVX512BF16
FNN_TWO_ISAS_UNIT(avx512bf16)
#endif

namespace {
bool check(const char* unit, fnn::Index width, fnn::Index expected_width, double error, fnn::MatmulPrecision precision,
           fnn::MatmulPrecision expected_precision) {
  std::cout << unit << ": kernel width " << width << " (expected " << expected_width << "), largest error " << error
            << ", " << fnn::to_string(precision) << " (expected " << fnn::to_string(expected_precision) << ")\n";
  // small integers: every sum is exact in float, and every value in bfloat16
  return width == expected_width && error == 0.0 && precision == expected_precision;
}
}  // namespace

int main() {
  bool ok = true;
  for (const auto asked : {fnn::MatmulPrecision::float32, fnn::MatmulPrecision::bfloat16}) {
    fnn::MatmulPrecisionScope scope(asked);
    std::cout << "asked for " << fnn::to_string(asked) << "\n";
    const auto float32 = fnn::MatmulPrecision::float32;
    ok &= check("x86-64 (Eigen)", generic_kernel_width(), 0, generic_product_error(), generic_precision_in_use(),
                float32);
    ok &= check("x86-64-v3 (AVX2)", avx2_kernel_width(), 8, avx2_product_error(), avx2_precision_in_use(), float32);
#ifdef FNN_TWO_ISAS_AVX512
    ok &= check("x86-64-v4 (AVX-512)", avx512_kernel_width(), 16, avx512_product_error(), avx512_precision_in_use(),
                float32);
#endif
#ifdef FNN_TWO_ISAS_AVX512BF16
    ok &= check("x86-64-v4 with BF16", avx512bf16_kernel_width(), 16, avx512bf16_product_error(),
                avx512bf16_precision_in_use(), asked);
#endif
  }
  return ok ? 0 : 1;
}
