#pragma once
// gemm: C = A B, or C += A B, on row-major matrices given by pointer and row stride (single-threaded;
// the layers split their work between threads and call it from each share).
//   A [M, K] (row stride lda)   B [K, N] (ldb)   C [M, N] (ldc)
//
// For float on a target with AVX-512 or with AVX2 and FMA (fnn's own executables are compiled with
// -march=native) this is fnn's own kernel, else Eigen's product. The kernel keeps a block of C in vector
// registers and, for each k, adds A[i, k] * B[k, the block's columns] to each of its rows: B's rows are
// read where they lie, without the copy into packed panels that Eigen makes of the larger operand on
// every call, and A's elements are broadcast. The block is 8 x 48 (12 x 32 when N is that narrow) in 24
// of AVX-512's 32 registers, or 6 x 16 (12 x 8) in 12 of AVX2's 16. K is taken in slices of 256 so that
// B's slice of the block's columns stays in the level-1 and level-2 caches. At the convolution shapes of
// the seed models (M = 32-576, N = 32-784, K = 32-784) the AVX-512 kernel ran 1.4-1.8x faster than
// Eigen 3.4 on one core, the AVX2 one 1.1-1.8x (docs/performance.md); a product of a few hundred columns
// fills no more of the machine than that.
#include <algorithm>
#include <cstring>
#include <type_traits>

#include <Eigen/Core>

#include "fnn/core/tensor.hpp"

