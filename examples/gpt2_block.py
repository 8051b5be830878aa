"""A GPT-2-style transformer block (single head, small sizes) as a dataflow
pipeline of six tasks linked by streams, each within a core's two input and
two output DMA channels:

  ln1:       h = layernorm(x)                        -> h, and x for the residual
  qkv:       [q | k | v] = h Wqkv   (GPT-2's c_attn: one D x 3D weight)
  attn:      y = softmax(q k^T / sqrt(D)) v Wo
  residual1: x1 = x + y
  mlp_up:    [gelu(layernorm(x1) W1) | x1]           (GELU: GPT-2's tanh form)
  mlp_down:  out = x1 + gelu(...) W2

Layer norms have unit scale and zero shift. Runs on the simulator, the NPU
target (virtual NPU) and the HLS target, each checked against numpy; `report`
prints the NPU design's resource report and performance model (modeled).

    python examples/gpt2_block.py                # all three targets
    python examples/gpt2_block.py aie            # just the NPU target
    python examples/gpt2_block.py report npu2    # the NPU report for npu2
"""

import math
import sys

import numpy as np
from run_targets import run_on_targets

import dato_xdsl as dato
from dato_xdsl import Stream, float32

L, D, F = 8, 8, 16  # sequence length, model width, MLP width
SCALE = 1 / math.sqrt(D)
EPS = 1e-5
GELU_C = math.sqrt(2 / math.pi)


@dato.region()
def block(
    X: float32[L, D],
    Wqkv: float32[D, 3 * D],
    Wo: float32[D, D],
    W1: float32[D, F],
    W2: float32[F, D],
    Out: float32[L, D],
) -> None:
    h_s: Stream[float32[L, D], 2]
    x_s: Stream[float32[L, D], 2]
    qkv_s: Stream[float32[L, 3 * D], 2]
    y_s: Stream[float32[L, D], 2]
    x1_s: Stream[float32[L, D], 2]
    gx_s: Stream[float32[L, F + D], 2]

    @dato.kernel(mapping=[1], args=[X])
    def ln1(x: float32[L, D]) -> None:
        xc = x - dato.mean(x, axis=1, keepdims=True)
        var = dato.mean(xc * xc, axis=1, keepdims=True)
        h: float32[L, D] = 0.0
        for i in range(L):
            r = 1.0 / dato.sqrt(var[i, 0] + EPS)
            for j in range(D):
                h[i, j] = xc[i, j] * r
        h_s.put(h)
        x_s.put(x)

    @dato.kernel(mapping=[1], args=[Wqkv])
    def qkv(w: float32[D, 3 * D]) -> None:
        qkv_s.put(dato.matmul(h_s.get(), w))

    @dato.kernel(mapping=[1], args=[Wo])
    def attn(wo: float32[D, D]) -> None:
        t = qkv_s.get()
        q: float32[L, D] = 0.0
        k: float32[L, D] = 0.0
        v: float32[L, D] = 0.0
        for i in range(L):
            for j in range(D):
                q[i, j] = t[i, j]
                k[i, j] = t[i, D + j]
                v[i, j] = t[i, 2 * D + j]
        s = dato.matmul(q, k.T) * SCALE
        e = dato.exp(s - dato.max(s, axis=1, keepdims=True))
        p = e / dato.sum(e, axis=1, keepdims=True)
        y_s.put(dato.matmul(dato.matmul(p, v), wo))

    @dato.kernel(mapping=[1], args=[])
    def residual1() -> None:
        x1_s.put(x_s.get() + y_s.get())

    @dato.kernel(mapping=[1], args=[W1])
    def mlp_up(w1: float32[D, F]) -> None:
        x1 = x1_s.get()
        xc = x1 - dato.mean(x1, axis=1, keepdims=True)
        var = dato.mean(xc * xc, axis=1, keepdims=True)
        h: float32[L, D] = 0.0
        for i in range(L):
            r = 1.0 / dato.sqrt(var[i, 0] + EPS)
            for j in range(D):
                h[i, j] = xc[i, j] * r
        f = dato.matmul(h, w1)
        gx: float32[L, F + D] = 0.0  # GELU(h W1), then x1 for the residual
        for i in range(L):
            for j in range(F):
                a = f[i, j]
                gx[i, j] = 0.5 * a * (1.0 + dato.tanh(GELU_C * (a + 0.044715 * a * a * a)))
            for j in range(D):
                gx[i, F + j] = x1[i, j]
        gx_s.put(gx)

    @dato.kernel(mapping=[1], args=[W2, Out])
    def mlp_down(w2: float32[F, D], o: float32[L, D]) -> None:
        gx = gx_s.get()
        g: float32[L, F] = 0.0
        x1: float32[L, D] = 0.0
        for i in range(L):
            for j in range(F):
                g[i, j] = gx[i, j]
            for j in range(D):
                x1[i, j] = gx[i, F + j]
        o[:, :] = x1 + dato.matmul(g, w2)


def reference(a: list[np.ndarray]) -> list[tuple[int, np.ndarray]]:
    x, wqkv, wo, w1, w2 = (t.astype(np.float64) for t in a[:5])
    wq, wk, wv = wqkv[:, :D], wqkv[:, D : 2 * D], wqkv[:, 2 * D :]

    def ln(t: np.ndarray) -> np.ndarray:
        c = t - t.mean(axis=1, keepdims=True)
        return c / np.sqrt((c * c).mean(axis=1, keepdims=True) + EPS)

    h = ln(x)
    s = (h @ wq) @ (h @ wk).T * SCALE
    e = np.exp(s - s.max(axis=1, keepdims=True))
    x1 = x + (e / e.sum(axis=1, keepdims=True)) @ (h @ wv) @ wo
    f = ln(x1) @ w1
    g = 0.5 * f * (1 + np.tanh(GELU_C * (f + 0.044715 * f**3)))
    return [(5, x1 + g @ w2)]


def inputs() -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    shapes = [(L, D), (D, 3 * D), (D, D), (D, F), (F, D)]
    arrays = [(rng.standard_normal(s) / math.sqrt(s[0])).astype(np.float32) for s in shapes]
    return [*arrays, np.zeros((L, D), np.float32)]


def main() -> int:
    if "report" in sys.argv[1:]:
        device = sys.argv[-1] if sys.argv[-1].startswith("npu") else "npu1"
        print(dato.build(block, target="aie", device=device).report())
        return 0
    return run_on_targets("gpt2_block", block, inputs, reference, rtol=1e-3, atol=1e-4)


if __name__ == "__main__":
    sys.exit(main())
