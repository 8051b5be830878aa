"""dato-opt under hostile input: mutated `.mlir` files through every pipeline
give a located error or succeed; never a traceback, an internal error or a hang.

The inputs are the project's own FileCheck inputs with a few mutations each
(Hypothesis, derandomized: the same examples on every run). A failure prints the
mutated text and the arguments: save the text to a file and run dato-opt on it.
The larger campaign is `python tools/fuzz-campaign mlir --examples N`."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from test.unit.fuzz_support import PIPELINES, corpus, run_dato_opt

CORPUS = corpus()

# tokens that reached xDSL's and our error paths in earlier campaigns
TOKENS = [
    '"',
    '"abcdefghijklmnopqrstuvwxyz0123456789abcdef',
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    "<",
    ">",
    ",",
    ":",
    "=",
    "%x",
    "%c0",
    "^bb1:",
    "^bb0",
    "0",
    "-1",
    "2147483648",
    "9223372036854775807",
    "9223372036854775808",
    "99999999999999999999",
    "1.5",
    "f80",
    "f16",
    "f64",
    "i1",
    "i64",
    "index",
    "memref<4xi32>",
    "memref<?xi32>",
    "!dato.stream<i32, 0>",
    "#dato.layout<[S0, S0]>",
    "S0",
    "S7",
    "R",
    "{dato.meta}",
    "dato.put @s, %x : i32",
    "%v = dato.get @s : i32",
    "%p = dato.pid : index",
    "aie.end",
    "scf.yield",
    "linalg.matmul",
    "arith.constant 1.0 : f80",
    "arith.constant 300 : i8",
    "loc(unknown)",
]

mutation = st.one_of(
    st.tuples(st.just("delete"), st.floats(0, 1), st.integers(1, 40)),
    st.tuples(st.just("insert"), st.floats(0, 1), st.sampled_from(TOKENS)),
    st.tuples(st.just("number"), st.floats(0, 1), st.sampled_from(TOKENS[15:23])),
    st.tuples(st.just("dup_line"), st.floats(0, 1), st.floats(0, 1)),
    st.tuples(st.just("swap_lines"), st.floats(0, 1), st.floats(0, 1)),
    st.tuples(st.just("truncate"), st.floats(0, 1), st.just(0)),
)


def mutate(text: str, mutations: list[tuple[str, float, object]]) -> str:
    for kind, where, arg in mutations:
        at = int(where * len(text))
        lines = text.split("\n")
        if kind == "delete":
            text = text[:at] + text[at + int(arg) :]  # type: ignore[call-overload]
        elif kind == "insert":
            text = f"{text[:at]} {arg} {text[at:]}"
        elif kind == "number":
            digits = [i for i, c in enumerate(text) if c.isdigit()]
            if digits:
                k = digits[int(where * (len(digits) - 1))]
                end = k
                while end < len(text) and text[end].isdigit():
                    end += 1
                text = text[:k] + str(arg) + text[end:]
        elif kind == "dup_line":
            k = int(where * (len(lines) - 1))
            lines.insert(int(float(arg) * len(lines)), lines[k])  # type: ignore[arg-type]
            text = "\n".join(lines)
        elif kind == "swap_lines":
            i, j = int(where * (len(lines) - 1)), int(float(arg) * (len(lines) - 1))  # type: ignore[arg-type]
            lines[i], lines[j] = lines[j], lines[i]
            text = "\n".join(lines)
        else:
            text = text[:at]
    return text


def check(text: str, args: list[str]) -> None:
    outcome = run_dato_opt(text, args)
    assert outcome.kind in ("ok", "located"), (
        f"dato-opt {' '.join(args)} on the input below gave {outcome.kind} "
        f"(exit {outcome.status}):\n{outcome.stderr}\n--- input ---\n{text}"
    )


def test_corpus_is_not_empty() -> None:
    assert len(CORPUS) > 50


@settings(
    max_examples=50,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    database=None,
)
@given(
    seed=st.sampled_from(CORPUS),
    mutations=st.lists(mutation, min_size=1, max_size=3),
    pipeline=st.sampled_from(PIPELINES),
)
def test_mutated_mlir_gives_located_error_or_success(
    seed: str, mutations: list[tuple[str, float, object]], pipeline: list[str]
) -> None:
    check(mutate(seed, mutations), pipeline)


# Inputs the first campaign found, kept as fixed cases (each once hung or
# crashed dato-opt); their expected locations are counted by hand.
KNOWN = [
    ('dato.region @a() {\n  "abcdefghijklmnopqrstuvwxyzabcdefghijklmnop\n}\n', [], "fuzz.mlir:2:3"),
    (
        "dato.region @a() {\n  dato.task @t grid [2147483648] () {\n  }\n}\n",
        ["-p", "dato-virtual-map"],
        "fuzz.mlir:2:3",
    ),
    (
        "dato.region @a() {\n  dato.task @t grid [9223372036854775808] () {\n  }\n}\n",
        ["-p", "dato-virtual-map"],
        "fuzz.mlir:2:3",
    ),
    ("func.func @f() {\n  %c = arith.constant 1.0 : f80\n  func.return\n}\n", [], "fuzz.mlir:2:3"),
    (
        "func.func @f() {\n  %c = arith.constant 99999999999999999999 : i64\n  func.return\n}\n",
        [],
        "fuzz.mlir:2:3",
    ),
    (
        "func.func @f() {\n  cf.br ^bb1\n^bb1:\n  cf.br ^bb1\n^bb1:\n  func.return\n}\n",
        [],
        "fuzz.mlir:5:1",
    ),
    (
        "func.func @f(%a : memref<4x4xf32>) {\n"
        "  linalg.matmul ins(%a : memref<4x4xf32>) outs(%a : memref<4x4xf32>)\n"
        "  func.return\n}\n",
        [],
        "fuzz.mlir:2:3",
    ),
    (
        "func.func @f() {\n  %x = arith.addi %y, %y : i32\n"
        "  %y = arith.constant 1 : i32\n  func.return\n}\n",
        [],
        "fuzz.mlir:2:3: error: 'arith.addi' op uses %y before its definition",
    ),
    (
        "func.func @f(%a : index) {\n  scf.for %i = %a to %a step %a {\n    aie.end\n  }\n"
        "  func.return\n}\n",
        [],
        "fuzz.mlir:2:3",
    ),
]


KNOWN.append(('"test.op"() {v = 4 : i99999999999999999999} : () -> ()\n', [], "fuzz.mlir:1:"))
KNOWN.append(('"test.op"() {v = 0 : i32147483648} : () -> ()\n', [], "fuzz.mlir:1:22"))


def test_known_cases_are_located_at_their_line() -> None:
    for text, args, where in KNOWN:
        outcome = run_dato_opt(text, args, seconds=5)
        assert outcome.kind == "located", (text, outcome)
        assert where in outcome.stderr, (text, outcome.stderr)
