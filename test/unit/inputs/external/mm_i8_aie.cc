// A user's int8 x int8 -> int32 matmul of one 16x32 by 32x16 block, for the
// hardware build (plain C++ here: the tests run its numpy reference).
#include <stdint.h>

extern "C" void mm_i8(const int8_t* a, const int8_t* b, int32_t* c) {
  for (int i = 0; i < 16; ++i) {
    for (int j = 0; j < 16; ++j) {
      int32_t s = 0;
      for (int k = 0; k < 32; ++k) s += int32_t(a[i * 32 + k]) * int32_t(b[k * 16 + j]);
      c[i * 16 + j] = s;
    }
  }
}
