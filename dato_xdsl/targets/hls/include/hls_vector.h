// Stand-in for Vitis HLS's hls_vector.h, for C simulation with a host compiler.
// Only what dato-xdsl's generated code uses: a fixed-size array value type.
#pragma once
#include <cstddef>

namespace hls {

template <typename T, std::size_t N>
class vector {
 public:
  T& operator[](std::size_t i) { return data_[i]; }
  const T& operator[](std::size_t i) const { return data_[i]; }

 private:
  T data_[N] = {};
};

}  // namespace hls
