"""The real-server tier: skipped, with how to build it, when llama-server is not built."""

from __future__ import annotations

import pytest

from tests.real import llama


def pytest_collection_modifyitems(items) -> None:
    skip = pytest.mark.skip(reason=llama.MISSING)
    for item in items:
        if item.get_closest_marker("real") and not llama.available():
            item.add_marker(skip)


@pytest.fixture
def llama_server(tmp_path):
    """A fresh server (a cold cache) for one test."""
    server = llama.LlamaServer(tmp_path / "llama-server.log")
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()
