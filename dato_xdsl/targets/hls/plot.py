"""The picture of an HLS design: its dataflow graph, read from the `vhls`
module (after convert-dato-to-vhls).

Boxes are the process instances of the `vhls.dataflow` region (labelled with
the instance, its process and kind) and the kernel's m_axi arguments; arrows
are `hls::stream`s (name and depth), ping-pong buffers (`vhls.pipo`, dashed)
and the arguments' reads and writes. Columns follow the data: a box sits one
column right of the furthest box that feeds it. `draw` uses matplotlib; in an
SVG every label is a `<text>` element."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from xdsl.context import Context
from xdsl.dialects.builtin import MemRefType, ModuleOp
from xdsl.ir import SSAValue
from xdsl.utils.target import Target

from dato_xdsl.diagnostics import LocatedDiagnostic
from dato_xdsl.dialects import vhls
from dato_xdsl.targets.plot_labels import label_edge
from dato_xdsl.transforms.vhls_dataflow_lint import stream_directions

PICTURE_NAME = "dataflow.svg"
"""What `dato.build(..., target="hls", project=dir)` writes into `dir`."""


@dataclass(frozen=True)
class Node:
    name: str
    label: str
    kind: str
    """a process kind (task, load, store, fill, ...) or "argument\""""
    process: str = ""
    """the process function a process instance calls"""


@dataclass(frozen=True)
class Edge:
    src: str
    dst: str
    label: str
    kind: str
    """"stream", "pipo" or "argument\""""


@dataclass
class DataflowGraph:
    top: str
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)

    def columns(self) -> dict[str, int]:
        """The column of each node: longest path from the sources (edges that
        close a cycle are ignored)."""
        succ: dict[str, list[str]] = {n: [] for n in self.nodes}
        for e in self.edges:
            succ[e.src].append(e.dst)
        order: list[str] = []
        state: dict[str, int] = {}

        def visit(n: str) -> None:  # depth-first, reverse post-order
            stack = [(n, iter(succ[n]))]
            state[n] = 1
            while stack:
                node, it = stack[-1]
                nxt = next(it, None)
                if nxt is None:
                    state[node] = 2
                    order.append(node)
                    stack.pop()
                elif nxt not in state:
                    state[nxt] = 1
                    stack.append((nxt, iter(succ[nxt])))

        indegree = {n: 0 for n in self.nodes}
        for e in self.edges:
            indegree[e.dst] += 1
        for n in sorted(self.nodes, key=lambda n: (indegree[n] > 0, n)):
            if n not in state:
                visit(n)
        rank = {n: k for k, n in enumerate(reversed(order))}
        column = {n: 0 for n in self.nodes}
        for n in reversed(order):
            for m in succ[n]:
                if rank[m] > rank[n]:  # forward edge
                    column[m] = max(column[m], column[n] + 1)
        # then as late as its consumers allow: a copy-in sits next to its reader
        for n in order:
            later = [column[m] for m in succ[n] if rank[m] > rank[n]]
            if later:
                column[n] = max(column[n], min(later) - 1)
        return column

    def condensed(self) -> DataflowGraph:
        """One box per process function (its instances counted), one arrow
        per pair of boxes and kind (its streams or buffers counted): the
        picture of a design with more instances than a drawing can show."""
        group: dict[str, str] = {}
        members: dict[str, list[Node]] = {}
        for node in self.nodes.values():
            key = f"@{node.process}" if node.process else node.name
            group[node.name] = key
            members.setdefault(key, []).append(node)
        out = DataflowGraph(self.top)
        for key, nodes in members.items():
            first = nodes[0]
            if len(nodes) == 1:
                out.nodes[key] = Node(key, first.label, first.kind, first.process)
                continue
            label = f"@{first.process} ({first.kind})\n{len(nodes)} instances"
            out.nodes[key] = Node(key, label, first.kind, first.process)
        edges: dict[tuple[str, str, str], list[Edge]] = {}
        for e in self.edges:
            edges.setdefault((group[e.src], group[e.dst], e.kind), []).append(e)
        what = {"stream": "streams", "pipo": "ping-pong buffers", "argument": "accesses"}
        for (src, dst, kind), found in edges.items():
            label = found[0].label if len(found) == 1 else f"{len(found)} {what.get(kind, kind)}"
            out.edges.append(Edge(src, dst, label, kind))
        return out


