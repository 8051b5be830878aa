// dato-xdsl kernel library: the external functions NPU cores call for array
// operations (linalg ops of Dato task bodies). Plain C++17: the reference
// implementation, compiled by g++ for the virtual NPU and by the AIE compiler
// for hardware. Every array is a contiguous row-major buffer; sizes are
// element counts passed as int32.
//
// Semantics match the dato simulator: integers wrap at their width (computed
// through the unsigned type, so no undefined overflow), float32 is IEEE
// single, bfloat16 is stored as its 16 bits and computed in float, rounded to
// nearest-even once per result; matmul accumulates into `c` (c += a @ b),
// integers in the output type (wrapping), bfloat16 in float32.

#include <cmath>
#include <cstdint>
#include <cstring>

// The library's own functions are extern "C" when this file is compiled
// alone (a hand-written design may link it and call them). A generated core
// object defines DATO_KERNEL_LINKAGE as `static inline` before including it:
// then only the functions its entry points call are compiled into it, so a
// core's program memory holds just the kernels it uses.
#ifndef DATO_KERNEL_LINKAGE
#define DATO_KERNEL_LINKAGE extern "C"
#endif

namespace {

inline float bf16_to_float(uint16_t v) {
  uint32_t bits = static_cast<uint32_t>(v) << 16;
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

inline uint16_t float_to_bf16(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  if ((bits & 0x7f800000u) == 0x7f800000u && (bits & 0x007fffffu) != 0) {
    return static_cast<uint16_t>((bits >> 16) | 0x0040u);  // quiet NaN
  }
  uint32_t rounding = 0x7fffu + ((bits >> 16) & 1u);  // round to nearest even
  return static_cast<uint16_t>((bits + rounding) >> 16);
}

// How each storage type computes: integers wrap through their unsigned twin,
// floats are themselves, bfloat16 goes through float.
template <typename T, typename U>
struct IntOps {
  static T add(T a, T b) { return static_cast<T>(static_cast<U>(a) + static_cast<U>(b)); }
  static T sub(T a, T b) { return static_cast<T>(static_cast<U>(a) - static_cast<U>(b)); }
  static T mul(T a, T b) {
    return static_cast<T>(static_cast<uint64_t>(static_cast<U>(a)) *
                          static_cast<uint64_t>(static_cast<U>(b)));
  }
  static T max(T a, T b) { return a > b ? a : b; }
  static T min(T a, T b) { return a < b ? a : b; }
};

struct F32Ops {
  static float add(float a, float b) { return a + b; }
  static float sub(float a, float b) { return a - b; }
  static float mul(float a, float b) { return a * b; }
  static float max(float a, float b) { return (a != a || b != b) ? NAN : (a > b ? a : b); }
  static float min(float a, float b) { return (a != a || b != b) ? NAN : (a < b ? a : b); }
};

struct BF16Ops {
  static uint16_t add(uint16_t a, uint16_t b) {
    return float_to_bf16(bf16_to_float(a) + bf16_to_float(b));
  }
  static uint16_t sub(uint16_t a, uint16_t b) {
    return float_to_bf16(bf16_to_float(a) - bf16_to_float(b));
  }
  static uint16_t mul(uint16_t a, uint16_t b) {
    return float_to_bf16(bf16_to_float(a) * bf16_to_float(b));
  }
  static uint16_t max(uint16_t a, uint16_t b) {
    return float_to_bf16(F32Ops::max(bf16_to_float(a), bf16_to_float(b)));
  }
  static uint16_t min(uint16_t a, uint16_t b) {
    return float_to_bf16(F32Ops::min(bf16_to_float(a), bf16_to_float(b)));
  }
};

using I8Ops = IntOps<int8_t, uint8_t>;
using I16Ops = IntOps<int16_t, uint16_t>;
using I32Ops = IntOps<int32_t, uint32_t>;
using I64Ops = IntOps<int64_t, uint64_t>;  // scalar code only: sums numpy keeps in int64

template <typename T, typename U>
void matmul_int(const T* a, const T* b, T* c, int32_t m, int32_t k, int32_t n) {
  for (int32_t i = 0; i < m; ++i) {
    for (int32_t j = 0; j < n; ++j) {
      U acc = static_cast<U>(c[i * n + j]);
      for (int32_t p = 0; p < k; ++p) {
        acc += static_cast<U>(static_cast<uint64_t>(static_cast<U>(a[i * k + p])) *
                              static_cast<uint64_t>(static_cast<U>(b[p * n + j])));
      }
      c[i * n + j] = static_cast<T>(acc);
    }
  }
}

}  // namespace

#define DATO_ELEMENTWISE(SUFFIX, T, OPS)                                              \
  DATO_KERNEL_LINKAGE void dato_add_##SUFFIX(const T* a, const T* b, T* c, int32_t n) {       \
    for (int32_t i = 0; i < n; ++i) c[i] = OPS::add(a[i], b[i]);                      \
  }                                                                                   \
  DATO_KERNEL_LINKAGE void dato_sub_##SUFFIX(const T* a, const T* b, T* c, int32_t n) {       \
    for (int32_t i = 0; i < n; ++i) c[i] = OPS::sub(a[i], b[i]);                      \
  }                                                                                   \
  DATO_KERNEL_LINKAGE void dato_mul_##SUFFIX(const T* a, const T* b, T* c, int32_t n) {       \
    for (int32_t i = 0; i < n; ++i) c[i] = OPS::mul(a[i], b[i]);                      \
  }                                                                                   \
  DATO_KERNEL_LINKAGE void dato_max_##SUFFIX(const T* a, const T* b, T* c, int32_t n) {       \
    for (int32_t i = 0; i < n; ++i) c[i] = OPS::max(a[i], b[i]);                      \
  }                                                                                   \
  DATO_KERNEL_LINKAGE void dato_min_##SUFFIX(const T* a, const T* b, T* c, int32_t n) {       \
    for (int32_t i = 0; i < n; ++i) c[i] = OPS::min(a[i], b[i]);                      \
  }                                                                                   \
  DATO_KERNEL_LINKAGE void dato_fill_##SUFFIX(T* c, T value, int32_t n) {                      \
    for (int32_t i = 0; i < n; ++i) c[i] = value;                                     \
  }                                                                                   \
  DATO_KERNEL_LINKAGE void dato_copy_##SUFFIX(const T* a, T* c, int32_t n) {                  \
    for (int32_t i = 0; i < n; ++i) c[i] = a[i];                                      \
  }

