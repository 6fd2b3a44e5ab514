"""Shared test set-up: a deterministic tokenizer and an in-process provider emulator."""

import os

os.environ["CHATTUI_TOKENIZER"] = "approx"

from collections.abc import Iterator

import pytest

from chattui.emulator import Emulator


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    """A started emulator on a free port; `.base_url` is the root, `.openai_base_url` + /v1."""
    emu = Emulator().start()
    yield emu
    emu.stop()


@pytest.fixture
async def openai_client(emulator: Emulator):
    """An `openai.AsyncOpenAI` pointed at the emulator, without retries."""
    import openai

    async with openai.AsyncOpenAI(api_key="sk-test", base_url=emulator.openai_base_url,
                                  max_retries=0) as client:
        yield client


@pytest.fixture
async def anthropic_client(emulator: Emulator):
    """An `anthropic.AsyncAnthropic` pointed at the emulator, without retries."""
    import anthropic

    async with anthropic.AsyncAnthropic(api_key="sk-ant-test", base_url=emulator.base_url,
                                        max_retries=0) as client:
        yield client