namespace fnn {

namespace detail {

template <class Scalar>
void eigen_gemm(Index m, Index n, Index k, const Scalar* a, Index lda, const Scalar* b, Index ldb, Scalar* c,
                Index ldc, bool accumulate) {
  using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  using Stride = Eigen::OuterStride<>;
  const Eigen::Map<const Matrix, 0, Stride> a_map(a, m, k, Stride(lda)), b_map(b, k, n, Stride(ldb));
  Eigen::Map<Matrix, 0, Stride> c_map(c, m, n, Stride(ldc));
  if (accumulate) {
    c_map.noalias() += a_map * b_map;
  } else {
    c_map.noalias() = a_map * b_map;
  }
}

#if (defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))) && (defined(__GNUC__) || defined(__clang__))
#define FNN_OWN_GEMM 1

// One vector register of floats: 16 with AVX-512, 8 with AVX2. GCC's and Clang's vector extensions keep
// the kernel readable.
#ifdef __AVX512F__
constexpr Index vec_width = 16;
#else
constexpr Index vec_width = 8;
#endif
using Vec = float __attribute__((vector_size(vec_width * sizeof(float))));

inline Vec load(const float* p) {
  Vec v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store(float* p, const Vec& v) { std::memcpy(p, &v, sizeof v); }

// C[Rows, Vecs * vec_width] (+)= A[Rows, K] B[K, Vecs * vec_width]: the block lives in registers for the
// whole of K.
// The products are summed from zero and added to C at the end: a long sum accumulated over many calls
// (a weight gradient over a mini-batch) then adds small sums to a large one, as Eigen's kernel does, not
// each of its terms; that keeps float's rounding error at Eigen's level.
template <int Rows, int Vecs>
void gemm_block(Index k, const float* a, Index lda, const float* b, Index ldb, float* c, Index ldc, bool accumulate) {
  Vec acc[Rows][Vecs];
  for (int i = 0; i < Rows; ++i) {
    for (int j = 0; j < Vecs; ++j) acc[i][j] = Vec{};
  }
  for (Index p = 0; p < k; ++p) {
    Vec b_row[Vecs];
    for (int j = 0; j < Vecs; ++j) b_row[j] = load(b + p * ldb + j * vec_width);
    for (int i = 0; i < Rows; ++i) {
      const float a_ip = a[i * lda + p];
      for (int j = 0; j < Vecs; ++j) acc[i][j] += a_ip * b_row[j];
    }
  }
  for (int i = 0; i < Rows; ++i) {
    for (int j = 0; j < Vecs; ++j) {
      float* c_ij = c + i * ldc + j * vec_width;
      store(c_ij, accumulate ? load(c_ij) + acc[i][j] : acc[i][j]);
    }
  }
}

// The block for the last rows of C, when fewer than Rows are left: the row count becomes a template
// argument, so that every block keeps its accumulators in registers.
template <int Rows, int Vecs>
void gemm_rows(int rows, Index k, const float* a, Index lda, const float* b, Index ldb, float* c, Index ldc,
               bool accumulate) {
  if constexpr (Rows > 1) {
    if (rows < Rows) return gemm_rows<Rows - 1, Vecs>(rows, k, a, lda, b, ldb, c, ldc, accumulate);
  }
  gemm_block<Rows, Vecs>(k, a, lda, b, ldb, c, ldc, accumulate);
}

// C[M, Vecs * vec_width] (+)= A[M, K] B[K, Vecs * vec_width], Rows rows at a time.
template <int Rows, int Vecs>
void gemm_column_panel(Index m, Index k, const float* a, Index lda, const float* b, Index ldb, float* c, Index ldc,
                       bool accumulate) {
  for (Index i = 0; i < m; i += Rows) {
    gemm_rows<Rows, Vecs>(static_cast<int>(std::min<Index>(Rows, m - i)), k, a + i * lda, lda, b, ldb, c + i * ldc,
                          ldc, accumulate);
  }
}

template <int Rows, int Vecs>
void own_gemm(Index m, Index n, Index k, const float* a, Index lda, const float* b, Index ldb, float* c, Index ldc,
              bool accumulate) {
  constexpr Index k_slice = 256, panel = Vecs * vec_width;
  if (k == 0 && !accumulate) {
    for (Index i = 0; i < m; ++i) std::fill(c + i * ldc, c + i * ldc + n, 0.0f);
  }
  for (Index p0 = 0; p0 < k; p0 += k_slice) {
    const Index kc = std::min(k_slice, k - p0);
    const bool add = accumulate || p0 > 0;
    const float* a_slice = a + p0;
    const float* b_slice = b + p0 * ldb;
    Index j = 0;
    for (; j + panel <= n; j += panel) {
      gemm_column_panel<Rows, Vecs>(m, kc, a_slice, lda, b_slice + j, ldb, c + j, ldc, add);
    }
    for (; j + vec_width <= n; j += vec_width) {
      gemm_column_panel<Rows, 1>(m, kc, a_slice, lda, b_slice + j, ldb, c + j, ldc, add);
    }
    if (j == n) continue;
    // The last n - j < vec_width columns: through a copy of B's and C's columns padded with zeros.
    const Index tail = n - j;
    float b_tail[k_slice * vec_width] = {};
    for (Index p = 0; p < kc; ++p) std::copy(b_slice + p * ldb + j, b_slice + p * ldb + n, b_tail + p * vec_width);
    for (Index i = 0; i < m; i += Rows) {
      const int rows = static_cast<int>(std::min<Index>(Rows, m - i));
      float c_tail[Rows * vec_width] = {};
      for (int r = 0; r < rows; ++r) {
        if (add) std::copy(c + (i + r) * ldc + j, c + (i + r) * ldc + n, c_tail + r * vec_width);
      }
      gemm_rows<Rows, 1>(rows, kc, a_slice + i * lda, lda, b_tail, vec_width, c_tail, vec_width, add);
      for (int r = 0; r < rows; ++r) {
        std::copy(c_tail + r * vec_width, c_tail + r * vec_width + tail, c + (i + r) * ldc + j);
      }
    }
  }
}
#endif

}  // namespace detail

template <class Scalar>
void gemm(Index m, Index n, Index k, const Scalar* a, Index lda, const Scalar* b, Index ldb, Scalar* c, Index ldc,
          bool accumulate) {
#ifdef FNN_OWN_GEMM
  if constexpr (std::is_same_v<Scalar, float>) {
    // The accumulators take 24 of AVX-512's 32 registers or 12 of AVX2's 16; the rest hold B's row and A's
    // broadcast element.
    constexpr bool wide = detail::vec_width == 16;
    if (n <= 2 * detail::vec_width) {
      return detail::own_gemm<12, wide ? 2 : 1>(m, n, k, a, lda, b, ldb, c, ldc, accumulate);
    }
    return detail::own_gemm<wide ? 8 : 6, wide ? 3 : 2>(m, n, k, a, lda, b, ldb, c, ldc, accumulate);
  }
#endif
  detail::eigen_gemm(m, n, k, a, lda, b, ldb, c, ldc, accumulate);
}

}  // namespace fnn