PLOT_NODE_LIMIT = 120
"""Above this many boxes, `plot` draws the condensed graph (one box per process
function): matplotlib takes minutes over thousands of boxes, and they could not
be read."""


def _label_of(value: SSAValue) -> tuple[str, str] | None:
    owner = value.owner
    if isinstance(owner, vhls.StreamOp):
        t = owner.result.type
        assert isinstance(t, vhls.StreamType)
        return f"{owner.stream_name.data} depth {t.depth.data}", "stream"
    if isinstance(owner, vhls.PipoOp):
        t = owner.result.type
        assert isinstance(t, MemRefType)
        shape = "x".join(str(d) for d in t.get_shape())
        return f"{owner.buffer_name.data} ping-pong {shape}", "pipo"
    return None


def dataflow_graph(module: ModuleOp) -> DataflowGraph:
    """The processes, streams and buffers of the module's `vhls.kernel`."""
    kernels = [op for op in module.walk() if isinstance(op, vhls.KernelOp)]
    if len(kernels) != 1:
        raise LocatedDiagnostic(
            f"error: expected one vhls.kernel, found {len(kernels)}; lower the program first "
            "(-p dato-virtual-map,convert-dato-to-vhls)"
        )
    kernel = kernels[0]
    graph = DataflowGraph(kernel.sym_name.data)
    arg_names: dict[SSAValue, str] = {}
    for k, (arg, itf) in enumerate(
        zip(kernel.body.block.args, kernel.interfaces.data, strict=True)
    ):
        name = arg.name_hint or f"arg{k}"
        arg_names[arg] = f"arg:{name}"
        graph.nodes[f"arg:{name}"] = Node(f"arg:{name}", f"{name} ({itf.mode.data})", "argument")
    dataflow = kernel.dataflow()
    if dataflow is None:
        return graph
    # per value: the instances that write it and the ones that read it
    writers: dict[SSAValue, list[str]] = {}
    readers: dict[SSAValue, list[str]] = {}
    # per process function, once: its instances share them
    siblings = kernel.parent_block()
    assert siblings is not None
    processes = {op.sym_name.data: op for op in siblings.ops if isinstance(op, vhls.ProcessOp)}
    known: dict[str, dict[int, tuple[bool, bool]]] = {}
    for op in dataflow.body.block.ops:
        if not isinstance(op, vhls.CallOp):
            continue
        inst = op.instance.data
        callee = op.callee.root_reference.data
        proc = processes.get(callee)
        kind = proc.kind.data if proc is not None else "?"
        label = inst if callee == inst else f"{inst}\n@{callee} ({kind})"
        graph.nodes[inst] = Node(inst, label, kind, callee)
        if proc is None:
            continue
        n_lit = proc.num_literals.data
        directions = known.get(callee)
        if directions is None:
            directions = stream_directions(proc) | vhls.buffer_directions(proc)
            known[callee] = directions
        for k, value in enumerate(op.args):
            reads, writes = directions.get(k + n_lit, (False, False))
            if writes:
                writers.setdefault(value, []).append(inst)
            if reads:
                readers.setdefault(value, []).append(inst)
    for value in list(writers) + [v for v in readers if v not in writers]:
        ws, rs = writers.get(value, []), readers.get(value, [])
        if value in arg_names:
            port = arg_names[value]
            graph.edges += [Edge(port, r, "read", "argument") for r in rs]
            graph.edges += [Edge(w, port, "write", "argument") for w in ws]
            continue
        found = _label_of(value)
        if found is None:
            continue
        label, kind = found
        graph.edges += [Edge(w, r, label, kind) for w in ws for r in rs if w != r]
    return graph


# ------------------------------------------------------------------ drawing

_BOX_W, _BOX_H = 2.4, 0.8
_PX, _PY = 4.2, 1.3
_FILL = {
    "argument": "#dfe8f5",
    "load": "#e3f2e1",
    "store": "#e3f2e1",
    "fill": "#f1e6f7",
}