DATO_ELEMENTWISE(i8, int8_t, I8Ops)
DATO_ELEMENTWISE(i16, int16_t, I16Ops)
DATO_ELEMENTWISE(i32, int32_t, I32Ops)
DATO_ELEMENTWISE(i64, int64_t, I64Ops)
DATO_ELEMENTWISE(f32, float, F32Ops)
DATO_ELEMENTWISE(bf16, uint16_t, BF16Ops)

DATO_KERNEL_LINKAGE void dato_matmul_i8(const int8_t* a, const int8_t* b, int8_t* c, int32_t m,
                               int32_t k, int32_t n) {
  matmul_int<int8_t, uint8_t>(a, b, c, m, k, n);
}
DATO_KERNEL_LINKAGE void dato_matmul_i16(const int16_t* a, const int16_t* b, int16_t* c, int32_t m,
                                int32_t k, int32_t n) {
  matmul_int<int16_t, uint16_t>(a, b, c, m, k, n);
}
DATO_KERNEL_LINKAGE void dato_matmul_i32(const int32_t* a, const int32_t* b, int32_t* c, int32_t m,
                                int32_t k, int32_t n) {
  matmul_int<int32_t, uint32_t>(a, b, c, m, k, n);
}
// Mixed precision (operands narrower than the result, as the AIE's MAC
// units take them: int8 and int16 operands into 32-bit accumulators, bf16
// into float): each product is formed in the result type, so nothing wraps
// at the operand width.
template <typename T, typename O, typename UO>
void matmul_widening(const T* a, const T* b, O* c, int32_t m, int32_t k, int32_t n) {
  for (int32_t i = 0; i < m; ++i) {
    for (int32_t j = 0; j < n; ++j) {
      UO acc = static_cast<UO>(c[i * n + j]);
      for (int32_t p = 0; p < k; ++p) {
        acc += static_cast<UO>(static_cast<O>(a[i * k + p])) *
               static_cast<UO>(static_cast<O>(b[p * n + j]));
      }
      c[i * n + j] = static_cast<O>(acc);
    }
  }
}

// A library matmul `dato_matmul_SUFFIX` whose body is one call of the
// (parenthesised) template instance IMPL.
#define DATO_MATMUL(SUFFIX, T, O, IMPL)                                                \
  DATO_KERNEL_LINKAGE void dato_matmul_##SUFFIX(const T* a, const T* b, O* c, int32_t m,  \
                                                int32_t k, int32_t n) {                 \
    IMPL(a, b, c, m, k, n);                                                             \
  }

