"""The wait a retried response asks for, read as the SDKs read it (chattui.providers.retries)."""

from __future__ import annotations

import time
from email.utils import formatdate

import pytest

from chattui.core.events import Retrying
from chattui.providers.retries import _retry_after


@pytest.mark.parametrize("headers, seconds", [
    ({"retry-after": "20"}, 20.0), ({"retry-after": "1.5"}, 1.5), ({"retry-after-ms": "250"}, 0.2),
    ({"retry-after": "600"}, None),  # past the SDK's 60 s it uses its own backoff
    ({"retry-after": "soon"}, None), ({}, None), ({"retry-after": "-3"}, None),
])
def test_retry_after_in_seconds_or_milliseconds(headers, seconds):
    assert _retry_after(headers) == seconds


def test_retry_after_as_an_http_date():
    assert 25 <= (_retry_after({"retry-after": formatdate(time.time() + 30, usegmt=True)}) or 0) <= 30


def test_the_status_line_says_what_and_when():
    assert Retrying(429, 20).line() == "⚠ rate limited (429): retrying in 20 s (Esc stops)"
    assert Retrying(503).line() == "⚠ server error (503): retrying shortly (Esc stops)"
