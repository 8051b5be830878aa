"""The virtual NPU's kernel cache is keyed on everything the compile reads: a
project's kernels.cc includes dato_kernels.cc, so a change to the included
file (or to the compiler) must build and load a new library, never the stale one."""

import ctypes
import os
import stat
import sys

import pytest

from dato_xdsl.targets.virtual_npu import kernels


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("DATO_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache" / "kernels"


def write_project(directory, value: int):
    directory.mkdir(exist_ok=True)
    (directory / "library.cc").write_text(f"static int answer() {{ return {value}; }}\n")
    source = directory / "kernels.cc"
    source.write_text('#include "library.cc"\nextern "C" int call() { return answer(); }\n')
    return source


def call(path) -> int:
    fn = ctypes.CDLL(str(path)).call
    fn.restype = ctypes.c_int
    return fn()


def test_the_test_session_has_its_own_cache():
    assert os.environ["DATO_CACHE_DIR"] != ""
    home_cache = os.path.join(os.path.expanduser("~"), ".cache")
    assert not str(kernels.cache_dir()).startswith(home_cache)


def test_a_change_to_an_included_source_builds_a_new_library(tmp_path, cache):
    source = write_project(tmp_path / "proj", 41)
    first = kernels.build_library(source)
    assert call(first) == 41
    write_project(tmp_path / "proj", 42)  # kernels.cc unchanged, the library it includes changed
    second = kernels.build_library(source)
    assert second != first
    assert call(second) == 42
    assert kernels.build_library(source) == second  # and unchanged sources hit the cache
    assert second.parent == cache


def test_another_file_name_in_the_directory_changes_the_key(tmp_path, cache):
    source = write_project(tmp_path / "proj", 1)
    before = kernels.cache_key("g++", kernels.CXX_FLAGS, source)
    (tmp_path / "proj" / "extra.h").write_text("#define X 1\n")
    assert kernels.cache_key("g++", kernels.CXX_FLAGS, source) != before


def test_the_compiler_version_is_part_of_the_key(tmp_path, cache):
    """Two compilers answering `--version` differently (a toolchain upgrade
    behind the same command name) never share a library."""
    source = write_project(tmp_path / "proj", 7)
    keys = []
    for version in ("9.1", "13.2"):
        wrapper = tmp_path / f"cxx-{version}"
        wrapper.write_text(
            f"#!{sys.executable}\n"
            "import os, sys\n"
            "if sys.argv[1:] == ['--version']:\n"
            f"    print('g++ (fake) {version}')\n"
            "else:\n"
            "    os.execvp('g++', ['g++', *sys.argv[1:]])\n"
        )
        wrapper.chmod(wrapper.stat().st_mode | stat.S_IEXEC)
        keys.append(kernels.cache_key(str(wrapper), kernels.CXX_FLAGS, source))
    assert keys[0] != keys[1]
    assert kernels.cache_key("g++", kernels.CXX_FLAGS, source) != kernels.cache_key(
        "g++", ("-O0", *kernels.CXX_FLAGS[1:]), source
    )
