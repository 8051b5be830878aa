// Hardware source of the scale_add example kernel: c = a + k * b over 64
// int32 elements, with the AIE API (16-lane int32 vectors). Built by Peano
// from the NPU project's build.sh; never compiled on the host.
#include <aie_api/aie.hpp>
#include <stdint.h>

extern "C" void scale_add(const int32_t* a, const int32_t* b, int32_t* c, int32_t k) {
  constexpr int lanes = 16;
  for (int i = 0; i < 64; i += lanes) {
    aie::vector<int32_t, lanes> va = aie::load_v<lanes>(a + i);
    aie::vector<int32_t, lanes> vb = aie::load_v<lanes>(b + i);
    aie::vector<int32_t, lanes> vc = aie::add(va, aie::mul(vb, k).template to_vector<int32_t>());
    aie::store_v(c + i, vc);
  }
}
