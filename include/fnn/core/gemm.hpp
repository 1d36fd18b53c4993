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
// of one inline function, and callers still write fnn::gemm. AVX-512 with BF16 is an instruction set of its
// own (fnn::isa_avx512bf16): its gemm has the bfloat16 kernel below, which an -mavx512f build lacks. No macro
// is left defined.
//
// With fnn::set_float32_matmul_precision(MatmulPrecision::bfloat16) (fnn/core/matmul_precision.hpp) and
// AVX512-BF16, float products round A and B to bfloat16 and multiply them with vdpbf16ps, which sums the
// products of two consecutive k at a time into float (see namespace bf16 below); else they are the float
// kernel's, bit for bit whatever the setting. A single row times B^T stays Eigen's float product.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

#include <Eigen/Core>

#include "fnn/core/matmul_precision.hpp"
#include "fnn/core/tensor.hpp"

#if defined(__AVX512F__) && defined(__AVX512BF16__) && (defined(__GNUC__) || defined(__clang__))
#define FNN_GEMM_BFLOAT16_ 1  // undefined at the end of this file
#include <immintrin.h>
#endif

namespace fnn {
#if defined(FNN_GEMM_BFLOAT16_)
inline namespace isa_avx512bf16 {
constexpr Index gemm_vector_width = 16;  // floats per vector register in fnn's kernel
constexpr bool gemm_bfloat16 = true;     // a bfloat16 kernel for MatmulPrecision::bfloat16
#elif defined(__AVX512F__) && (defined(__GNUC__) || defined(__clang__))
inline namespace isa_avx512 {
constexpr Index gemm_vector_width = 16;
constexpr bool gemm_bfloat16 = false;
#elif defined(__AVX2__) && defined(__FMA__) && (defined(__GNUC__) || defined(__clang__))
inline namespace isa_avx2 {
constexpr Index gemm_vector_width = 8;
constexpr bool gemm_bfloat16 = false;
#else
inline namespace isa_generic {
constexpr Index gemm_vector_width = 0;  // no kernel of fnn's own: Eigen's product
constexpr bool gemm_bfloat16 = false;
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

// Calls f(std::integral_constant<int, R>{}) with R = rows, 1 <= rows <= Rows: the row count of the last
// block of C, when fewer than Rows are left, becomes a template argument, so that every block keeps its
// accumulators in registers.
template <int Rows, class F>
void with_rows(int rows, F&& f) {
  if constexpr (Rows > 1) {
    if (rows < Rows) return with_rows<Rows - 1>(rows, f);
  }
  f(std::integral_constant<int, Rows>{});
}

template <int Rows, int Vecs, bool TransposedA>
void gemm_rows(int rows, Index k, const float* a, Index lda, const float* b, Index ldb, float* c, Index ldc,
               bool accumulate) {
  with_rows<Rows>(rows, [&](auto block_rows) {
    gemm_block<decltype(block_rows)::value, Vecs, TransposedA>(k, a, lda, b, ldb, c, ldc, accumulate);
  });
}

// The block of `rows` rows and C's last cols < Width columns, computed by run(c_tail, Width) into a copy
// of those rows padded to Width columns (C's own rows may end before a whole vector).
template <int Rows, Index Width, class Run>
void through_c_tail(int rows, Index cols, float* c, Index ldc, bool accumulate, Run&& run) {
  float c_tail[Rows * Width] = {};
  for (int r = 0; r < rows; ++r) {
    if (accumulate) std::copy(c + r * ldc, c + r * ldc + cols, c_tail + r * Width);
  }
  run(c_tail, Width);
  for (int r = 0; r < rows; ++r) std::copy(c_tail + r * Width, c_tail + r * Width + cols, c + r * ldc);
}

// C = 0 for a product over an empty K.
inline void clear_rows(Index m, Index n, float* c, Index ldc) {
  for (Index i = 0; i < m; ++i) std::fill(c + i * ldc, c + i * ldc + n, 0.0f);
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
    through_c_tail<Rows, width>(rows, cols, c + i * ldc, ldc, accumulate, [&](float* c_tail, Index ld_tail) {
      gemm_rows<Rows, Vecs, TransposedA>(rows, k, a + a_offset<TransposedA>(i, 0, lda), lda, packed, width, c_tail,
                                         ld_tail, accumulate);
    });
  }
}

template <int Rows, int Vecs, bool TransposedA, bool TransposedB>
void own_gemm(Index m, Index n, Index k, const float* a, Index lda, const float* b, Index ldb, float* c, Index ldc,
              bool accumulate) {
  constexpr Index k_slice = 256, width = Vecs * vec_width;
  float packed[k_slice * width];
  if (k == 0 && !accumulate) clear_rows(m, n, c, ldc);
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

#if defined(FNN_GEMM_BFLOAT16_)
// The bfloat16 kernel. vdpbf16ps takes pairs: each 32-bit lane of its two operands holds two bfloat16,
// and lane j of the float accumulator gains a0 b0 + a1 b1 of the lanes' pairs. So K is taken two at a
// time, and both operands are rounded and packed into pairs once per K slice:
//   B's panel  [K/2][width] pairs (B[p, j], B[p + 1, j]), once per column panel, shared by all of A's rows;
//   A's slice  pairs (A[i, p], A[i, p + 1]), once for all rows, each pair broadcast to every lane.
// An odd K's last pair holds a zero. The block of C is 8 x 48 floats (12 x 32 when N is that narrow), as
// the float kernel's: 24 accumulators, 3 (2) of B's vectors and A's broadcast pair in AVX-512's 32
// registers. A vdpbf16ps does the work of two float FMAs, from operands half the size.
namespace bf16 {

constexpr Index lanes = 16, k_slice = 256;

inline __mmask16 first_lanes(Index n) { return n >= lanes ? __mmask16(0xFFFF) : __mmask16((1u << n) - 1); }

// dst[0, n) = src[0, n) rounded to bfloat16, to nearest with ties to even (vcvtne2ps2bf16: as vdpbf16ps
// itself, it takes a subnormal float for zero). 32 values at a time, a masked step for the last ones:
// masked loads and stores cost more than plain ones, and this runs over every element of an operand.
inline void round_row(const float* src, Index n, std::uint16_t* dst) {
  Index j = 0;
  for (; j + 2 * lanes <= n; j += 2 * lanes) {
    const __m512bh rounded = _mm512_cvtne2ps_pbh(_mm512_loadu_ps(src + j + lanes), _mm512_loadu_ps(src + j));
    _mm512_storeu_si512(dst + j, reinterpret_cast<const __m512i&>(rounded));
  }
  for (; j < n; j += lanes) {
    const __mmask16 mask = first_lanes(n - j);
    const __m256bh rounded = _mm512_cvtneps_pbh(_mm512_maskz_loadu_ps(mask, src + j));
    _mm256_mask_storeu_epi16(dst + j, mask, reinterpret_cast<const __m256i&>(rounded));
  }
}

// dst's pairs j in [0, n) = (first[j], second[j]) rounded; a null second stands for a row of zeros.
inline void interleave_rows(const float* first, const float* second, Index n, std::uint16_t* dst) {
  // vcvtne2ps2bf16 puts first's 16 values in the low half of its result, second's in the high half; the
  // permutation takes them alternately.
  static constexpr std::uint16_t order[32] = {0, 16, 1, 17, 2,  18, 3,  19, 4,  20, 5,  21, 6,  22, 7,  23,
                                              8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31};
  const __m512i alternate = _mm512_loadu_si512(order);
  const auto pairs = [&](__m512 low, __m512 high) {
    const __m512bh halves = _mm512_cvtne2ps_pbh(high, low);
    return _mm512_permutexvar_epi16(alternate, reinterpret_cast<const __m512i&>(halves));
  };
  Index j = 0;
  for (; j + lanes <= n; j += lanes) {  // whole vectors: plain loads and stores, as in round_row
    const __m512 high = second ? _mm512_loadu_ps(second + j) : _mm512_setzero_ps();
    _mm512_storeu_si512(dst + 2 * j, pairs(_mm512_loadu_ps(first + j), high));
  }
  if (j < n) {
    const __mmask16 mask = first_lanes(n - j);
    const __m512 high = second ? _mm512_maskz_loadu_ps(mask, second + j) : _mm512_setzero_ps();
    _mm512_mask_storeu_epi32(dst + 2 * j, mask, pairs(_mm512_maskz_loadu_ps(mask, first + j), high));
  }
}

// A's packed slice: row i's pair q lies at data[i * row_step + q * pair_step] (in bfloat16 elements).
struct PackedA {
  const std::uint16_t* data;
  Index row_step, pair_step;
  PackedA from_row(Index i) const { return {data + i * row_step, row_step, pair_step}; }
};

// Each thread's buffer for A's slice, grown to the largest it has packed, so that no product allocates
// once the shapes repeat. Not a stack array: M is unbounded.
inline std::vector<std::uint16_t>& packed_a_buffer() {
  thread_local std::vector<std::uint16_t> buffer;
  return buffer;
}

// A's slice [M, kc] (A^T's [kc, M]) as pairs. A row of A has its pairs in order already, so rounding it
// packs it; A^T's pairs lie in two of its rows, which are interleaved.
template <bool TransposedA>
PackedA pack_a(Index m, Index kc, const float* a, Index lda) {
  const Index pairs = (kc + 1) / 2;
  std::vector<std::uint16_t>& buffer = packed_a_buffer();
  if (static_cast<Index>(buffer.size()) < 2 * pairs * m) buffer.resize(2 * pairs * m);
  std::uint16_t* dst = buffer.data();
  if constexpr (TransposedA) {
    for (Index q = 0; q < pairs; ++q) {
      const float* first = a + 2 * q * lda;
      interleave_rows(first, 2 * q + 1 < kc ? first + lda : nullptr, m, dst + 2 * q * m);
    }
    return {dst, 2, 2 * m};
  } else {
    for (Index i = 0; i < m; ++i) {
      round_row(a + i * lda, kc, dst + 2 * i * pairs);
      if (kc % 2) dst[2 * i * pairs + kc] = 0;
    }
    return {dst, 2 * pairs, 2};
  }
}

// B's panel [kc, cols] (of B^T given as [cols, kc]) as [pairs][Width] pairs, the columns past cols zero.
// A column of B^T has its pairs in order: rounded once, its pairs go to their rows of the panel.
template <Index Width, bool TransposedB>
void pack_b(Index cols, Index kc, const float* b, Index ldb, std::uint16_t* dst) {
  const Index pairs = (kc + 1) / 2;
  if (cols < Width) std::fill(dst, dst + 2 * pairs * Width, std::uint16_t(0));
  if constexpr (TransposedB) {
    std::uint16_t column[k_slice];
    for (Index j = 0; j < cols; ++j) {
      round_row(b + j * ldb, kc, column);
      if (kc % 2) column[kc] = 0;
      for (Index q = 0; q < pairs; ++q) std::memcpy(dst + 2 * (q * Width + j), column + 2 * q, 2 * sizeof *column);
    }
  } else {
    for (Index q = 0; q < pairs; ++q) {
      const float* first = b + 2 * q * ldb;
      interleave_rows(first, 2 * q + 1 < kc ? first + ldb : nullptr, cols, dst + 2 * q * Width);
    }
  }
}

// C[Rows, Vecs * lanes] (+)= A B over `pairs` pairs of K, the block in registers; summed from zero and
// added to C at the end, as the float kernel does.
template <int Rows, int Vecs>
void block(Index pairs, PackedA a, const std::uint16_t* b, float* c, Index ldc, bool accumulate) {
  constexpr Index width = Vecs * lanes;
  __m512 acc[Rows][Vecs];
  for (int i = 0; i < Rows; ++i) {
    for (int j = 0; j < Vecs; ++j) acc[i][j] = _mm512_setzero_ps();
  }
  for (Index q = 0; q < pairs; ++q) {
    __m512bh b_pairs[Vecs];
    for (int j = 0; j < Vecs; ++j) {
      const __m512i loaded = _mm512_loadu_si512(b + 2 * (q * width + j * lanes));
      b_pairs[j] = reinterpret_cast<const __m512bh&>(loaded);
    }
    const std::uint16_t* a_q = a.data + q * a.pair_step;
    for (int i = 0; i < Rows; ++i) {
      std::int32_t a_pair;
      std::memcpy(&a_pair, a_q + i * a.row_step, sizeof a_pair);
      const __m512i broadcast = _mm512_set1_epi32(a_pair);
      const __m512bh a_pairs = reinterpret_cast<const __m512bh&>(broadcast);
      for (int j = 0; j < Vecs; ++j) acc[i][j] = _mm512_dpbf16_ps(acc[i][j], a_pairs, b_pairs[j]);
    }
  }
  for (int i = 0; i < Rows; ++i) {
    for (int j = 0; j < Vecs; ++j) {
      float* c_ij = c + i * ldc + j * lanes;
      _mm512_storeu_ps(c_ij, accumulate ? _mm512_add_ps(_mm512_loadu_ps(c_ij), acc[i][j]) : acc[i][j]);
    }
  }
}

// C[M, cols] (+)= A B for a panel of cols <= Vecs * lanes columns, over one K slice: B's panel packed
// into `packed`, then every block of A's rows; C's last columns through a padded copy.
template <int Rows, int Vecs, bool TransposedB>
void panel(Index m, Index cols, Index kc, const PackedA& a, const float* b, Index ldb, float* c, Index ldc,
           bool accumulate, std::uint16_t* packed) {
  constexpr Index width = Vecs * lanes;
  pack_b<width, TransposedB>(cols, kc, b, ldb, packed);
  const Index pairs = (kc + 1) / 2;
  for (Index i = 0; i < m; i += Rows) {
    const PackedA a_rows = a.from_row(i);
    float* c_rows = c + i * ldc;
    with_rows<Rows>(static_cast<int>(std::min<Index>(Rows, m - i)), [&](auto block_rows) {
      constexpr int rows = decltype(block_rows)::value;
      if (cols == width) return block<rows, Vecs>(pairs, a_rows, packed, c_rows, ldc, accumulate);
      through_c_tail<rows, width>(rows, cols, c_rows, ldc, accumulate, [&](float* c_tail, Index ld_tail) {
        block<rows, Vecs>(pairs, a_rows, packed, c_tail, ld_tail, accumulate);
      });
    });
  }
}

template <int Rows, int Vecs, bool TransposedA, bool TransposedB>
void gemm(Index m, Index n, Index k, const float* a, Index lda, const float* b, Index ldb, float* c, Index ldc,
          bool accumulate) {
  constexpr Index width = Vecs * lanes;
  alignas(64) std::uint16_t packed[k_slice * width];  // B's panel: 24 KB for 48 columns, in the level-1 cache
  if (k == 0 && !accumulate) clear_rows(m, n, c, ldc);
  const auto b_at = [&](Index p, Index j) { return b + (TransposedB ? j * ldb + p : p * ldb + j); };
  for (Index p0 = 0; p0 < k; p0 += k_slice) {
    const Index kc = std::min(k_slice, k - p0);
    const bool add = accumulate || p0 > 0;
    const PackedA a_slice = pack_a<TransposedA>(m, kc, a + a_offset<TransposedA>(0, p0, lda), lda);
    Index j = 0;
    for (; j + width <= n; j += width) {
      panel<Rows, Vecs, TransposedB>(m, width, kc, a_slice, b_at(p0, j), ldb, c + j, ldc, add, packed);
    }
    for (; j < n; j += lanes) {
      panel<Rows, 1, TransposedB>(m, std::min(lanes, n - j), kc, a_slice, b_at(p0, j), ldb, c + j, ldc, add, packed);
    }
  }
}

}  // namespace bf16
#endif

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
#if defined(FNN_GEMM_BFLOAT16_)
    if (float32_matmul_precision() == MatmulPrecision::bfloat16) {
      if (n <= 2 * vec_width) {
        return bf16::gemm<12, 2, TransposedA, TransposedB>(m, n, k, a, lda, b, ldb, c, ldc, accumulate);
      }
      return bf16::gemm<8, 3, TransposedA, TransposedB>(m, n, k, a, lda, b, ldb, c, ldc, accumulate);
    }
#endif
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

// The precision fnn::gemm's float products take in this translation unit's instruction set: the one set
// by fnn::set_float32_matmul_precision where the build has AVX512-BF16, float32 otherwise.
inline MatmulPrecision float32_matmul_precision_in_use() {
  return gemm_bfloat16 ? float32_matmul_precision() : MatmulPrecision::float32;
}

}  // inline namespace isa_*
}  // namespace fnn

#undef FNN_GEMM_BFLOAT16_
