// ap_int.h: dato-xdsl's own stand-in for the arbitrary-precision integer types
// of Vitis HLS (UG1399, "Arbitrary Precision Integer Types"), for the C
// simulation with the host's g++ only; Vitis HLS builds use AMD's header.
//
// Written from the documented behaviour, for widths 1 to 128 (held in a
// 128-bit GCC integer), and only as much as dato's generated code and its
// testbench use:
//  - ap_int<W> is a W-bit two's complement integer, ap_uint<W> an unsigned one;
//    constructing or assigning from any integer (or ap_[u]int of another width)
//    keeps the low W bits (wrap-around), sign-extending a narrower signed source;
//  - + - * / % & | ^ give a result wide enough for the exact value (the sum of
//    two W-bit values has W+1 bits, a product W1+W2 bits, ...), capped here at
//    128 bits (wrapping beyond, where AMD's header would keep growing);
//    comparisons compare the mathematical values, signed against unsigned too;
//  - << and >> keep the left operand's type (bits shifted out are lost; >> of
//    an ap_int is arithmetic); a negative signed shift amount shifts the other
//    way;
//  - x.range(hi, lo) / x(hi, lo) read or write bits hi..lo, x[i] one bit;
//  - a value converts implicitly to a 64-bit C++ integer (its low 64 bits, as
//    AMD's does for wider types); to_int(), to_int64(), to_uint64(),
//    to_double() and length() as documented.
#pragma once
#include <cstdint>
#include <type_traits>

#if !defined(__GNUC__)
#error "dato's ap_int.h stand-in needs a compiler with __int128 (g++ or clang++)"
#endif

template <int W>
struct ap_int;
template <int W>
struct ap_uint;

namespace dato_ap {

typedef __int128 wide;
typedef unsigned __int128 uwide;

constexpr int max_width = 128;
constexpr int cap(int w) { return w > max_width ? max_width : w; }
constexpr int larger(int a, int b) { return a > b ? a : b; }

constexpr uwide mask(int w) { return w >= max_width ? ~uwide(0) : (uwide(1) << w) - 1; }

// the 128-bit pattern of a W-bit value: its low W bits, extended by its sign
// (signed) or by zeros (unsigned)
constexpr uwide normalize(uwide bits, int w, bool s) {
  return (s && w < max_width && ((bits >> (w - 1)) & 1)) ? (bits | ~mask(w))
                                                          : (bits & mask(w));
}

template <int W, bool S>
struct base;
template <int W, bool S>
struct range_ref;

// the ap type of a width and signedness: what an operator returns
template <int W, bool S>
struct select {
  typedef ap_uint<W> type;
};
template <int W>
struct select<W, true> {
  typedef ap_int<W> type;
};

// a C++ integer seen as an ap value of its own width and signedness
template <typename T>
struct builtin {
  static constexpr int width = std::is_same<T, bool>::value ? 1 : int(sizeof(T) * 8);
  static constexpr bool is_signed = std::is_signed<T>::value;
};

template <typename T>
using if_integer = typename std::enable_if<std::is_integral<T>::value, int>::type;

template <int W, bool S>
struct base {
  static_assert(W >= 1 && W <= max_width, "dato's ap_int.h holds widths 1 to 128");
  uwide bits;  // normalize()d: sign- or zero-extended to 128 bits

  constexpr base() : bits(0) {}
  template <int W2, bool S2>
  constexpr base(const base<W2, S2>& x) : bits(normalize(x.bits, W, S)) {}
  template <int W2, bool S2>
  base(const range_ref<W2, S2>& x) : base(x.get()) {}
  template <typename T, if_integer<T> = 0>
  constexpr base(T x) : bits(normalize(uwide(wide(x)), W, S)) {}
  base(double x) : bits(normalize(uwide(wide(x)), W, S)) {}  // truncates towards zero
  base(float x) : bits(normalize(uwide(wide(x)), W, S)) {}

  typedef typename std::conditional<S, long long, unsigned long long>::type RetType;
  operator RetType() const { return RetType(bits); }

  int to_int() const { return int(bits); }
  unsigned to_uint() const { return unsigned(bits); }
  long long to_int64() const { return (long long)bits; }
  unsigned long long to_uint64() const { return (unsigned long long)bits; }
  double to_double() const { return S ? double(wide(bits)) : double(bits); }
  bool to_bool() const { return bits != 0; }
  constexpr int length() const { return W; }

  // the value as a magnitude and a sign: exact for every W <= 128
  bool negative() const { return S && wide(bits) < 0; }
  uwide magnitude() const { return negative() ? uwide(0) - bits : bits; }

  struct bit_ref {
    base& owner;
    int index;
    operator bool() const { return (owner.bits >> index) & 1; }
    bit_ref& operator=(bool v) {
      const uwide one = uwide(1) << index;
      owner.bits = normalize(v ? (owner.bits | one) : (owner.bits & ~one), W, S);
      return *this;
    }
    bit_ref& operator=(const bit_ref& other) { return *this = bool(other); }
  };

