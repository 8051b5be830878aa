"""Inputs and the numpy reference of the GEMV programs (split_gemv and
kin) that the read-box and stream-read tests run."""

import numpy as np


def gemv_arrays(M: int, N: int, seed: int, bound: int = 1000) -> tuple[np.ndarray, ...]:
    """int32 A (M x N) and x (N) drawn from [-bound, bound), and y (M) filled
    with -7, a value every output element must overwrite."""
    rng = np.random.default_rng(seed)
    A = rng.integers(-bound, bound, (M, N), dtype=np.int32)
    x = rng.integers(-bound, bound, N, dtype=np.int32)
    return A, x, np.full(M, -7, np.int32)


def gemv_reference(A: np.ndarray, x: np.ndarray) -> np.ndarray:
    """A @ x wrapped to A's integer type as the NPU wraps: exact in int64,
    then cut to the width."""
    return (A.astype(np.int64) @ x.astype(np.int64)).astype(A.dtype)
