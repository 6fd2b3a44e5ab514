"""The OpenAI SDK's type packages, imported name by name.

`import openai` runs `openai/types/__init__.py`, which imports every model the SDK has
(~470 modules, 0.4-0.6 s of CPU here), and its client imports `openai.types.responses`
the same way. A chat needs a few dozen of them. While that import runs in the warm-up
thread it shares the GIL with the chat being drawn, and a send made in the first second
waited for it (the first send cost ~0.5 s more than the second).

`install()` puts a finder on `sys.meta_path` for those packages: a package whose
`__init__` only re-exports names from its own modules (`from .x import Y as Y`, as the
SDK's code generator writes them) is created empty and imports the module behind a name
on first access (PEP 562 `__getattr__`). Any other `__init__` is run as written, so a
future SDK that adds code there is imported the normal way. The SDK's own modules run
unchanged: only when they run changes.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    import importlib.abc

PACKAGES = ("openai.types",)
"""Packages (and their subpackages) imported name by name. Anthropic's SDK is not here:
its client imports most of its types itself, and this saves it ~10%."""


def reexports(source: str) -> dict[str, str] | None:
    """name -> module for an `__init__` made only of `from .module import name as name`
    (a docstring and `from __future__` allowed); None for anything else."""
    import ast  # here: chattui's own start-up does not need it

    where: dict[str, str] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            continue
        if not (isinstance(node, ast.ImportFrom) and node.level == 1 and node.module):
            return None
        for alias in node.names:
            if alias.name == "*":
                return None
            where[alias.asname or alias.name] = node.module
    return where


class _ReexportLoader:
    """Creates the package without running its `__init__`; a name imports its module."""

    def __init__(self, where: dict[str, str]) -> None:
        self.where = where

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> None:
        return None  # the default module

    def exec_module(self, module: ModuleType) -> None:
        where, package = self.where, module.__name__

        def __getattr__(name: str) -> object:
            if name in where:
                value = getattr(importlib.import_module(f"{package}.{where[name]}"), name)
            elif not name.startswith("__") and importlib.util.find_spec(f"{package}.{name}"):
                value = importlib.import_module(f"{package}.{name}")  # a subpackage
            else:
                raise AttributeError(f"module {package!r} has no attribute {name!r}")
            setattr(module, name, value)
            return value

        vars(module).update(__getattr__=__getattr__,  # PEP 562
                            __all__=list(where))  # `import *` gets every name, as before


class ReexportFinder:
    """Finds the packages under `prefixes` as usual and loads the re-export-only ones lazily."""

    def __init__(self, prefixes: Sequence[str]) -> None:
        self.prefixes = tuple(prefixes)

    def _ours(self, fullname: str) -> bool:
        return any(fullname == p or fullname.startswith(p + ".") for p in self.prefixes)

    def find_spec(self, fullname: str, path: Sequence[str] | None = None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        if not self._ours(fullname):
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.submodule_search_locations is None or not spec.origin:
            return spec  # a module, or not found: as usual
        try:
            with open(spec.origin, encoding="utf-8") as init:
                where = reexports(init.read())
        except (OSError, SyntaxError, ValueError):
            where = None
        if where is not None:
            spec.loader = cast("importlib.abc.Loader", _ReexportLoader(where))
        return spec


def install(prefixes: Sequence[str] = PACKAGES) -> None:
    """Once per process, before the SDK is imported (after, it changes nothing). The finder
    and loader follow importlib's protocols without its ABCs (importing `importlib.abc`
    took 15 ms of start-up)."""
    if not any(isinstance(f, ReexportFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, ReexportFinder(prefixes))
