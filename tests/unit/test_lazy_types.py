"""The SDK's type packages are imported name by name, and nothing else about them changes."""

import subprocess
import sys
import textwrap

import pytest

from chattui.lazy_types import ReexportFinder, reexports


def test_an_init_that_only_reexports_is_read_as_a_map_of_names():
    source = '"""Doc."""\nfrom __future__ import annotations\nfrom .batch import Batch as Batch\n' \
             "from .chat import ChatCompletion as ChatCompletion, Other as Renamed\n"
    assert reexports(source) == {"Batch": "batch", "ChatCompletion": "chat", "Renamed": "chat"}


@pytest.mark.parametrize("source", ["from .a import *\n", "import os\n", "from .a import B\nX = 1\n",
                                    "from openai import B\n", "from . import a\n"])
def test_an_init_with_anything_else_is_run_as_written(source):
    assert reexports(source) is None


@pytest.fixture
def packages(tmp_path, monkeypatch):
    """Two packages: `lazy_pkg` only re-exports, `eager_pkg` also sets a name itself."""
    for name, extra in (("lazy_pkg", ""), ("eager_pkg", "SET_HERE = 1\n")):
        folder = tmp_path / name
        (folder / "inner").mkdir(parents=True)
        (folder / "__init__.py").write_text(f"from .things import Thing as Thing\n{extra}")
        (folder / "things.py").write_text("class Thing:\n    pass\n")
        (folder / "inner" / "__init__.py").write_text("from .deep import Deep as Deep\n")
        (folder / "inner" / "deep.py").write_text("class Deep:\n    pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    finder = ReexportFinder(["lazy_pkg", "eager_pkg"])
    monkeypatch.setattr(sys, "meta_path", [finder, *sys.meta_path])
    yield
    for name in [m for m in sys.modules if m.split(".")[0] in ("lazy_pkg", "eager_pkg")]:
        del sys.modules[name]


def test_a_reexporting_package_imports_a_module_when_its_name_is_first_used(packages):
    import lazy_pkg

    assert "lazy_pkg.things" not in sys.modules
    assert lazy_pkg.Thing.__module__ == "lazy_pkg.things"
    assert "lazy_pkg.things" in sys.modules
    from lazy_pkg.inner import Deep  # a subpackage is found the same way

    assert Deep.__module__ == "lazy_pkg.inner.deep"
    assert lazy_pkg.inner.Deep is Deep
    with pytest.raises(AttributeError, match="no attribute 'Missing'"):
        _ = lazy_pkg.Missing
    with pytest.raises(ImportError):
        from lazy_pkg import Missing  # noqa: F401


def test_a_package_with_code_of_its_own_runs_it_as_before(packages):
    import eager_pkg

    assert eager_pkg.SET_HERE == 1
    assert "eager_pkg.things" in sys.modules  # imported by its __init__, as written


def test_the_openai_sdk_imports_a_fraction_of_its_types_and_still_has_every_name():
    script = textwrap.dedent("""
        import sys
        import chattui, openai
        loaded = {m for m in sys.modules if m.startswith("openai.types.")}
        from openai.types.chat import ChatCompletionChunk
        assert openai.types.CompletionUsage.__name__ == "CompletionUsage"
        assert openai.types.responses.Response.__module__ == "openai.types.responses.response"
        names = {}
        exec("from openai.types import *", names)
        print(len(loaded), "openai.types.batch" in loaded, len(names))
        """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    loaded, batch, names = out.stdout.split()
    assert int(loaded) < 120, out.stdout  # of ~470 when its __init__ runs
    assert batch == "False"
    assert int(names) > 100  # `import *` still brings every name the package had
