// Stand-in for the kernel object scale_add_8.o of rtp_kernel_flags.mlir; FACTOR
// comes from the command line (-DFACTOR=...), as the object's build would set it.
#include <cstdint>
extern "C" void scale_add(const int32_t *in, int32_t *out, int32_t bias) {
  for (int k = 0; k < 8; ++k) out[k] = in[k] * FACTOR + bias;
}
