#pragma once
// gemm: C = A B, or C += A B, on row-major matrices given by pointer and row stride, with either operand
// read transposed where it lies (single-threaded; the layers split their work between threads and call it
// from each share).
//   gemm               C [M, N] (ldc) (+)= A B     A [M, K] (row stride lda)   B [K, N] (ldb)
//   gemm_transposed_a  C (+)= A^T B, A given as [K, M]   (Linear's dW += dy^T x, Conv2d's dcols = W^T dy)
//   gemm_transposed_b  C (+)= A B^T, B given as [N, K]   (Linear's y = x W^T, Conv2d's dW^T += cols dy^T)
// So no layer copies a transposed matrix of its own.
//
// For float on a target with AVX-512 or with AVX2 and FMA (fnn's own executables are compiled with
// -march=native) this is fnn's own kernel, else Eigen's product. The kernel keeps a block of C in vector
// registers and, for each k, adds A[i, k] * B[k, the block's columns] to each of its rows: B's rows are
// read where they lie, without the copy into packed panels that Eigen makes of the larger operand on
// every call, and A's elements are broadcast (from a row of A, or from a column of A^T: either way one
// scalar per row of the block). B^T is the exception: a panel of its columns is copied into B's layout
// once per K slice, a cost shared by all of A's rows. The block is 8 x 48 (12 x 32 when N is that narrow)
// in 24 of AVX-512's 32 registers, or 6 x 16 (12 x 8) in 12 of AVX2's 16. K is taken in slices of 256 so
// that B's slice of the block's columns stays in the level-1 and level-2 caches.
//
// What depends on the instruction set (the kernels, and the gemm functions that choose them) lives in an
// inline namespace named after it (fnn::isa_avx512, fnn::isa_avx2, fnn::isa_generic): two translation
// units compiled with different -m flags get different functions under different names, never two bodies
// of one inline function, and callers still write fnn::gemm. No macro is left defined.
#include <algorithm>
#include <cstring>
#include <type_traits>

#include <Eigen/Core>

#include "fnn/core/tensor.hpp"

