"""npu_mapped_regions: a region physical mapping placed during a retile
trial is handed back, as placed, for a region of the same content entering
mapping later (the build); a region of other content, or one recorded
outside a trial, is not; a mapping outside a trial forgets them all."""

from __future__ import annotations

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp

from dato_xdsl.dialects import dato
from dato_xdsl.driver import DatoOptMain, LocatingParser
from dato_xdsl.printing import module_text
from dato_xdsl.transforms.npu_mapped_regions import Entry, trial
from dato_xdsl.transforms.physical_mapping import PhysicalMapPass
from dato_xdsl.transforms.virtual_mapping import VirtualMapPass

_PIPE = """
dato.region @{name}() {{
  dato.stream @s : !dato.stream<i32, 2>
  dato.task @p grid [1] () {{
    %v = arith.constant {value} : i32
    dato.put @s, %v : i32
  }}
  dato.task @c grid [1] () {{
    %w = dato.get @s : i32
  }}
}}
"""


def _region(name: str = "pipe", value: int = 7) -> tuple[ModuleOp, dato.RegionOp]:
    ctx = DatoOptMain([]).ctx
    module = LocatingParser(ctx, _PIPE.format(name=name, value=value), "p.mlir").parse_module()
    VirtualMapPass().apply(Context(), module)
    region = next(o for o in module.walk() if isinstance(o, dato.RegionOp))
    return module, region


def _placed(module: ModuleOp) -> dato.RegionOp:
    PhysicalMapPass(device="npu1").apply(Context(), module)
    return next(o for o in module.walk() if isinstance(o, dato.RegionOp))


def test_a_region_placed_in_a_trial_is_handed_back_for_the_same_content() -> None:
    expected = module_text(_placed(_region("same_content")[0]))  # mapped without the memo
    module, region = _region("same_content")
    with trial():
        entry = Entry(region, "npu1", "auto")
        assert entry.recorded() is None  # nothing placed yet
        entry.record(_placed(module))
    _, again = _region("same_content")
    found = Entry(again, "npu1", "auto").recorded()
    assert found is not None
    assert module_text(found) == expected


def test_other_content_or_device_is_not_handed_back() -> None:
    module, region = _region("other_content", 7)
    with trial():
        Entry(region, "npu1", "auto").record(_placed(module))
    _, changed = _region("other_content", 8)  # one constant differs
    assert Entry(changed, "npu1", "auto").recorded() is None
    _, same = _region("other_content", 7)
    assert Entry(same, "npu2", "auto").recorded() is None
    assert Entry(same, "npu1", "chains").recorded() is None


def test_a_region_placed_outside_a_trial_is_not_kept() -> None:
    module, region = _region("outside_trial")
    Entry(region, "npu1", "auto").record(_placed(module))
    _, same = _region("outside_trial")
    assert Entry(same, "npu1", "auto").recorded() is None


def test_a_mapping_outside_a_trial_forgets_the_trials() -> None:
    # a build's mapping takes its own trials' results; the next build's
    # regions are mapped anew
    module, region = _region("forgotten")
    with trial():
        Entry(region, "npu1", "auto").record(_placed(module))
    _placed(_region("unrelated", 3)[0])  # a build's own mapping
    _, same = _region("forgotten")
    assert Entry(same, "npu1", "auto").recorded() is None
