// A plain C++ reference of what mlir-aie's aie_kernels/<aie2|aie2p>/mm.cc
// computes, for the host (the virtual NPU builds it with g++ in place of the
// AIE object `mm_<m>x<k>x<n>.o` a GEMM design's cores link; build.sh compiles
// mm.cc itself for the NPU). Written for dato-xdsl from mm.cc's documented
// contract, not from its code:
//
//   matmul_<in>_<acc>(A, B, C): C += A x B on one DIM_M x DIM_K times
//     DIM_K x DIM_N block, all three in mm.cc's blocked layout: A as
//     (DIM_M/R) x (DIM_K/S) blocks of R x S, B as (DIM_K/S) x (DIM_N/T) blocks
//     of S x T, C as (DIM_M/R) x (DIM_N/T) blocks of R x T; blocks in row-major
//     order, each block's elements row-major (the aie::mmul<R, S, T> operands).
//   zero_<acc>(C): the DIM_M x DIM_N accumulator block set to 0.
//
// Compile-time parameters, as for mm.cc: DIM_M, DIM_K, DIM_N, one of
// i8_i32_ONLY, i16_i32_ONLY, bf16_f32_ONLY (the combinations the designs use:
// accumulation in the wide type), and the mmul shape DATO_MMUL_R/S/T of the
// device (mm.cc fixes it per architecture; the generated stand-in passes it).
//
// Integer sums wrap modulo 2^32 (the host arithmetic is done unsigned, so
// there is no undefined overflow); values whose sums stay in int32 are exact,
// as on the NPU. bf16 products are exact in float; each is added to the f32
// accumulator in K order (the vector unit's order of additions within a block
// may differ: results agree within float rounding, not bit for bit).

#include <stdint.h>
#include <string.h>

#if !defined(DIM_M) || !defined(DIM_K) || !defined(DIM_N)
#error "define DIM_M, DIM_K and DIM_N (the block shape the design's cores use)"
#endif
#if !defined(DATO_MMUL_R) || !defined(DATO_MMUL_S) || !defined(DATO_MMUL_T)
#error "define DATO_MMUL_R/S/T (the aie::mmul shape of mm.cc on the target device)"
#endif

static_assert(DIM_M % DATO_MMUL_R == 0 && DIM_K % DATO_MMUL_S == 0 && DIM_N % DATO_MMUL_T == 0,
              "the block shape must divide into mmul blocks");

namespace dato_mm {

constexpr int R = DATO_MMUL_R, S = DATO_MMUL_S, T = DATO_MMUL_T;

// Offset of element (i, j) of a rows x cols matrix stored as br x bc blocks.
inline int blocked(int i, int j, int cols, int br, int bc) {
  const int blocks_per_row = cols / bc;
  const int block = (i / br) * blocks_per_row + (j / bc);
  return block * br * bc + (i % br) * bc + (j % bc);
}

inline float bf16_to_float(uint16_t bits) {
  uint32_t wide = static_cast<uint32_t>(bits) << 16;
  float f;
  memcpy(&f, &wide, sizeof f);
  return f;
}

template <typename In>
void matmul_int32(const In *a, const In *b, int32_t *c) {
  for (int i = 0; i < DIM_M; ++i) {
    for (int j = 0; j < DIM_N; ++j) {
      const int at = blocked(i, j, DIM_N, R, T);
      uint32_t acc = static_cast<uint32_t>(c[at]);
      for (int k = 0; k < DIM_K; ++k) {
        const int32_t x = a[blocked(i, k, DIM_K, R, S)];
        const int32_t y = b[blocked(k, j, DIM_N, S, T)];
        acc += static_cast<uint32_t>(x * y);  // |x * y| <= 2^30: no overflow
      }
      c[at] = static_cast<int32_t>(acc);
    }
  }
}

inline void matmul_bf16(const uint16_t *a, const uint16_t *b, float *c) {
  for (int i = 0; i < DIM_M; ++i) {
    for (int j = 0; j < DIM_N; ++j) {
      const int at = blocked(i, j, DIM_N, R, T);
      float acc = c[at];
      for (int k = 0; k < DIM_K; ++k) {
        acc += bf16_to_float(a[blocked(i, k, DIM_K, R, S)]) *
               bf16_to_float(b[blocked(k, j, DIM_N, S, T)]);
      }
      c[at] = acc;
    }
  }
}

}  // namespace dato_mm

extern "C" {

#if defined(i8_i32_ONLY)
void matmul_i8_i32(const int8_t *a, const int8_t *b, int32_t *c) {
  dato_mm::matmul_int32(a, b, c);
}
void zero_i32(int32_t *c) { memset(c, 0, sizeof(int32_t) * DIM_M * DIM_N); }
#elif defined(i16_i32_ONLY)
void matmul_i16_i32(const int16_t *a, const int16_t *b, int32_t *c) {
  dato_mm::matmul_int32(a, b, c);
}
void zero_i32(int32_t *c) { memset(c, 0, sizeof(int32_t) * DIM_M * DIM_N); }
#elif defined(bf16_f32_ONLY)
// bfloat16 travels as its 16 bits on the host
void matmul_bf16_f32(const uint16_t *a, const uint16_t *b, float *c) {
  dato_mm::matmul_bf16(a, b, c);
}
void zero_f32(float *c) {
  for (int i = 0; i < DIM_M * DIM_N; ++i) c[i] = 0.0f;
}
#else
#error "define one of i8_i32_ONLY, i16_i32_ONLY, bf16_f32_ONLY"
#endif

}  // extern "C"
