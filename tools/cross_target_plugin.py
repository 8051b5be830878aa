"""cross-target's pytest plugin: every simulator run of a program is run again on the other targets.

Loaded by `tools/cross-target` as `python -m pytest -p cross_target_plugin` (tools/ on
PYTHONPATH); no conftest is involved. When pytest configures it, it wraps two things of the
simulator target:

- `SimulatorTarget.build` keeps the build options (device, bundles, chains) on the module it
  returns, so the program can be built again for another target with the same primitives;
- `SimulatorModule.__call__` copies the arrays it is given, lets the simulator run as the test
  asked (a run that raises is the test's business and is not checked), then builds the same
  program (the IR the frontend wrote, `module.module`, with the same parameters) for `aie`
  (and `hls` when asked) and runs it on the copies.

Each target's build and run happens in a forked child process (its own process group), killed
after a time limit, so a hang or a crash of the compiler cannot stop the sweep. The child sends
back the outputs (or the error), and the parent compares them with the simulator's: integers,
booleans and wide (object) integers exactly; floats within a tolerance derived from the type's
epsilon and K (see `float_tolerance`). One JSON line per (program, target) is appended to the
file named by DATO_XT_OUT. A program is identified by the hash of its printed IR, its argument
shapes and dtypes and its build options: a (program, target) already in the file is not
checked again.

Environment (set by tools/cross-target): DATO_XT_OUT (required: the JSON-lines file; without
it the plugin does nothing), DATO_XT_TARGETS ("aie" or "aie,hls"), DATO_XT_HLS_CAP (at most
this many hls checks in this process), DATO_XT_TIMEOUT (seconds per target build+run),
DATO_XT_PER_TEST (at most this many programs checked per test item; the rest are counted
as "capped"), DATO_XT_SKIP_TARGET_PARAMS=1 (deselect tests parametrized by a hardware target)."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import re
import select
import signal
import tempfile
import time
import traceback
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

# ---------------------------------------------------------------- classification

SAME = "same"
DIFFERS = "differs"
REFUSED = "refused"
RUN_FAILED = "run-failed"
CRASH = "crash"
TIMEOUT = "timeout"
CAPPED = "capped"
STATUSES = (SAME, DIFFERS, REFUSED, RUN_FAILED, CRASH, TIMEOUT)

REFUSAL_KINDS: tuple[tuple[str, str], ...] = (
    ("DMA channels", r"dma channels?\b"),
    ("cores", r"compute cores?|processing elements"),
    ("memory", r"\bkib\b|program memory|bytes of (tile )?buffers"),
    ("buffer descriptors / locks", r"buffer descriptors|\blocks\b"),
    ("shim", r"\bshim\b"),
    (
        "shared global array",
        r"writes \S+ and \S+ reads it|both write block|one writer per block",
    ),
    ("rank", r"\brank\b"),
    (
        "element width / DMA words",
        r"\bu?int4\b|\bi4\b|i128|\bi64\b|32-bit words?|whole bytes|whole number of",
    ),
    ("matmul kernel types", r"kernel library|matmul kernels|multiplies (unsigned|i\d)"),
    ("stream", r"\bstream\b"),
)
"""A refusal's kind: the first whose pattern matches the message's first line (lower case)."""


def refusal_kind(message: str) -> str:
    text = message.lower()
    for kind, pattern in REFUSAL_KINDS:
        if re.search(pattern, text):
            return kind
    return "other"


def first_line(message: str) -> str:
    for line in message.splitlines():
        if line.strip():
            return line.strip()
    return ""


def float_info(dtype: np.dtype) -> Any | None:
    """np.finfo (or ml_dtypes.finfo for bfloat16 and friends) of a float dtype, else None."""
    if dtype.kind == "f":
        return np.finfo(dtype)
    if dtype.kind == "V" or dtype.kind == "f" or "float" in str(dtype):
        try:
            import ml_dtypes

            return ml_dtypes.finfo(dtype)
        except (ImportError, ValueError, TypeError):
            return None
    return None


def float_tolerance(dtype: np.dtype, k: int) -> float:
    """The relative bound used for floats: 2 * eps + K * eps_acc, eps the element type's machine
    epsilon (the result rounded to the type: a couple of its ulps), eps_acc that of the
    accumulator (float32 for types narrower than it, else the type itself), K the largest extent
    of any argument (a bound on any reduction's length: a sum of K products in eps_acc). A
    target agrees when |target - sim| <= bound * max(1, max |sim| of that array) element-wise,
    and NaNs match. A bf16 matmul that rounds after every K step exceeds it; one that
    accumulates in float32 in another order does not."""
    info = float_info(dtype)
    eps = float(info.eps) if info is not None else 2.0**-52
    eps_acc = min(eps, float(np.finfo(np.float32).eps))
    return 2.0 * eps + max(k, 1) * eps_acc


def compare(
    names: Sequence[str], sim: Sequence[Any], other: Sequence[Any], k: int
) -> tuple[str, list[dict[str, Any]], str]:
    """(SAME or DIFFERS, one entry per array that differs, how floats were compared)."""
    wrong: list[dict[str, Any]] = []
    rule: list[str] = []
    for name, a, b in zip(names, sim, other, strict=True):
        if not isinstance(a, np.ndarray):
            continue
        b = np.asarray(b)
        if a.shape != b.shape:
            wrong.append({"array": name, "why": f"shape {b.shape} vs {a.shape}"})
            continue
        info = float_info(a.dtype)
        if info is None:  # integers, booleans, object (wide) integers: bit for bit
            same = a == b
            if a.dtype == object:
                same = np.vectorize(lambda x, y: int(x) == int(y), otypes=[bool])(a, b)
            bad = ~np.asarray(same, dtype=bool)
        else:
            x, y = a.astype(np.float64), b.astype(np.float64)
            tol = float_tolerance(a.dtype, k)
            finite = x[np.isfinite(x)]
            scale = max(1.0, float(np.max(np.abs(finite))) if finite.size else 1.0)
            both_nan = np.isnan(x) & np.isnan(y)
            with np.errstate(invalid="ignore"):
                close = (np.abs(x - y) <= tol * scale) | (x == y) | both_nan
            bad = ~close
            finite_diff = np.abs(x - y)[np.isfinite(x) & np.isfinite(y)]
            worst = float(np.max(finite_diff)) / scale if finite_diff.size else 0.0
            rule.append(
                f"{name}: {a.dtype} within {tol:.3g} x {scale:.3g} (largest difference "
                f"{worst:.3g} x {scale:.3g})"
            )
        if bad.any():
            where = tuple(int(i) for i in np.argwhere(bad)[0])
            wrong.append(
                {
                    "array": name,
                    "elements": int(bad.sum()),
                    "of": int(bad.size),
                    "first": list(where),
                    "sim": repr(a[where]),
                    "target": repr(b[where]),
                }
            )
    return (DIFFERS if wrong else SAME), wrong, "; ".join(rule) or "exact (integers)"


def crash_site(tb: traceback.StackSummary) -> str:
    """The innermost frame inside dato_xdsl: `path:line in function`."""
    for frame in reversed(tb):
        if "dato_xdsl" in frame.filename:
            path = frame.filename[frame.filename.find("dato_xdsl") :]
            return f"{path}:{frame.lineno} in {frame.name}"
    return ""


# ---------------------------------------------------------------- running a target


def _primitives(options: Any) -> list[tuple[str, list[str]]]:
    """BuildOptions' `bundle`/`chain` strings back into dato.build's mapping_primitives."""
    result: list[tuple[str, list[str]]] = []
    for kind in ("bundle", "chain"):
        text = getattr(options, kind, "") or ""
        for group in text.split(";"):
            if group:
                result.append((kind, group.split(",")))
    return result


def _child(module: Any, inputs: list[Any], target: str, project: str) -> dict[str, Any]:
    """Build `module`'s program for `target` and run it on `inputs` (in the forked child)."""
    from dato_xdsl.errors import DatoError
    from dato_xdsl.frontend.build import build_compiled

    os.environ["DATO_TRACEBACK"] = "1"  # a Python error keeps its traceback: that is a crash
    warnings.simplefilter("ignore")
    options = getattr(module, "_xt_options", None)
    phase = "build"
    try:
        built = build_compiled(
            module.module,
            module.params,
            target,
            project=project,
            mapping_primitives=_primitives(options) or None,
            device=getattr(options, "device", None),
        )
        phase = "run"
        built(*inputs)
        return {"status": "ok", "outputs": inputs}
    except DatoError as err:
        status = REFUSED if phase == "build" else RUN_FAILED
        return {"status": status, "phase": phase, "message": str(err), "error": type(err).__name__}
    except Exception as err:
        tb = traceback.extract_tb(err.__traceback__)
        return {
            "status": CRASH,
            "phase": phase,
            "message": f"{type(err).__name__}: {err}",
            "error": type(err).__name__,
            "site": crash_site(tb),
            "traceback": "".join(traceback.format_exception(err))[-4000:],
        }


def run_forked(module: Any, inputs: list[Any], target: str, timeout: float) -> dict[str, Any]:
    """`_child` in a forked process of its own group; killed (with its compilers) at `timeout`."""
    project = tempfile.mkdtemp(prefix=f"xt-{target}-")
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 0
        try:
            global _CHILD
            _CHILD = True
            os.setpgid(0, 0)
            os.close(read_end)
            try:
                result = _child(module, inputs, target, project)
                data = pickle.dumps(result)
            except BaseException as err:  # even pickling may fail
                data = pickle.dumps({"status": CRASH, "phase": "child", "message": repr(err)})
            with os.fdopen(write_end, "wb") as out:
                out.write(data)
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    os.close(write_end)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    timed_out = False
    with os.fdopen(read_end, "rb", buffering=0) as pipe:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                timed_out = True
                break
            ready, _, _ = select.select([pipe], [], [], min(left, 1.0))
            if ready:
                chunk = pipe.read(1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
    if timed_out:
        try:
            os.killpg(pid, signal.SIGKILL)  # the child and the compilers it started
        except ProcessLookupError:
            pass
    os.waitpid(pid, 0)
    _remove(project)
    if timed_out:
        return {"status": TIMEOUT, "message": f"no result within {timeout:.0f} s"}
    try:
        return pickle.loads(b"".join(chunks))
    except Exception as err:
        return {"status": CRASH, "phase": "child", "message": f"the child died: {err!r}"}


def _remove(path: str) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)


# ---------------------------------------------------------------- the plugin state


class Sweep:
    """What this pytest process checks and where it writes."""

    def __init__(self, out: str) -> None:
        self.out = out
        self.targets = [t for t in os.environ.get("DATO_XT_TARGETS", "aie").split(",") if t]
        self.hls_left = int(os.environ.get("DATO_XT_HLS_CAP", "0"))
        self.timeout = float(os.environ.get("DATO_XT_TIMEOUT", "60"))
        self.per_test = int(os.environ.get("DATO_XT_PER_TEST", "25"))
        self.test = "<outside a test>"
        self.checked_in_test = 0
        self.seen: set[tuple[str, str]] = set()
        """(program, target) pairs already in the file or checked by this process"""
        if os.path.exists(out):
            with open(out) as f:
                for line in f:
                    try:
                        row = json.loads(line)
                        self.seen.add((row["key"], row["target"]))
                    except (ValueError, KeyError):
                        continue

    def write(self, row: dict[str, Any]) -> None:
        with open(self.out, "a") as f:
            f.write(json.dumps(row, default=str) + "\n")

    def check(self, module: Any, inputs: list[Any], results: Sequence[Any]) -> None:
        key = program_key(module, inputs)
        targets = [t for t in self.targets if (key, t) not in self.seen]
        if "hls" in targets and self.hls_left <= 0:
            targets.remove("hls")
        if not targets or (key, "-") in self.seen:
            return
        if self.checked_in_test >= self.per_test:
            self.seen.add((key, "-"))
            self.write({"key": key, "test": self.test, "target": "-", "status": CAPPED})
            return
        self.checked_in_test += 1
        names = [a.name for a in module.arguments]
        k = max((max(a.shape, default=1) for a in inputs if isinstance(a, np.ndarray)), default=1)
        for target in targets:
            self.seen.add((key, target))
            if target == "hls":
                self.hls_left -= 1
            copies = [np.array(a, copy=True) if isinstance(a, np.ndarray) else a for a in inputs]
            start = time.monotonic()
            got = run_forked(module, copies, target, self.timeout)
            row: dict[str, Any] = {
                "key": key,
                "test": self.test,
                "target": target,
                "seconds": round(time.monotonic() - start, 2),
            }
            if got["status"] == "ok":
                status, wrong, rule = compare(names, results, got["outputs"], k)
                row.update(status=status, compared=rule, wrong=wrong)
            else:
                row.update({k2: v for k2, v in got.items() if k2 != "outputs"})
                row["first_line"] = first_line(got.get("message", ""))
                if got["status"] == REFUSED:
                    row["kind"] = refusal_kind(row["first_line"])
            self.write(row)


def program_key(module: Any, inputs: Sequence[Any]) -> str:
    options = getattr(module, "_xt_options", None)
    text = [
        str(module.module),
        repr([(a.shape, str(a.dtype)) for a in inputs if isinstance(a, np.ndarray)]),
        repr((getattr(options, "device", ""), _primitives(options))),
    ]
    return hashlib.sha256("\n".join(text).encode()).hexdigest()[:16]


SWEEP: Sweep | None = None
_CHILD = False


def install(sweep: Sweep) -> None:
    """Wrap the simulator target's build and its modules' call."""
    global SWEEP
    from dato_xdsl.targets.base import TargetModule
    from dato_xdsl.targets.simulator.target import SimulatorModule, SimulatorTarget

    SWEEP = sweep
    if getattr(SimulatorTarget.build, "_xt_wrapped", False):
        return
    build = SimulatorTarget.build

    def keeping_options(self: Any, program: Any, ir: Any, options: Any) -> Any:
        module = build(self, program, ir, options)
        module._xt_options = options
        return module

    keeping_options._xt_wrapped = True  # type: ignore[attr-defined]
    SimulatorTarget.build = keeping_options  # type: ignore[method-assign]
    call = TargetModule.__call__

    def checked_call(self: Any, *arrays: Any) -> None:
        if SWEEP is None or _CHILD:
            return call(self, *arrays)
        inputs = [np.array(a, copy=True) if isinstance(a, np.ndarray) else a for a in arrays]
        call(self, *arrays)  # the test's own run; an error is the test's business
        try:
            SWEEP.check(self, inputs, [np.asarray(a) for a in arrays])
        except Exception as err:  # the tool's own failure must not fail the test
            SWEEP.write(
                {
                    "key": "-",
                    "test": SWEEP.test,
                    "target": "-",
                    "status": "tool-error",
                    "message": repr(err),
                }
            )

    SimulatorModule.__call__ = checked_call  # type: ignore[method-assign]


# ---------------------------------------------------------------- pytest hooks


def pytest_configure(config: Any) -> None:
    out = os.environ.get("DATO_XT_OUT")
    if out:
        install(Sweep(out))


HARDWARE_TARGETS = frozenset({"aie", "hls", "vitis_hls"})


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    """With DATO_XT_SKIP_TARGET_PARAMS=1, deselect the items of a test parametrized by a
    hardware target (`[aie]`, `[hls]`): they build for that target, not the simulator, so
    they hold no simulator run to check; their `[simulator]` sibling is kept."""
    if SWEEP is None or os.environ.get("DATO_XT_SKIP_TARGET_PARAMS") != "1":
        return
    keep, drop = [], []
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        hardware = any(isinstance(v, str) and v in HARDWARE_TARGETS for v in params.values())
        (drop if hardware else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def pytest_runtest_setup(item: Any) -> None:
    if SWEEP is not None:
        SWEEP.test = item.nodeid
        SWEEP.checked_in_test = 0


def pytest_runtest_teardown(item: Any) -> None:
    if SWEEP is not None:
        SWEEP.test = "<outside a test>"
