import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)


@pytest.fixture(autouse=True, scope="session")
def private_kernel_cache(tmp_path_factory):
    """The virtual NPU's compiled kernels go to a cache of this test session
    (dato-run subprocesses inherit it): a library compiled by an earlier run,
    or by another checkout, never answers for the sources under test."""
    old = os.environ.get("DATO_CACHE_DIR")
    os.environ["DATO_CACHE_DIR"] = str(tmp_path_factory.mktemp("dato-cache"))
    yield
    if old is None:
        os.environ.pop("DATO_CACHE_DIR", None)
    else:
        os.environ["DATO_CACHE_DIR"] = old


@pytest.fixture(scope="module")
def suite():
    """tools/allo-suite (a script without .py) loaded as a module."""
    import importlib.machinery
    import importlib.util

    tool = os.path.join(ROOT, "tools", "allo-suite")
    loader = importlib.machinery.SourceFileLoader("allo_suite_tool", tool)
    spec = importlib.util.spec_from_loader("allo_suite_tool", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["allo_suite_tool"] = module
    loader.exec_module(module)
    return module