  range_ref<W, S> range(int hi, int lo) { return range_ref<W, S>{*this, hi, lo}; }
  range_ref<W, S> operator()(int hi, int lo) { return range(hi, lo); }
  ap_uint<max_width> range(int hi, int lo) const;
  ap_uint<max_width> operator()(int hi, int lo) const;
  bit_ref operator[](int i) { return bit_ref{*this, i}; }
  bool operator[](int i) const { return (bits >> i) & 1; }
  bool test(int i) const { return (bits >> i) & 1; }

  // assignments keep this type's width: the result wraps
#define DATO_AP_ASSIGN(op)                \
  template <typename V>                   \
  base& operator op##=(const V & v) {     \
    *this = base(*this op v);             \
    return *this;                         \
  }
  DATO_AP_ASSIGN(+)
  DATO_AP_ASSIGN(-)
  DATO_AP_ASSIGN(*)
  DATO_AP_ASSIGN(/)
  DATO_AP_ASSIGN(%)
  DATO_AP_ASSIGN(&)
  DATO_AP_ASSIGN(|)
  DATO_AP_ASSIGN(^)
  DATO_AP_ASSIGN(<<)
  DATO_AP_ASSIGN(>>)
#undef DATO_AP_ASSIGN
  base& operator++() { return *this = base(*this + 1); }
  base& operator--() { return *this = base(*this - 1); }
  base operator++(int) {
    base old = *this;
    ++*this;
    return old;
  }
  base operator--(int) {
    base old = *this;
    --*this;
    return old;
  }
};

// x.range(hi, lo) of a non-const x: reads as an ap_uint, assignable
template <int W, bool S>
struct range_ref {
  base<W, S>& owner;
  int hi, lo;
  ap_uint<max_width> get() const;
  template <typename V>
  range_ref& operator=(const V& v) {
    const uwide field = mask(hi - lo + 1) << lo;
    const uwide value = uwide(base<max_width, false>(v).bits) << lo;
    owner.bits = normalize((owner.bits & ~field) | (value & field), W, S);
    return *this;
  }
  range_ref& operator=(const range_ref& other) { return *this = other.get(); }
};

// result widths: an unsigned operand of a signed operation needs one more bit
template <int W1, bool S1, int W2, bool S2>
struct result {
  static constexpr bool s = S1 || S2;
  static constexpr int w1 = W1 + (s && !S1 ? 1 : 0);
  static constexpr int w2 = W2 + (s && !S2 ? 1 : 0);
  static constexpr int add = cap(larger(w1, w2) + 1);
  static constexpr int mul = cap(W1 + W2);
  static constexpr int div = cap(W1 + (S2 ? 1 : 0));
  static constexpr int rem = cap(larger(w1, w2));
  static constexpr int logic = cap(larger(w1, w2));
};

template <int W, bool S>
typename select<W, S>::type make(uwide bits) {
  typename select<W, S>::type r;
  r.bits = normalize(bits, W, S);
  return r;
}

// three-way comparison of the mathematical values
template <int W1, bool S1, int W2, bool S2>
int compare(const base<W1, S1>& a, const base<W2, S2>& b) {
  const bool na = a.negative(), nb = b.negative();
  if (na != nb) return na ? -1 : 1;
  const uwide ma = a.magnitude(), mb = b.magnitude();
  if (ma == mb) return 0;
  return ((ma < mb) != na) ? -1 : 1;
}

// quotient and remainder truncating towards zero, on magnitudes (so MIN / -1
// at 128 bits is no overflow of the host's arithmetic)
template <int W1, bool S1, int W2, bool S2>
uwide quotient(const base<W1, S1>& a, const base<W2, S2>& b) {
  const uwide q = a.magnitude() / b.magnitude();
  return a.negative() != b.negative() ? uwide(0) - q : q;
}

template <int W1, bool S1, int W2, bool S2>
uwide remainder(const base<W1, S1>& a, const base<W2, S2>& b) {
  const uwide r = a.magnitude() % b.magnitude();
  return a.negative() ? uwide(0) - r : r;
}

}  // namespace dato_ap

template <int W>
struct ap_int : dato_ap::base<W, true> {
  typedef dato_ap::base<W, true> Base;
  using Base::Base;
  constexpr ap_int() : Base() {}
};

template <int W>
struct ap_uint : dato_ap::base<W, false> {
  typedef dato_ap::base<W, false> Base;
  using Base::Base;
  constexpr ap_uint() : Base() {}
};

