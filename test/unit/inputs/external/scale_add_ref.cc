// Plain C++ reference of scale_add_aie.cc (what the simulator, the virtual
// NPU and the HLS C simulation run): c = a + k * b, wrapping like int32.
#include <stdint.h>

extern "C" void scale_add(const int32_t* a, const int32_t* b, int32_t* c, int32_t k) {
  for (int i = 0; i < 64; ++i) {
    c[i] = static_cast<int32_t>(static_cast<uint32_t>(a[i]) +
                                static_cast<uint32_t>(k) * static_cast<uint32_t>(b[i]));
  }
}
