"""Single-head attention, softmax(Q K^T / sqrt(D)) V, as a dataflow pipeline:
per block of query rows, a `scores` task computes Q K^T and streams the block
to a `softmax` task, which streams the probabilities to a `mix` task that
multiplies them with V. Two query blocks run side by side (6 tasks).

    python examples/attention.py                # simulator, aie and hls
    python examples/attention.py simulator      # just the simulator
"""

import math
import sys

import numpy as np
from run_targets import run_on_targets

import dato_xdsl as dato
from dato_xdsl import Layout, Stream, float32

S, R = Layout.Shard, Layout.Replicate
L, D, BLOCKS = 16, 8, 2  # sequence length, head size, query blocks
QB = L // BLOCKS  # query rows per block
SCALE = 1 / math.sqrt(D)


@dato.region()
def attention(Q: float32[L, D], K: float32[L, D], V: float32[L, D], Out: float32[L, D]) -> None:
    scores_s: Stream[float32[QB, L], 2][BLOCKS]
    probs_s: Stream[float32[QB, L], 2][BLOCKS]

    @dato.kernel(mapping=[BLOCKS], args=[Q, K])
    def scores(q: float32[L, D] @ [S(0), R], k: float32[L, D]) -> None:
        i = dato.get_pid()
        scores_s[i].put(dato.matmul(q, k.T) * SCALE)

    @dato.kernel(mapping=[BLOCKS], args=[])
    def softmax() -> None:
        i = dato.get_pid()
        s = scores_s[i].get()
        e = dato.exp(s - dato.max(s, axis=1, keepdims=True))
        probs_s[i].put(e / dato.sum(e, axis=1, keepdims=True))

    @dato.kernel(mapping=[BLOCKS], args=[V, Out])
    def mix(v: float32[L, D], o: float32[L, D] @ [S(0), R]) -> None:
        i = dato.get_pid()
        o[:, :] = dato.matmul(probs_s[i].get(), v)


def main() -> int:
    rng = np.random.default_rng(0)

    def inputs() -> list[np.ndarray]:
        qkv = [rng.standard_normal((L, D)).astype(np.float32) for _ in range(3)]
        return [*qkv, np.zeros((L, D), np.float32)]

    def reference(a: list[np.ndarray]) -> list[tuple[int, np.ndarray]]:
        q, k, v = (x.astype(np.float64) for x in a[:3])
        s = q @ k.T * SCALE
        e = np.exp(s - s.max(axis=1, keepdims=True))
        return [(3, (e / e.sum(axis=1, keepdims=True)) @ v)]

    return run_on_targets("attention", attention, inputs, reference, rtol=1e-4, atol=1e-5)


if __name__ == "__main__":
    sys.exit(main())
