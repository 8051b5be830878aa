"""Reading an emitted aie.mlir as an independent check of the compiler's
counts: what a compute tile's data memory holds and which tiles a fifo carries,
worked out from the text by the hardware rule, not by the compiler's code."""

import re


def operand_text_tiles(text: str, name: str) -> set[tuple[int, int]]:
    """The shapes of the 2-D objects the fifos of argument `name` carry to cores."""
    found = re.findall(rf"aie\.objectfifo @{name}_in[\w]*\(.*memref<(\d+)x(\d+)x", text)
    assert found, text
    return {(int(r), int(c)) for r, c in found}


def tile_bytes(text: str, tile: str) -> tuple[int, list[str]]:
    """Bytes of data memory the design gives compute tile `tile` (as
    `core_c0_r3`): its `aie.buffer`s and the objects of every fifo it holds
    (depth objects each), and the buffers' types. A fifo between compute
    tiles sharing memory (next to each other in a column, or in a row) is
    held by one of them: the producer, unless it is east of its consumer
    (whose core cannot reach its memory; the producer's reaches the
    consumer's); any other fifo by both ends."""
    sizes = {"i8": 1, "i16": 2, "i32": 4, "f32": 4, "bf16": 2}

    def size(shape: str) -> int:
        *dims, elem = shape.split("x")
        n = sizes[elem]
        for d in dims:
            n *= int(d)
        return n

    def where(name: str) -> tuple[int, int] | None:
        found = re.fullmatch(r"core_c(\d+)_r(\d+)", name)
        return (int(found.group(1)), int(found.group(2))) if found else None

    buffers = re.findall(rf"aie\.buffer\(%{tile}\)[^:]*: memref<([\w]+)>", text)
    total = sum(size(b) for b in buffers)
    for prod, cons, depth, shape in re.findall(
        r"aie\.objectfifo @\w+\(%(\w+), \{%([\w, %]+)\}, (\d+) : i32\) : "
        r"!aie\.objectfifo<memref<([\w]+)>>",
        text,
    ):
        ends = [prod, *(c.strip(" %") for c in cons.split(","))]
        if tile not in ends:
            continue
        p, c = where(prod), where(ends[1])
        holder = None
        if len(ends) == 2 and p is not None and c is not None:
            if p[0] == c[0] and abs(p[1] - c[1]) == 1 or p[1] == c[1] and p[0] == c[0] - 1:
                holder = prod
            elif p[1] == c[1] and p[0] == c[0] + 1:
                holder = ends[1]
        if holder in (None, tile):
            total += int(depth) * size(shape)
    return total, buffers