namespace fnn {
#if defined(__AVX512F__) && (defined(__GNUC__) || defined(__clang__))
inline namespace isa_avx512 {
constexpr Index gemm_vector_width = 16;  // floats per vector register in fnn's kernel
#elif defined(__AVX2__) && defined(__FMA__) && (defined(__GNUC__) || defined(__clang__))
inline namespace isa_avx2 {
constexpr Index gemm_vector_width = 8;
#else
inline namespace isa_generic {
constexpr Index gemm_vector_width = 0;  // no kernel of fnn's own: Eigen's product
#endif

namespace gemm_detail {

template <bool TransposedA, bool TransposedB, class Scalar>
void eigen_gemm(Index m, Index n, Index k, const Scalar* a, Index lda, const Scalar* b, Index ldb, Scalar* c,
                Index ldc, bool accumulate) {
  using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  using Stride = Eigen::OuterStride<>;
  using ConstMap = Eigen::Map<const Matrix, 0, Stride>;
  const ConstMap a_map(a, TransposedA ? k : m, TransposedA ? m : k, Stride(lda));
  const ConstMap b_map(b, TransposedB ? n : k, TransposedB ? k : n, Stride(ldb));
  Eigen::Map<Matrix, 0, Stride> c_map(c, m, n, Stride(ldc));
  const auto product = [&](const auto& a_op, const auto& b_op) {
    if (accumulate) {
      c_map.noalias() += a_op * b_op;
    } else {
      c_map.noalias() = a_op * b_op;
    }
  };
  static_assert(!(TransposedA && TransposedB), "no layer needs A^T B^T");
  if constexpr (TransposedA) {
    product(a_map.transpose(), b_map);
  } else if constexpr (TransposedB) {
    product(a_map, b_map.transpose());
  } else {
    product(a_map, b_map);
  }
}

// One vector register of floats. GCC's and Clang's vector extensions keep the kernel readable.
constexpr Index vec_width = gemm_vector_width > 0 ? gemm_vector_width : 1;
using Vec = float __attribute__((vector_size(vec_width * sizeof(float))));

inline Vec load(const float* p) {
  Vec v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store(float* p, const Vec& v) { std::memcpy(p, &v, sizeof v); }

// Where A's element (i, p) lies: in row i of A [M, K], or in column i of the [K, M] matrix that A^T gives.
template <bool TransposedA>
constexpr Index a_offset(Index i, Index p, Index lda) {
  return TransposedA ? p * lda + i : i * lda + p;
}

// C[Rows, Vecs * vec_width] (+)= A[Rows, K] B[K, Vecs * vec_width]: the block lives in registers for the
// whole of K.
// The products are summed from zero and added to C at the end: a long sum accumulated over many calls
// (a weight gradient over a mini-batch) then adds small sums to a large one, as Eigen's kernel does, not
// each of its terms; that keeps float's rounding error at Eigen's level.
template <int Rows, int Vecs, bool TransposedA>
void gemm_block(Index k, const float* a, Index lda, const float* b, Index ldb, float* c, Index ldc, bool accumulate) {
  Vec acc[Rows][Vecs];
  for (int i = 0; i < Rows; ++i) {
    for (int j = 0; j < Vecs; ++j) acc[i][j] = Vec{};
  }
  for (Index p = 0; p < k; ++p) {
    Vec b_row[Vecs];
    for (int j = 0; j < Vecs; ++j) b_row[j] = load(b + p * ldb + j * vec_width);
    for (int i = 0; i < Rows; ++i) {
      const float a_ip = a[a_offset<TransposedA>(i, p, lda)];
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
template <int Rows, int Vecs, bool TransposedA>
void gemm_rows(int rows, Index k, const float* a, Index lda, const float* b, Index ldb, float* c, Index ldc,
               bool accumulate) {
  if constexpr (Rows > 1) {
    if (rows < Rows) return gemm_rows<Rows - 1, Vecs, TransposedA>(rows, k, a, lda, b, ldb, c, ldc, accumulate);
  }
  gemm_block<Rows, Vecs, TransposedA>(k, a, lda, b, ldb, c, ldc, accumulate);
}

// C[M, Vecs * vec_width] (+)= A[M, K] B[K, Vecs * vec_width], Rows rows at a time.
template <int Rows, int Vecs, bool TransposedA>
void gemm_column_panel(Index m, Index k, const float* a, Index lda, const float* b, Index ldb, float* c, Index ldc,
                       bool accumulate) {
  for (Index i = 0; i < m; i += Rows) {
    gemm_rows<Rows, Vecs, TransposedA>(static_cast<int>(std::min<Index>(Rows, m - i)), k,
                                       a + a_offset<TransposedA>(i, 0, lda), lda, b, ldb, c + i * ldc, ldc, accumulate);
  }
}

// C[M, cols] (+)= A[M, K] B[K, cols] for a panel of cols <= Vecs * vec_width columns of B (rows of the
// matrix that B^T gives). The kernel reads B where it lies when it can; a panel of B^T, or a last panel
// narrower than the block, is first copied into `packed` ([K, Vecs * vec_width], padded with zeros), and
// C's last columns go through a padded copy of their rows.
template <int Rows, int Vecs, bool TransposedA, bool TransposedB>
void gemm_panel(Index m, Index cols, Index k, const float* a, Index lda, const float* b, Index ldb, float* c,
                Index ldc, bool accumulate, float* packed) {
  constexpr Index width = Vecs * vec_width;
  if (!TransposedB && cols == width) {
    return gemm_column_panel<Rows, Vecs, TransposedA>(m, k, a, lda, b, ldb, c, ldc, accumulate);
  }
  if (cols < width) std::fill(packed, packed + k * width, 0.0f);
  for (Index j = 0; j < cols; ++j) {
    for (Index p = 0; p < k; ++p) packed[p * width + j] = TransposedB ? b[j * ldb + p] : b[p * ldb + j];
  }
  if (cols == width) return gemm_column_panel<Rows, Vecs, TransposedA>(m, k, a, lda, packed, width, c, ldc, accumulate);
  for (Index i = 0; i < m; i += Rows) {
    const int rows = static_cast<int>(std::min<Index>(Rows, m - i));
    float c_tail[Rows * width] = {};
    for (int r = 0; r < rows; ++r) {
      if (accumulate) std::copy(c + (i + r) * ldc, c + (i + r) * ldc + cols, c_tail + r * width);
    }
    gemm_rows<Rows, Vecs, TransposedA>(rows, k, a + a_offset<TransposedA>(i, 0, lda), lda, packed, width, c_tail,
                                       width, accumulate);
    for (int r = 0; r < rows; ++r) std::copy(c_tail + r * width, c_tail + r * width + cols, c + (i + r) * ldc);
  }
}

template <int Rows, int Vecs, bool TransposedA, bool TransposedB>
void own_gemm(Index m, Index n, Index k, const float* a, Index lda, const float* b, Index ldb, float* c, Index ldc,
              bool accumulate) {
  constexpr Index k_slice = 256, width = Vecs * vec_width;
  float packed[k_slice * width];
  if (k == 0 && !accumulate) {
    for (Index i = 0; i < m; ++i) std::fill(c + i * ldc, c + i * ldc + n, 0.0f);
  }
  const auto b_at = [&](Index p, Index j) { return b + (TransposedB ? j * ldb + p : p * ldb + j); };
  for (Index p0 = 0; p0 < k; p0 += k_slice) {
    const Index kc = std::min(k_slice, k - p0);
    const bool add = accumulate || p0 > 0;
    const float* a_slice = a + a_offset<TransposedA>(0, p0, lda);
    Index j = 0;
    for (; j + width <= n; j += width) {
      gemm_panel<Rows, Vecs, TransposedA, TransposedB>(m, width, kc, a_slice, lda, b_at(p0, j), ldb, c + j, ldc, add,
                                                       packed);
    }
    for (; j < n; j += vec_width) {
      gemm_panel<Rows, 1, TransposedA, TransposedB>(m, std::min(vec_width, n - j), kc, a_slice, lda, b_at(p0, j), ldb,
                                                    c + j, ldc, add, packed);
    }
  }
}

template <bool TransposedA, bool TransposedB, class Scalar>
void gemm(Index m, Index n, Index k, const Scalar* a, Index lda, const Scalar* b, Index ldb, Scalar* c, Index ldc,
          bool accumulate) {
  if constexpr (std::is_same_v<Scalar, float> && gemm_vector_width > 0) {
    // A single row times B^T (one image through Linear) is Eigen's matrix-vector product: the panels the
    // kernel would copy of B^T cost as much as the product itself.
    if constexpr (TransposedB) {
      if (m == 1) return eigen_gemm<false, true>(m, n, k, a, lda, b, ldb, c, ldc, accumulate);
    }
    // The accumulators take 24 of AVX-512's 32 registers or 12 of AVX2's 16; the rest hold B's row and A's
    // broadcast element.
    constexpr bool wide = vec_width == 16;
    if (n <= 2 * vec_width) {
      return own_gemm<12, wide ? 2 : 1, TransposedA, TransposedB>(m, n, k, a, lda, b, ldb, c, ldc, accumulate);
    }
    return own_gemm<wide ? 8 : 6, wide ? 3 : 2, TransposedA, TransposedB>(m, n, k, a, lda, b, ldb, c, ldc,
                                                                            accumulate);
  } else {
    eigen_gemm<TransposedA, TransposedB>(m, n, k, a, lda, b, ldb, c, ldc, accumulate);
  }
}

}  // namespace gemm_detail

template <class Scalar>
void gemm(Index m, Index n, Index k, const Scalar* a, Index lda, const Scalar* b, Index ldb, Scalar* c, Index ldc,
          bool accumulate) {
  gemm_detail::gemm<false, false>(m, n, k, a, lda, b, ldb, c, ldc, accumulate);
}

// C [M, N] (+)= A^T B, with A given as [K, M] (row stride lda).
template <class Scalar>
void gemm_transposed_a(Index m, Index n, Index k, const Scalar* a, Index lda, const Scalar* b, Index ldb, Scalar* c,
                       Index ldc, bool accumulate) {
  gemm_detail::gemm<true, false>(m, n, k, a, lda, b, ldb, c, ldc, accumulate);
}

// C [M, N] (+)= A B^T, with B given as [N, K] (row stride ldb).
template <class Scalar>
void gemm_transposed_b(Index m, Index n, Index k, const Scalar* a, Index lda, const Scalar* b, Index ldb, Scalar* c,
                       Index ldc, bool accumulate) {
  gemm_detail::gemm<false, true>(m, n, k, a, lda, b, ldb, c, ldc, accumulate);
}

}  // inline namespace isa_*
}  // namespace fnn
