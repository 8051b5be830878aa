"""A streaming FIR filter, y[n] = sum_k h[k] x[n - k], as a systolic chain:
a loader streams the samples into tap 0; tap j multiplies the sample it holds
by h[j], adds the partial sum from tap j - 1 and passes both on, the sample one
step late, so tap j sees x[n - j] when the partial sum of y[n] arrives. The
last tap writes y. Scalar streams between neighbours: the FPGA/NPU style.

    python examples/fir.py                # simulator, aie and hls
    python examples/fir.py hls            # just the C simulation
"""

import sys

import numpy as np
from run_targets import run_on_targets

import dato_xdsl as dato
from dato_xdsl import Stream, int32

N, T = 64, 4  # samples, taps


@dato.region()
def fir(X: int32[N], H: int32[T], Y: int32[N]) -> None:
    samples: Stream[int32, 2][T + 1]
    partial: Stream[int32, 2][T + 1]

    @dato.kernel(mapping=[T + 1], args=[X, H, Y])
    def tap(x: int32[N], h: int32[T], y: int32[N]) -> None:
        j = dato.get_pid()
        with dato.meta_if(j == 0):  # the loader
            for n in range(N):
                samples[1].put(x[n])
        with dato.meta_else():  # tap j - 1
            held: int32 = 0  # x[n - j] once sample n reaches this tap
            for n in range(N):
                sample = samples[j].get()
                acc: int32 = h[j - 1] * sample
                with dato.meta_if(j > 1):
                    acc += partial[j].get()
                with dato.meta_if(j < T):
                    samples[j + 1].put(held)
                    partial[j + 1].put(acc)
                with dato.meta_else():
                    y[n] = acc
                held = sample


def main() -> int:
    rng = np.random.default_rng(0)

    def inputs() -> list[np.ndarray]:
        x = rng.integers(-100, 100, N).astype(np.int32)
        h = rng.integers(-8, 8, T).astype(np.int32)
        return [x, h, np.zeros(N, np.int32)]

    def reference(a: list[np.ndarray]) -> list[tuple[int, np.ndarray]]:
        return [(2, np.convolve(a[0], a[1])[:N].astype(np.int32))]

    return run_on_targets("fir", fir, inputs, reference)


if __name__ == "__main__":
    sys.exit(main())
