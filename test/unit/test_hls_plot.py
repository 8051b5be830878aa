"""The HLS dataflow picture of a design with many process instances: one box
per process function, its instances counted, one arrow per pair of boxes with
its streams counted (matplotlib took minutes over thousands of boxes)."""

from pathlib import Path

import numpy as np

import dato_xdsl as dato
from dato_xdsl import Layout, int32
from dato_xdsl.targets.hls.plot import (
    PLOT_NODE_LIMIT,
    DataflowGraph,
    Edge,
    Node,
    dataflow_graph,
)

S = Layout.Shard
R = Layout.Replicate


def many_instances():
    """64 instances, each with its own fill process: 128 process instances
    plus the loads, the store and the arguments."""

    @dato.region()
    def top(A: int32[64, 4], B: int32[64, 4]):
        @dato.kernel(mapping=[64], args=[A, B])
        def k(a: int32[64, 4] @ [S(0), R], b: int32[64, 4] @ [S(0), R]):
            for j in range(4):
                b[0, j] = a[0, j] * 2 + 1

    return top


def test_condensed_graph_counts_instances_and_streams():
    graph = DataflowGraph("top")
    graph.nodes["arg:A"] = Node("arg:A", "A (m_axi)", "argument")
    graph.nodes["load_A"] = Node("load_A", "load_A", "load", "load_A")
    for i in range(3):
        graph.nodes[f"k_{i}"] = Node(f"k_{i}", f"k_{i}\n@k (task)", "task", "k")
        graph.edges.append(Edge("load_A", f"k_{i}", f"A_to_k_{i} depth 2", "stream"))
    graph.edges.append(Edge("arg:A", "load_A", "read", "argument"))
    small = graph.condensed()
    assert set(small.nodes) == {"arg:A", "@load_A", "@k"}
    assert small.nodes["@k"].label == "@k (task)\n3 instances"
    assert small.nodes["@load_A"].label == "load_A"  # one instance keeps its label
    assert Edge("@load_A", "@k", "3 streams", "stream") in small.edges
    assert Edge("arg:A", "@load_A", "read", "argument") in small.edges
    assert len(small.edges) == 2


def test_a_design_with_many_instances_is_drawn_condensed(tmp_path):
    mod = dato.build(many_instances(), target="hls", project=tmp_path)
    full = dataflow_graph(mod.ir)
    assert len(full.nodes) > PLOT_NODE_LIMIT
    svg = Path(mod.project / "dataflow.svg").read_text()
    assert "64 instances" in svg
    assert "one box per process function" in svg
    A = np.arange(256, dtype=np.int32).reshape(64, 4)
    B = np.zeros((64, 4), np.int32)
    mod(A, B)
    np.testing.assert_array_equal(B, A * 2 + 1)
