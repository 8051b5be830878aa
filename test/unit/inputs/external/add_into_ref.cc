// Plain C++ reference of an accumulating kernel: acc[i] += a[i] over 16 int32
// (acc is both read and written), wrapping like int32.
#include <stdint.h>

extern "C" void add_into(const int32_t* a, int32_t* acc) {
  for (int i = 0; i < 16; ++i) {
    acc[i] = static_cast<int32_t>(static_cast<uint32_t>(acc[i]) + static_cast<uint32_t>(a[i]));
  }
}
