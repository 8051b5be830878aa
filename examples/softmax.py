"""Row softmax and layer normalisation, each row block on its own task
(4 tasks, rows sharded): the normalisation layers of a transformer.

    python examples/softmax.py                # simulator, aie and hls
    python examples/softmax.py simulator hls  # just these targets
"""

import sys

import numpy as np
from run_targets import run_on_targets

import dato_xdsl as dato
from dato_xdsl import Layout, float32

S, R = Layout.Shard, Layout.Replicate
ROWS, COLS, TASKS = 16, 32, 4


@dato.region()
def softmax(X: float32[ROWS, COLS], Y: float32[ROWS, COLS]) -> None:
    @dato.kernel(mapping=[TASKS], args=[X, Y])
    def rows(x: float32[ROWS, COLS] @ [S(0), R], y: float32[ROWS, COLS] @ [S(0), R]) -> None:
        e = dato.exp(x - dato.max(x, axis=1, keepdims=True))
        y[:, :] = e / dato.sum(e, axis=1, keepdims=True)


@dato.region()
def layer_norm(X: float32[ROWS, COLS], GB: float32[2, COLS], Y: float32[ROWS, COLS]) -> None:
    # gamma and beta travel as one array (GB[0], GB[1]): a compute tile has two
    # input DMA channels, and x takes the other
    @dato.kernel(mapping=[TASKS], args=[X, GB, Y])
    def rows(
        x: float32[ROWS, COLS] @ [S(0), R],
        gb: float32[2, COLS],
        y: float32[ROWS, COLS] @ [S(0), R],
    ) -> None:
        d = x - dato.mean(x, axis=1, keepdims=True)
        var = dato.mean(d * d, axis=1, keepdims=True)
        y[:, :] = d * dato.rsqrt(var + 1e-5) * gb[0, :] + gb[1, :]


def main() -> int:
    rng = np.random.default_rng(0)

    def x() -> np.ndarray:
        return rng.standard_normal((ROWS, COLS)).astype(np.float32)

    def softmax_ref(a: list[np.ndarray]) -> list[tuple[int, np.ndarray]]:
        e = np.exp(a[0] - a[0].max(axis=1, keepdims=True))
        return [(1, e / e.sum(axis=1, keepdims=True))]

    def layer_norm_ref(a: list[np.ndarray]) -> list[tuple[int, np.ndarray]]:
        d = a[0] - a[0].mean(axis=1, keepdims=True)
        return [(2, d / np.sqrt((d * d).mean(axis=1, keepdims=True) + 1e-5) * a[1][0] + a[1][1])]

    status = run_on_targets(
        "softmax",
        softmax,
        lambda: [x(), np.zeros((ROWS, COLS), np.float32)],
        softmax_ref,
        rtol=1e-5,
        atol=1e-6,
    )
    status |= run_on_targets(
        "layer_norm",
        layer_norm,
        lambda: [
            x(),
            rng.standard_normal((2, COLS)).astype(np.float32),
            np.zeros((ROWS, COLS), np.float32),
        ],
        layer_norm_ref,
        rtol=1e-4,
        atol=1e-5,
    )
    return status


if __name__ == "__main__":
    sys.exit(main())
