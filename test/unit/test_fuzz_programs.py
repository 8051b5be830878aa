"""Dato programs under fuzzing.

1. Seeded random valid programs (programs/random_programs.py) run on every
   target (simulator, aie on the virtual NPU, hls through g++ C simulation under
   -Wall -Werror) and must give what the generator's own numpy model says.
2. Mutated programs (Hypothesis, derandomized) must compile and run, or fail
   with a DatoError naming the Python file and line; never a traceback from
   inside the compiler, never a hang.

A failure prints the program's source: save it as a .py file and run
`dato.build(top, target=...)` on it. The larger campaign is
`python tools/fuzz-campaign programs --examples N`."""

from __future__ import annotations

import os
import re
import tempfile
import traceback

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dato_xdsl as dato
from test.unit.fuzz_support import Hang, time_limit
from test.unit.programs.random_programs import Program, generate

PACKAGE = os.path.dirname(os.path.abspath(dato.__file__))
PY_LOCATED = re.compile(r"\S+\.py:\d+(:\d+)?: error: ")


def run_on(program: Program, target: str, project: str) -> list[np.ndarray]:
    top = program.load(project)
    args = program.arrays()
    options = {} if target == "simulator" else {"project": os.path.join(project, target)}
    with time_limit(120):
        dato.build(top, target=target, **options)(*args)
    return args[len(program.inputs) :]


# every seed on the simulator; fewer on the NPU and HLS paths (seconds each)
CASES = [(seed, "simulator") for seed in range(12)]
CASES += [(seed, "aie") for seed in range(4)]
CASES += [(seed, "hls") for seed in range(3)]


@pytest.mark.parametrize(("seed", "target"), CASES)
def test_random_program_matches_its_numpy_model(seed: int, target: str, tmp_path) -> None:
    program = generate(seed)
    try:
        got = run_on(program, target, str(tmp_path))
    except dato.DatoError as err:
        pytest.fail(f"{target} refused a valid program: {err}\n{program.reproducer()}")
    for name, value in zip(program.outputs, got, strict=True):
        np.testing.assert_array_equal(
            value, program.expected[name], err_msg=f"{target}, {name}\n{program.reproducer()}"
        )


def test_generator_model_is_independent_of_the_executors() -> None:
    # two models checked by hand against their sources. Seed 3 (int32): instance
    # 0 ends with `v * 0`, instance 1 sums a * -2 - 1 over A[4:] = [-26, 41, 10, 19]:
    # 51 - 83 - 21 - 39 = -92. Seed 9 (int8): sums of (a & -2) + 1 per half:
    # 13 + 9 + 19 - 15 + 1 + 15 + 19 - 17 = 44 and 5 - 9 + 9 + 7 - 9 - 9 - 5 - 17 = -28.
    three, nine = generate(3), generate(9)
    assert "v = v * 0" in three.source and "acc += s2[p].get()" in three.source
    assert three.inputs["A"].tolist() == [10, -17, 20, -21, -26, 41, 10, 19]
    assert three.expected["OUT"].tolist() == [0, 0, 0, 0, -92, 0, 0, 0]
    assert "v = v & -2" in nine.source and "v = v - -1" in nine.source
    a = [12, 9, 18, -15, 1, 15, 19, -18, 4, -10, 8, 7, -10, -10, -5, -17]
    assert nine.inputs["A"].tolist() == a
    assert nine.expected["OUT"].tolist() == [44] + [0] * 7 + [-28] + [0] * 7


# ------------------------------------------------------------ mutated programs

TOKENS = [
    "S(-1)",
    "S('x')",
    "S(0), S(0)",
    "2**40",
    "0",
    "-1",
    "2.5",
    "100000",
    "dato.meta_else(1)",
    "dato.get_pid()",
    ".get()",
    ".put(v)",
    "[0]",
    "[:, :]",
    "range(-1)",
    "int8",
    "float32",
    "bfloat16",
    "max(v, v)",
    "v / 0",
    "v // 0",
    "v % 0",
    "return",
    "pass",
    "while True:",
]


def mutate_program(source: str, mutations: list[tuple[str, float, object]]) -> str:
    lines = source.split("\n")
    for kind, where, arg in mutations:
        k = 8 + int(where * (len(lines) - 9))  # after the imports and the decorator
        if kind == "number":
            lines[k] = re.sub(r"\b\d+\b", str(arg), lines[k], count=1)
        elif kind == "token":
            line = lines[k]
            cut = int(float(arg[1]) * len(line))  # type: ignore[index]
            lines[k] = line[:cut] + str(arg[0]) + line[cut:]  # type: ignore[index]
        elif kind == "delete":
            del lines[k]
        elif kind == "duplicate":
            lines.insert(k, lines[k])
        else:  # replace a word by another from the program
            words = re.findall(r"[A-Za-z_]\w*", source)
            lines[k] = re.sub(r"[A-Za-z_]\w*", words[int(float(arg) * (len(words) - 1))],
                              lines[k], count=1)  # fmt: skip
    return "\n".join(lines)


program_mutation = st.one_of(
    st.tuples(st.just("number"), st.floats(0, 1), st.sampled_from([0, 1, 3, 7, 2**40, 65537])),
    st.tuples(
        st.just("token"), st.floats(0, 1), st.tuples(st.sampled_from(TOKENS), st.floats(0, 1))
    ),
    st.tuples(st.just("delete"), st.floats(0, 1), st.just(0)),
    st.tuples(st.just("duplicate"), st.floats(0, 1), st.just(0)),
    st.tuples(st.just("word"), st.floats(0, 1), st.floats(0, 1)),
)


def _inside_compiler(err: BaseException) -> bool:
    frames = traceback.extract_tb(err.__traceback__)
    return bool(frames) and frames[-1].filename.startswith(PACKAGE)


def check_mutant(source: str, seed: int) -> str:
    """Build and run a mutated program on the simulator; return how it ended
    ("ok", "python" for Python's own error in the program text, "located")."""
    program = generate(seed)
    program.source = source
    with tempfile.TemporaryDirectory() as d:
        try:
            with time_limit(30):
                top = program.load(d)
        except dato.DatoError as err:
            assert PY_LOCATED.match(str(err)), f"unlocated: {err}\n{source}"
            return "located"
        except Hang:
            raise AssertionError(f"import hangs:\n{source}") from None
        except Exception as err:
            # the program's own Python (syntax, names) may fail; our code may not
            assert not _inside_compiler(err), "".join(traceback.format_exception(err)) + source
            return "python"
        try:
            with time_limit(30):
                module = dato.build(top)  # type: ignore[arg-type]
            try:
                # a mutated trip count may make the program itself run for
                # ages: that is the program, not the compiler
                with time_limit(10):
                    module(*program.arrays())
            except Hang:
                return "slow"
        except dato.DatoError as err:
            text = str(err)
            assert PY_LOCATED.search(text) or "instance" in text or "stream" in text, (
                f"unlocated: {text}\n{source}"
            )
            return "located"
        except Hang:
            raise AssertionError(f"build or run hangs:\n{source}") from None
        except Exception as err:
            raise AssertionError(
                "".join(traceback.format_exception(err)) + "\n--- program ---\n" + source
            ) from None
    return "ok"


@settings(
    max_examples=40,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    database=None,
)
@given(
    seed=st.integers(0, 30),
    mutations=st.lists(program_mutation, min_size=1, max_size=2),
)
def test_mutated_program_gives_located_error_or_runs(
    seed: int, mutations: list[tuple[str, float, object]]
) -> None:
    source = mutate_program(generate(seed).source, mutations)
    check_mutant(source, seed)
