// Plain C++ reference of a float kernel with a float scalar: y = a * x + y
// over 16 elements (y is read and written).
extern "C" void axpy(const float* x, float* y, float a) {
  for (int i = 0; i < 16; ++i) y[i] = a * x[i] + y[i];
}