DATO_MATMUL(i8_i16, int8_t, int16_t, (matmul_widening<int8_t, int16_t, uint32_t>))
DATO_MATMUL(i8_i32, int8_t, int32_t, (matmul_widening<int8_t, int32_t, uint32_t>))
DATO_MATMUL(i16_i32, int16_t, int32_t, (matmul_widening<int16_t, int32_t, uint32_t>))
// Integer operands into a float result: the products are summed exactly in a
// 64-bit integer, converted to float once and added to `c` once (c + A @ B,
// as the simulator computes it: its float32 product of small integers is
// exact). A bfloat16 `c` is added in float and rounded once.
inline void add_float(float* c, float x) { *c += x; }
inline void add_float(uint16_t* c, float x) { *c = float_to_bf16(bf16_to_float(*c) + x); }
template <typename T, typename W, typename C>
void matmul_int_float(const T* a, const T* b, C* c, int32_t m, int32_t k, int32_t n) {
  for (int32_t i = 0; i < m; ++i) {
    for (int32_t j = 0; j < n; ++j) {
      W acc = 0;
      for (int32_t p = 0; p < k; ++p) acc += static_cast<W>(a[i * k + p]) * static_cast<W>(b[p * n + j]);
      add_float(&c[i * n + j], static_cast<float>(acc));
    }
  }
}

DATO_MATMUL(i8_f32, int8_t, float, (matmul_int_float<int8_t, int64_t>))
DATO_MATMUL(i16_f32, int16_t, float, (matmul_int_float<int16_t, int64_t>))
DATO_MATMUL(i8_bf16, int8_t, uint16_t, (matmul_int_float<int8_t, int64_t>))
DATO_MATMUL(i16_bf16, int16_t, uint16_t, (matmul_int_float<int16_t, int64_t>))

// Unsigned operands (`UInt` types, `dato.cast = "unsigned"`): the same
// kernels with the operand bits read zero-extended. Integer results wrap at
// their width, as the signed ones do.
DATO_MATMUL(u8_i16, uint8_t, int16_t, (matmul_widening<uint8_t, int16_t, uint32_t>))
DATO_MATMUL(u8_i32, uint8_t, int32_t, (matmul_widening<uint8_t, int32_t, uint32_t>))
DATO_MATMUL(u16_i32, uint16_t, int32_t, (matmul_widening<uint16_t, int32_t, uint32_t>))
DATO_MATMUL(u8_f32, uint8_t, float, (matmul_int_float<uint8_t, uint64_t>))
DATO_MATMUL(u16_f32, uint16_t, float, (matmul_int_float<uint16_t, uint64_t>))
DATO_MATMUL(u8_bf16, uint8_t, uint16_t, (matmul_int_float<uint8_t, uint64_t>))
DATO_MATMUL(u16_bf16, uint16_t, uint16_t, (matmul_int_float<uint16_t, uint64_t>))

DATO_KERNEL_LINKAGE void dato_matmul_bf16_f32(const uint16_t* a, const uint16_t* b, float* c, int32_t m,
                                     int32_t k, int32_t n) {
  for (int32_t i = 0; i < m; ++i) {
    for (int32_t j = 0; j < n; ++j) {
      float acc = c[i * n + j];
      for (int32_t p = 0; p < k; ++p) {
        acc += bf16_to_float(a[i * k + p]) * bf16_to_float(b[p * n + j]);
      }
      c[i * n + j] = acc;  // float result: never rounded to bf16
    }
  }
}

DATO_KERNEL_LINKAGE void dato_matmul_f32(const float* a, const float* b, float* c, int32_t m, int32_t k,
                                int32_t n) {
  for (int32_t i = 0; i < m; ++i) {
    for (int32_t j = 0; j < n; ++j) {
      float acc = c[i * n + j];
      for (int32_t p = 0; p < k; ++p) acc += a[i * k + p] * b[p * n + j];
      c[i * n + j] = acc;
    }
  }
}
DATO_KERNEL_LINKAGE void dato_matmul_bf16(const uint16_t* a, const uint16_t* b, uint16_t* c, int32_t m,
                                 int32_t k, int32_t n) {
  for (int32_t i = 0; i < m; ++i) {
    for (int32_t j = 0; j < n; ++j) {
      float acc = bf16_to_float(c[i * n + j]);
      for (int32_t p = 0; p < k; ++p) {
        acc += bf16_to_float(a[i * k + p]) * bf16_to_float(b[p * n + j]);
      }
      c[i * n + j] = float_to_bf16(acc);
    }
  }
}

#define DATO_UNARY(NAME, FN)                                                         \
  DATO_KERNEL_LINKAGE void dato_##NAME##_f32(const float* a, float* c, int32_t n) {           \
    for (int32_t i = 0; i < n; ++i) c[i] = FN(a[i]);                                  \
  }                                                                                   \
  DATO_KERNEL_LINKAGE void dato_##NAME##_bf16(const uint16_t* a, uint16_t* c, int32_t n) {    \
    for (int32_t i = 0; i < n; ++i) c[i] = float_to_bf16(FN(bf16_to_float(a[i])));   \
  }

DATO_UNARY(exp, std::exp)
DATO_UNARY(log, std::log)
DATO_UNARY(sqrt, std::sqrt)
