"""The links chattui follows, one rule for a click in the chat and an <a> in an export."""

from __future__ import annotations

import pytest

from chattui.core.links import is_web_link


@pytest.mark.parametrize("url, followed", [
    ("https://example.org/a?b=1", True), (" HTTP://example.org", True), ("mailto:a@example.org", True),
    ("file:///etc/passwd", False), ("javascript:alert(1)", False), ("vscode://settings/x", False),
    ("ssh://host", False), ("notes.md", False), ("http://[x/y", False),
])
def test_only_web_and_mail_addresses_are_followed(url, followed):
    assert is_web_link(url) is followed