def draw(graph: DataflowGraph, path: str | os.PathLike[str]) -> Path:
    """Draw `graph` into `path` (format from its suffix; .svg keeps text as text)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    column = graph.columns()
    by_column: dict[int, list[str]] = {}
    for name in graph.nodes:  # IR order within a column
        by_column.setdefault(column[name], []).append(name)
    n_cols = max(by_column, default=0) + 1
    n_rows = max((len(v) for v in by_column.values()), default=1)
    where: dict[str, tuple[float, float]] = {}
    for c, names in by_column.items():
        offset = (n_rows - len(names)) * _PY / 2  # centre short columns
        for r, name in enumerate(names):
            where[name] = (c * _PX, (n_rows - 1 - r) * _PY - offset)
    out = Path(path)
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "dato-xdsl"}):
        fig = Figure(figsize=(2.2 * n_cols + 1, 0.75 * n_rows + 1.2))
        ax = fig.add_subplot()
        ax.set_xlim(-0.3, n_cols * _PX)
        ax.set_ylim(-0.8, n_rows * _PY)
        ax.axis("off")
        ax.set_title(f"{graph.top}: dataflow (HLS)", fontsize=11)
        for name, node in graph.nodes.items():
            x, y = where[name]
            ax.add_patch(
                FancyBboxPatch(
                    (x, y),
                    _BOX_W,
                    _BOX_H,
                    boxstyle="round,pad=0.04",
                    facecolor=_FILL.get(node.kind, "#fff3d6"),
                    edgecolor="#444444",
                    linewidth=0.9,
                    zorder=1,
                    gid=f"node-{name}",
                )
            )
            ax.text(
                x + _BOX_W / 2,
                y + _BOX_H / 2,
                node.label,
                fontsize=6,
                ha="center",
                va="center",
                zorder=3,
                parse_math=False,
            )
        merged: dict[tuple[str, str, str], list[str]] = {}
        for e in graph.edges:  # parallel streams share one arrow, one label each
            merged.setdefault((e.src, e.dst, e.kind), []).append(e.label)
        for (src, dst, kind), labels in merged.items():
            edge = Edge(src, dst, "\n".join(labels), kind)
            (xa, ya), (xb, yb) = where[edge.src], where[edge.dst]
            backward = xb <= xa
            x0, y0 = xa + _BOX_W, ya + _BOX_H / 2
            x1, y1 = (xb, yb + _BOX_H / 2)
            ax.add_patch(
                FancyArrowPatch(
                    (x0, y0),
                    (x1, y1),
                    arrowstyle="-|>",
                    mutation_scale=7,
                    connectionstyle="arc3,rad=0.4" if backward else "arc3,rad=0",
                    linestyle="--" if edge.kind == "pipo" else "-",
                    color={"pipo": "#7a3e9d", "argument": "#2d6a2d"}.get(edge.kind, "#1f4e9c"),
                    linewidth=0.7,
                    zorder=2,
                )
            )
            if edge.kind == "argument":
                continue  # the box says which argument; "read"/"write" is the arrow's way
            label_edge(ax, (x0, y0), (x1, y1), 0.5 if backward else 0.55, edge.label)
        ax.text(
            0,
            -0.6,
            "solid: hls::stream (name, depth); dashed: ping-pong buffer; "
            "green: m_axi argument reads and writes",
            fontsize=6,
            color="#555555",
            parse_math=False,
        )
        out.parent.mkdir(parents=True, exist_ok=True)
        meta = {"Date": None} if out.suffix.lower() == ".svg" else None
        fig.savefig(out, bbox_inches="tight", metadata=meta)
    return out


def plot(module: ModuleOp, path: str | os.PathLike[str]) -> Path:
    """Draw the dataflow graph of a `vhls` module into `path` (condensed to one
    box per process function above PLOT_NODE_LIMIT boxes)."""
    graph = dataflow_graph(module)
    if len(graph.nodes) > PLOT_NODE_LIMIT:
        instances = sum(1 for n in graph.nodes.values() if n.process)
        graph = graph.condensed()
        graph.top += f" ({instances} process instances, one box per process function)"
    return draw(graph, path)


@dataclass(frozen=True)
class HlsPlotTarget(Target):
    """`dato-opt -t 'hls-plot{file="dataflow.svg"}'`: the dataflow graph of a
    design lowered to vhls (processes, streams with depths, ping-pong buffers)."""

    name = "hls-plot"

    file: str = PICTURE_NAME

    def emit(self, ctx: Context, module: ModuleOp, output: IO[str]) -> None:
        written = plot(module, self.file)
        output.write(f"wrote the HLS dataflow picture to {written}\n")
