"""Progress of long steps: a line on a terminal once a step has taken a second,
nothing for short steps or when the output is not a terminal (a log, a pipe, CI)."""

import io
import os
import re
import subprocess
import sys
import time

import pytest

from dato_xdsl import progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def fast(monkeypatch):
    # the rule with a shorter clock, so the tests take a fraction of a second
    monkeypatch.setattr(progress, "DELAY_SECONDS", 0.2)
    monkeypatch.setattr(progress, "REFRESH_SECONDS", 0.05)


def test_a_long_step_shows_its_name_and_time_on_a_terminal(fast):
    out = Terminal()
    with progress.step("g++: compiling the C simulation of gemm", file=out):
        time.sleep(0.5)
    shown = out.getvalue()
    assert "g++: compiling the C simulation of gemm: 00:00" in shown
    assert shown.endswith("\r")  # the line is cleared when the step ends


def test_a_short_step_prints_nothing(fast):
    out = Terminal()
    with progress.step("quick", file=out):
        time.sleep(0.01)
    assert out.getvalue() == ""


def test_nothing_is_printed_when_the_output_is_not_a_terminal(fast):
    out = io.StringIO()
    with progress.step("long", file=out):
        time.sleep(0.4)
    assert out.getvalue() == ""


def test_a_step_of_known_size_counts(fast):
    out = Terminal()
    with progress.step("search", total=4, file=out) as advance:
        for _ in range(4):
            time.sleep(0.1)
            advance(1)
    # the bar counts out of the known total; which counts it draws depends on
    # tqdm's refresh interval (a loaded machine may skip the last one)
    counts = [int(n) for n in re.findall(r"(\d)/4", out.getvalue())]
    assert counts and counts == sorted(counts) and counts[-1] >= 2


def test_a_failing_step_stops_its_line_and_passes_the_error_on(fast):
    out = Terminal()
    with pytest.raises(ValueError, match="bad"), progress.step("failing", file=out):
        time.sleep(0.3)
        raise ValueError("bad")
    assert out.getvalue().endswith("\r")


def test_a_piped_run_of_a_long_build_prints_no_progress(tmp_path):
    """The HLS target's g++ build takes seconds; with stderr a pipe, nothing."""
    script = tmp_path / "run.py"
    script.write_text(
        "import numpy as np\n"
        "import dato_xdsl as dato\n"
        "from test.unit.programs import dato_programs as progs\n"
        "mod = dato.build(progs.producer_consumer(dato.int32, 8), target='hls')\n"
        "a = np.arange(8, dtype=np.int32); b = np.zeros(8, np.int32)\n"
        "mod(a, b)\n"
        "assert (b == (a + 1) * 2).all()\n"
    )
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    done = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        cwd=root,
        env={**os.environ, "PYTHONPATH": root},
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""


def test_a_forked_child_killed_holding_the_progress_lock_does_not_block_the_parent():
    # tools/cross-target kills forked builds at their time limit; a child
    # killed inside a progress line must not leave the parent's next progress
    # line waiting forever (tqdm's default lock is shared across fork)
    import subprocess
    import sys
    import textwrap

    script = textwrap.dedent(
        """
        import os, signal, time
        from dato_xdsl import progress
        from tqdm import tqdm
        with progress.step("before the fork"):
            tqdm.get_lock()  # the parent's lock exists when the child is forked
        pid = os.fork()
        if pid == 0:
            tqdm.get_lock().acquire()
            time.sleep(60)
            os._exit(0)
        time.sleep(0.5)
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        with progress.step("after the child"):
            pass
        print("done")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and done.stdout.strip() == "done", done.stderr