namespace dato_ap {

template <int W, bool S>
ap_uint<max_width> range_ref<W, S>::get() const {
  ap_uint<max_width> r;
  r.bits = (owner.bits >> lo) & mask(hi - lo + 1);
  return r;
}

template <int W, bool S>
ap_uint<max_width> base<W, S>::range(int hi, int lo) const {
  ap_uint<max_width> r;
  r.bits = (bits >> lo) & mask(hi - lo + 1);
  return r;
}

template <int W, bool S>
ap_uint<max_width> base<W, S>::operator()(int hi, int lo) const {
  return range(hi, lo);
}

// ------------------------------------------------------------ operators

#define DATO_AP_BINARY(op, kind, value)                                              \
  template <int W1, bool S1, int W2, bool S2>                                         \
  typename select<result<W1, S1, W2, S2>::kind, result<W1, S1, W2, S2>::s>::type     \
  operator op(const base<W1, S1>& a, const base<W2, S2>& b) {                         \
    return make<result<W1, S1, W2, S2>::kind, result<W1, S1, W2, S2>::s>(value);     \
  }                                                                                   \
  template <int W, bool S, typename T, if_integer<T> = 0>                             \
  auto operator op(const base<W, S>& a, T b)                                          \
      -> decltype(a op base<builtin<T>::width, builtin<T>::is_signed>(b)) {           \
    return a op base<builtin<T>::width, builtin<T>::is_signed>(b);                    \
  }                                                                                   \
  template <int W, bool S, typename T, if_integer<T> = 0>                             \
  auto operator op(T a, const base<W, S>& b)                                          \
      -> decltype(base<builtin<T>::width, builtin<T>::is_signed>(a) op b) {           \
    return base<builtin<T>::width, builtin<T>::is_signed>(a) op b;                    \
  }

DATO_AP_BINARY(+, add, a.bits + b.bits)
DATO_AP_BINARY(-, add, a.bits - b.bits)
DATO_AP_BINARY(*, mul, a.bits * b.bits)
DATO_AP_BINARY(/, div, quotient(a, b))
DATO_AP_BINARY(%, rem, remainder(a, b))
DATO_AP_BINARY(&, logic, a.bits & b.bits)
DATO_AP_BINARY(|, logic, a.bits | b.bits)
DATO_AP_BINARY(^, logic, a.bits ^ b.bits)
#undef DATO_AP_BINARY

#define DATO_AP_COMPARE(op)                                                 \
  template <int W1, bool S1, int W2, bool S2>                               \
  bool operator op(const base<W1, S1>& a, const base<W2, S2>& b) {          \
    return compare(a, b) op 0;                                              \
  }                                                                         \
  template <int W, bool S, typename T, if_integer<T> = 0>                   \
  bool operator op(const base<W, S>& a, T b) {                              \
    return compare(a, base<builtin<T>::width, builtin<T>::is_signed>(b)) op 0; \
  }                                                                         \
  template <int W, bool S, typename T, if_integer<T> = 0>                   \
  bool operator op(T a, const base<W, S>& b) {                              \
    return compare(base<builtin<T>::width, builtin<T>::is_signed>(a), b) op 0; \
  }

DATO_AP_COMPARE(==)
DATO_AP_COMPARE(!=)
DATO_AP_COMPARE(<)
DATO_AP_COMPARE(<=)
DATO_AP_COMPARE(>)
DATO_AP_COMPARE(>=)
#undef DATO_AP_COMPARE

// shifts keep the left operand's type; the amount is a plain integer
template <int W, bool S>
typename select<W, S>::type shift_left(const base<W, S>& a, long long n);

template <int W, bool S>
typename select<W, S>::type shift_right(const base<W, S>& a, long long n) {
  if (n < 0) return shift_left(a, -n);
  if (n >= max_width) n = max_width - 1;
  // bits are sign-extended for ap_int: an arithmetic shift of the 128-bit pattern
  const uwide shifted = S ? uwide(wide(a.bits) >> n) : (a.bits >> n);
  return make<W, S>(shifted);
}

template <int W, bool S>
typename select<W, S>::type shift_left(const base<W, S>& a, long long n) {
  if (n < 0) return shift_right(a, -n);
  return make<W, S>(n >= max_width ? uwide(0) : (a.bits << n));
}

template <int W, bool S, typename T, if_integer<T> = 0>
typename select<W, S>::type operator<<(const base<W, S>& a, T n) {
  return shift_left(a, (long long)n);
}
template <int W, bool S, typename T, if_integer<T> = 0>
typename select<W, S>::type operator>>(const base<W, S>& a, T n) {
  return shift_right(a, (long long)n);
}
template <int W, bool S, int W2, bool S2>
typename select<W, S>::type operator<<(const base<W, S>& a, const base<W2, S2>& n) {
  return shift_left(a, n.negative() ? -(long long)n.magnitude() : (long long)n.magnitude());
}
template <int W, bool S, int W2, bool S2>
typename select<W, S>::type operator>>(const base<W, S>& a, const base<W2, S2>& n) {
  return shift_right(a, n.negative() ? -(long long)n.magnitude() : (long long)n.magnitude());
}

template <int W, bool S>
typename select<cap(W + 1), true>::type operator-(const base<W, S>& a) {
  return make<cap(W + 1), true>(uwide(0) - a.bits);
}
template <int W, bool S>
typename select<W, S>::type operator+(const base<W, S>& a) {
  return make<W, S>(a.bits);
}
template <int W, bool S>
typename select<W, S>::type operator~(const base<W, S>& a) {
  return make<W, S>(~a.bits);
}
template <int W, bool S>
bool operator!(const base<W, S>& a) {
  return a.bits == 0;
}

}  // namespace dato_ap
