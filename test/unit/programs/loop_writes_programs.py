"""Tasks writing an output inside loops (test_loop_writes): chunk by chunk
by element stores or slices, every other element, under a condition."""

import dato_xdsl as dato
from dato_xdsl import Stream, int32

LOOP, SLICE, EVEN, COND = range(4)
"""The ways `chunked` writes y."""


def chunked(N: int, CH: int, form: int):
    """A loader streams x in chunks of CH; the writer writes chunk c of y in
    iteration c: `y[c * CH + i] = ...` ("loop"), `y[c * CH:(c + 1) * CH] =
    ...` ("slice"), `y[2 * (c * CH + i)]`, half of y ("even"), or only when
    i is even ("cond")."""
    NC = N // CH

    @dato.region()
    def top(X: int32[N], Y: int32[N]):
        xs: Stream[int32[CH], 2]

        @dato.kernel(mapping=[1], args=[X])
        def load(x: int32[N]):
            for c in range(NC):
                xs.put(x[c * CH : (c + 1) * CH])

        @dato.kernel(mapping=[1], args=[Y])
        def write(y: int32[N]):
            with dato.meta_if(form == 0):
                for c in range(NC):
                    b = xs.get()
                    for i in range(CH):
                        y[c * CH + i] = b[i] + 1
            with dato.meta_elif(form == 1):
                for c in range(NC):
                    y[c * CH : (c + 1) * CH] = dato.add(xs.get(), 1)
            with dato.meta_elif(form == 2):
                for c in range(NC // 2):
                    b = xs.get()
                    for i in range(CH):
                        y[2 * (c * CH + i)] = b[i]
                for c in range(NC // 2):
                    b = xs.get()
            with dato.meta_else():
                for c in range(NC):
                    b = xs.get()
                    for i in range(CH):
                        if i % 2 == 0:
                            y[c * CH + i] = b[i]

    return top
