"""Conversation export (Markdown, JSON, HTML), JSON import parsing, and atomic file writes.

The renderers are pure: they take a conversation, its messages and its turns (as the store
hands them out) and return text. Every piece of text goes through `redact()` (and the whole
output once more), so an API key, or anything shaped like one, never comes out.

* Markdown: a readable transcript with a YAML front-matter block (totals included), a
  usage line under each reply, tool calls with their JSON arguments, tool results and
  dividers.
* JSON: lossless, versioned: `{"format": "chattui.conversation", "version": 1,
  "conversation": {...}, "messages": [...], "attachments": [...], "turns": [...]}` with
  every column of every row, named as in the database (a message's `tool_calls` as a list,
  a turn's `usage_estimated` as a boolean; `attachments` may be absent in older files).
  `import_json` reads it back, validated. Images are referenced by path or URL and
  sha256, never embedded.
* HTML: one self-contained file (inline CSS in the theme's colours, no script, no external
  resource, a Content-Security-Policy that forbids both). Replies' Markdown is rendered by
  markdown-it with raw HTML escaped, links only http/https/mailto, and an image as a link
  to it (core/export/rendered.py); every other text is escaped.

`write_atomic` is the one function here that touches the file system.
"""

from __future__ import annotations

from typing import Callable

from chattui.core.export.common import FORMAT, ROLES, VERSION, iso_utc, totals, usage_line
from chattui.core.export.files import write_atomic
from chattui.core.export.html import DARK_THEME, LIGHT_THEME, to_html
from chattui.core.export.json_format import import_json, to_document, to_json
from chattui.core.export.markdown import to_markdown

RENDERERS: dict[str, Callable[..., str]] = {"md": to_markdown, "json": to_json, "html": to_html}

__all__ = ["DARK_THEME", "FORMAT", "LIGHT_THEME", "RENDERERS", "ROLES", "VERSION", "import_json",
           "iso_utc", "to_document", "to_html", "to_json", "to_markdown", "totals", "usage_line",
           "write_atomic"]
