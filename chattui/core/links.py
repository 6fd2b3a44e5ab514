"""The links chattui follows, the same in the chat and in an export: web and mail addresses
only. A model writes a reply's links, and a link's text may name another target: a `file:`
path, a `javascript:` URL or a scheme some program handles (`ssh:`, an editor's) is text."""

from __future__ import annotations

from urllib.parse import urlsplit

WEB_SCHEMES = ("http", "https", "mailto")


def is_web_link(url: str) -> bool:
    """`url` is an http, https or mailto address (one that does not parse is not)."""
    try:
        return urlsplit(url.strip()).scheme.lower() in WEB_SCHEMES
    except ValueError:  # e.g. "http://[x"
        return False
