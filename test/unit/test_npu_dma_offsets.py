"""The virtual NPU's `aiex.npu.dma_memcpy_nd` with a non-zero offset in every
dimension, on a hand-written design: the host sends a 4-D window of A through
a memtile and receives it into a 4-D window of B. mlir-aie's rule: the
transfer starts at sum(offset[d] * stride[d]) elements (the innermost stride
is the element step), and walks the sizes outermost first. The reference below
is that formula written as four Python loops; elements outside the window keep
the host's values."""

import itertools

import numpy as np

from dato_xdsl.targets.virtual_npu import run_design
from dato_xdsl.targets.virtual_npu.cli import load_design

IN = dict(offsets=[1, 2, 3, 5], sizes=[2, 3, 4, 8], strides=[1024, 128, 16, 1])
OUT = dict(offsets=[1, 2, 1, 4], sizes=[2, 4, 3, 8], strides=[2048, 256, 16, 1])
N_A, N_B, COUNT = 4096, 8192, 192


def nd(p: dict) -> str:
    lists = (", ".join(map(str, p[k])) for k in ("offsets", "sizes", "strides"))
    return "[{}][{}][{}]".format(*lists)


DESIGN = f"""
module {{
  aie.device(npu1_1col) {{
    %shim = aie.tile(0, 0)
    %mem = aie.tile(0, 1)
    aie.objectfifo @in(%shim, {{%mem}}, 2 : i32) : !aie.objectfifo<memref<{COUNT}xi32>>
    aie.objectfifo @out(%mem, {{%shim}}, 2 : i32) : !aie.objectfifo<memref<{COUNT}xi32>>
    aie.objectfifo.link [@in] -> [@out]([] [])
    aie.runtime_sequence @sequence(%a: memref<{N_A}xi32>, %b: memref<{N_B}xi32>) {{
      aiex.npu.dma_memcpy_nd(%b{nd(OUT)}) {{id = 0 : i64, issue_token = true,
                                           metadata = @out}} : memref<{N_B}xi32>
      aiex.npu.dma_memcpy_nd(%a{nd(IN)}) {{id = 1 : i64, metadata = @in}} : memref<{N_A}xi32>
      aiex.npu.dma_wait {{symbol = @out}}
    }}
  }}
}}
"""


def window(p: dict) -> list[int]:
    """Flat indices a transfer touches, in order: the documented formula."""
    o, s, t = p["offsets"], p["sizes"], p["strides"]
    return [
        sum((o[d] + i[d]) * t[d] for d in range(4))
        for i in itertools.product(*(range(n) for n in s))
    ]


def test_offsets_in_every_dimension_move_the_window(tmp_path):
    path = tmp_path / "offsets.mlir"
    path.write_text(DESIGN)
    a = np.random.default_rng(11).integers(-(2**31), 2**31, N_A).astype(np.int32)
    b = np.full(N_B, -7, np.int32)
    run_design(load_design(path), [a, b])
    src, dst = window(IN), window(OUT)
    assert len(src) == len(dst) == COUNT and len(set(dst)) == COUNT
    want = np.full(N_B, -7, np.int32)
    want[dst] = a[src]
    np.testing.assert_array_equal(b, want)
    # spot checks by hand: the first element comes from 1*1024 + 2*128 + 3*16 + 5
    # and lands at 1*2048 + 2*256 + 1*16 + 4
    assert b[2580] == a[1333]
    assert b[2579] == -7


def test_long_int8_vectors_move_in_rows_of_whole_words(tmp_path):
    """A 1-D array longer than one shim row (1023 words) is sent as rows; each
    row must be whole 32-bit words: 4,100 int8 elements (1,025 words) go as
    rows of 820 elements (205 words), not 2 x 2,050 (512.5 words)."""
    import dato_xdsl as dato
    from dato_xdsl import int8

    N = 4100

    @dato.region()
    def top(A: int8[N], B: int8[N]):
        @dato.kernel(mapping=[1], args=[A, B])
        def k(a: int8[N], b: int8[N]):
            for i in range(N):
                b[i] = a[i] + 1

    mod = dato.build(top, target="aie", project=tmp_path)
    a = np.random.default_rng(5).integers(-128, 128, N).astype(np.int8)
    b = np.zeros(N, np.int8)
    mod(a, b)
    np.testing.assert_array_equal(b, (a.astype(np.int64) + 1).astype(np.int8))
