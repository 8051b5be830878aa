"""The refusal of a design with more processing elements than cores after the
compiler's own foldings: it names the foldings tried and why each failed, the
element and core counts, and what the user could change, with the numbers;
it does not advise bundling as if the compiler had not tried it."""

import pytest

import dato_xdsl as dato
from test.unit.test_npu_lane_bundles import loaded_ring


def test_a_ring_too_large_for_the_cores_says_what_to_change(tmp_path):
    # 20 nodes in a ring, each fed by a loader: chaining each loader with its
    # node leaves 20 elements for npu1's 16 cores; no two nodes chain (their
    # streams close a cycle) and the lane they form cannot be bundled
    with pytest.raises(dato.DatoError) as info:
        dato.build(loaded_ring(20, 4), target="aie", project=tmp_path)
    msg = str(info.value)
    assert "the design needs 20 processing elements" in msg
    assert "has 16 compute cores" in msg
    # what was tried, then what the user can change: 20 - 16 = 4 elements
    assert "chaining processing elements found no folding" in msg
    assert "bundling isomorphic lanes: streams join node_0" in msg
    assert "to fit, 4 of the 20 processing elements must go" in msg
    assert "streams without the cycle named above" in msg
    assert "helps only where no stream joins the members in a cycle" in msg
    assert not msg.endswith("bundle isomorphic instances to share cores")
