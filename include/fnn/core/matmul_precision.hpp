#pragma once
// The precision of float matrix products, as PyTorch's torch.set_float32_matmul_precision:
//   fnn::set_float32_matmul_precision(fnn::MatmulPrecision::bfloat16);   // the whole process, every thread
//   { fnn::MatmulPrecisionScope scope(fnn::MatmulPrecision::bfloat16); model.forward(x); }   // restored after
// With bfloat16, fnn::gemm (and so Conv2d's and Linear's products, forward and backward) rounds both
// operands to bfloat16 (to nearest, ties to even) and multiplies them with AVX512-BF16's vdpbf16ps, summing
// in float: C, the weights, their gradients and everything outside the products stay float. That doubles
// the products' arithmetic rate at about 3 significant decimal digits per operand (PyTorch's autocast to
// bfloat16 rounds the same operands). float32 is the default and gives exactly the results of a program
// that never sets it. double products never change.
//
// The setting is process-wide, not per thread: the layers' OpenMP threads run the products, and they must
// see what the calling thread set. Set it between training steps, not while another thread runs products.
//
// A build without AVX512-BF16 (the compiler does not define __AVX512BF16__: no -march=native on such a
// CPU, -march=x86-64-v4 or lower) accepts the setting and computes in float32;
// fnn::float32_matmul_precision_in_use() (fnn/core/gemm.hpp) tells which precision the products take.
#include <atomic>

namespace fnn {

enum class MatmulPrecision { float32, bfloat16 };

inline const char* to_string(MatmulPrecision precision) {
  return precision == MatmulPrecision::bfloat16 ? "bfloat16" : "float32";
}

namespace detail {
// One value for the whole program (an inline variable: the same object in every translation unit).
// Relaxed order suffices: the threads of a parallel region start after the caller's store.
inline std::atomic<MatmulPrecision> float32_matmul_precision{MatmulPrecision::float32};
}  // namespace detail

// The precision asked for; where it is taken, fnn::float32_matmul_precision_in_use().
inline MatmulPrecision float32_matmul_precision() {
  return detail::float32_matmul_precision.load(std::memory_order_relaxed);
}

inline void set_float32_matmul_precision(MatmulPrecision precision) {
  detail::float32_matmul_precision.store(precision, std::memory_order_relaxed);
}

// Sets a precision for its lifetime and restores the one before it.
class MatmulPrecisionScope {
 public:
  explicit MatmulPrecisionScope(MatmulPrecision precision) : before_(float32_matmul_precision()) {
    set_float32_matmul_precision(precision);
  }
  ~MatmulPrecisionScope() { set_float32_matmul_precision(before_); }
  MatmulPrecisionScope(const MatmulPrecisionScope&) = delete;
  MatmulPrecisionScope& operator=(const MatmulPrecisionScope&) = delete;

 private:
  MatmulPrecision before_;
};

}  // namespace fnn
