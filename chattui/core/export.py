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
  resource, a Content-Security-Policy that forbids both). All text is escaped; Markdown is
  not interpreted beyond code fences (<pre>) and paragraphs (<p>).

`write_atomic` is the one function here that touches the file system.
"""

from __future__ import annotations

import html
import json
import os
import re
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

from chattui.core import attachments as images
from chattui.core.models import COMPLETE, Conversation, Message, Turn
from chattui.core.pricing import format_usd
from chattui.core.secrets import redact

FORMAT = "chattui.conversation"
VERSION = 1
ROLES = ("user", "assistant", "tool", "divider")

DARK_THEME = {
    "background": "#1e1e1e", "foreground": "#e0e0e0", "primary": "#0178d4",
    "accent": "#ffa62b", "muted": "#8a8a8a", "error": "#e0555f",
}
LIGHT_THEME = {
    "background": "#ffffff", "foreground": "#1f1f1f", "primary": "#0160ad",
    "accent": "#b35c00", "muted": "#6b6b6b", "error": "#b3261e",
}
_COLOUR = re.compile(
    r"#(?:[0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})|(?:rgba?|hsla?)\([0-9.,%\s]+\)|[a-zA-Z]{3,20}"
)
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")

Secrets = Iterable[str | None]


# shared


def iso_utc(timestamp: float | None) -> str | None:
    """`2025-01-02T03:04:05Z` (ISO 8601, UTC, whole seconds); None stays None."""
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, timezone.utc).isoformat(timespec="seconds").replace(
        "+00:00", "Z")


def totals(turns: Sequence[Turn]) -> dict[str, Any]:
    """Tokens in (prompt, cache included) / cached / out, and the cost of the priced turns."""
    return {
        "turns": len(turns),
        "tokens_in": sum(t.usage.input_total or 0 for t in turns),
        "tokens_cached": sum(t.usage.cache_read or 0 for t in turns),
        "tokens_out": sum(t.usage.output or 0 for t in turns),
        "cost_usd": round(sum(t.cost_usd or 0.0 for t in turns), 10),
        "unpriced_turns": sum(t.cost_usd is None for t in turns),
    }


def usage_line(turn: Turn) -> str:
    """`prompt 2,006 · cached 1,920 · out 300 · $0.000706`, plus the status when the turn
    did not complete. `≈` marks counts chattui estimated itself; `?` an unknown figure."""
    usage = turn.usage
    approx = "≈" if usage.estimated else ""
    parts = []
    if usage.input_total is not None or usage.output is not None:
        parts.append(f"prompt {_n(usage.input_total, approx)}")
        if usage.cache_read is not None:
            parts.append(f"cached {_n(usage.cache_read)}")
        if usage.cache_write:
            parts.append(f"write {_n(usage.cache_write)}")
        out = f"out {_n(usage.output, approx)}"
        if usage.reasoning:
            out += f" (+reasoning {usage.reasoning:,})"
        parts.append(out)
        parts.append("cost ?" if turn.cost_usd is None else approx + format_usd(turn.cost_usd))
    if turn.status != COMPLETE:
        parts.append(turn.status + (f": {turn.error}" if turn.error else ""))
    return " · ".join(parts)


def _n(value: int | None, approx: str = "") -> str:
    return "?" if value is None else f"{approx}{value:,}"


def _turns_by_reply(turns: Sequence[Turn]) -> dict[int, Turn]:
    return {t.reply_message_id: t for t in turns if t.reply_message_id is not None}


def _pretty_arguments(arguments: str) -> tuple[str, str]:
    """(text, language): JSON arguments indented when they parse, else as they came."""
    try:
        return json.dumps(json.loads(arguments), indent=2, ensure_ascii=False), "json"
    except ValueError:
        return arguments, ""


def _redactor(secrets: Secrets) -> Callable[[str], str]:
    kept = tuple(s for s in secrets if s)
    return lambda text: redact(text, kept)


# Markdown


def to_markdown(conversation: Conversation, messages: Sequence[Message], turns: Sequence[Turn],
                secrets: Secrets = ()) -> str:
    """A readable transcript: YAML front matter, then each message under its speaker."""
    r = _redactor(secrets)
    total = totals(turns)
    front = {
        "title": conversation.title, "id": conversation.id, "model": conversation.model,
        "provider": conversation.provider, "persona": conversation.persona,
        "mode": conversation.mode, "created": iso_utc(conversation.created_at),
        "updated": iso_utc(conversation.updated_at), **total,
    }
    if not total["unpriced_turns"]:
        del front["unpriced_turns"]
    lines = ["---"]
    for key, value in front.items():  # JSON scalars are valid YAML (strings double-quoted)
        value = r(value) if isinstance(value, str) else value
        lines.append(f"{key}: {json.dumps(value, ensure_ascii=False)}")
    lines += ["---", "", f"# {r(_one_line(conversation.title or 'Untitled conversation'))}", ""]
    by_reply = _turns_by_reply(turns)
    for message in messages:
        lines += _markdown_message(message, by_reply.get(message.id), r)
    return r("\n".join(lines).rstrip("\n") + "\n")


def _markdown_message(message: Message, turn: Turn | None, r: Callable[[str], str]) -> list[str]:
    when = iso_utc(message.created_at)
    if message.role == "divider":
        return ["* * *", "", f"_{r(_one_line(message.content))}_ · {when}", ""]
    if message.role == "tool":
        label = f"### Tool result `{r(message.name or '?')}`"
        if message.tool_call_id:
            label += f" ({r(message.tool_call_id)})"
        return [label, "", *_fenced(r(message.content)), ""]
    if message.role == "user":
        lines = [f"## You · {when}", ""]
    else:
        model = turn.meta.model if turn else None
        lines = [f"## Assistant{f' ({r(model)})' if model else ''} · {when}", ""]
    if message.content.strip():
        lines += [r(message.content.strip("\n")), ""]
    if message.attachments:
        lines += [f"- 🖼 {_code_span(r(a.ref))} ({r(images.describe(a))})" for a in message.attachments] + [""]
    for call in message.tool_calls:
        text, language = _pretty_arguments(r(call.arguments))
        lines += [f"**Tool call** `{r(call.name)}` ({r(call.id)})", "", *_fenced(text, language), ""]
    if turn is not None and (line := usage_line(turn)):
        lines += [f"_{r(line)}_", ""]
    return lines


def _code_span(text: str) -> str:
    """`text` as a Markdown code span (literal: nothing in it is interpreted)."""
    ticks = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    return f"{ticks} {text} {ticks}" if text.startswith("`") or text.endswith("`") else f"{ticks}{text}{ticks}"


def _fenced(text: str, language: str = "") -> list[str]:
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence + language, text, fence]


def _one_line(text: str) -> str:
    return " ".join(text.split())


# JSON


def to_document(conversation: Conversation, messages: Sequence[Message], turns: Sequence[Turn],
                secrets: Secrets = ()) -> dict[str, Any]:
    """The lossless export as a dict (every string value redacted)."""
    from chattui import __version__

    document = {
        "format": FORMAT,
        "version": VERSION,
        "generator": f"chattui {__version__}",
        "conversation": {
            "id": conversation.id, "title": conversation.title, "provider": conversation.provider,
            "model": conversation.model, "persona": conversation.persona, "mode": conversation.mode,
            "base_url_host": conversation.base_url_host, "created_at": conversation.created_at,
            "updated_at": conversation.updated_at,
        },
        "messages": [_message_row(m) for m in messages],
        "attachments": [{"message_id": m.id, "position": i, **images.as_row(a)}
                        for m in messages for i, a in enumerate(m.attachments)],
        "turns": [_turn_row(t) for t in turns],
    }
    return _redact_strings(document, _redactor(secrets))


def to_json(conversation: Conversation, messages: Sequence[Message], turns: Sequence[Turn],
            secrets: Secrets = ()) -> str:
    """The lossless export as indented JSON text."""
    return json.dumps(to_document(conversation, messages, turns, secrets), indent=2,
                      ensure_ascii=False) + "\n"


def _message_row(message: Message) -> dict[str, Any]:
    return {
        "id": message.id, "conversation_id": message.conversation_id, "role": message.role,
        "content": message.content, "created_at": message.created_at,
        "tool_calls": [{"id": c.id, "name": c.name, "arguments": c.arguments}
                       for c in message.tool_calls],
        "tool_call_id": message.tool_call_id, "name": message.name,
    }


def _turn_row(turn: Turn) -> dict[str, Any]:
    usage, meta = turn.usage, turn.meta
    return {
        "id": turn.id, "conversation_id": turn.conversation_id,
        "user_message_id": turn.user_message_id, "reply_message_id": turn.reply_message_id,
        "provider": meta.provider, "model": meta.model, "base_url_host": meta.base_url_host,
        "persona": meta.persona, "prefix_fingerprint": meta.prefix_fingerprint, "api": meta.api,
        "status": turn.status,
        "input_total": usage.input_total, "cache_read": usage.cache_read,
        "cache_write_5m": usage.cache_write_5m, "cache_write_1h": usage.cache_write_1h,
        "output": usage.output, "reasoning": usage.reasoning,
        "usage_estimated": usage.estimated, "cost_usd": turn.cost_usd,
        "cost_reported": usage.cost_reported, "response_id": turn.response_id,
        "error": turn.error, "finish_reason": turn.finish_reason,
        "started_at": turn.started_at, "finished_at": turn.finished_at,
        "first_token_ms": turn.first_token_ms, "duration_ms": turn.duration_ms,
        "kind": turn.kind, "cache_diagnosis": turn.cache_diagnosis,
        "cache_missed_tokens": turn.cache_missed_tokens,
    }


def _redact_strings(value: Any, r: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return r(value)
    if isinstance(value, dict):
        return {key: _redact_strings(item, r) for key, item in value.items()}
    if isinstance(value, list):
        return [_redact_strings(item, r) for item in value]
    return value


# JSON import

_NUM = (int, float)
_OPT = type(None)
_CONVERSATION_SCHEMA: dict[str, tuple[type, ...]] = {
    "id": (str,), "title": (str, _OPT), "provider": (str,), "model": (str,),
    "persona": (str, _OPT), "mode": (str,), "base_url_host": (str, _OPT),
    "created_at": _NUM, "updated_at": _NUM,
}
_MESSAGE_SCHEMA: dict[str, tuple[type, ...]] = {
    "id": (int,), "conversation_id": (str,), "role": (str,), "content": (str,),
    "created_at": _NUM, "tool_calls": (list, _OPT), "tool_call_id": (str, _OPT),
    "name": (str, _OPT),
}
_TURN_SCHEMA: dict[str, tuple[type, ...]] = {
    "id": (int,), "conversation_id": (str,), "user_message_id": (int, _OPT),
    "reply_message_id": (int, _OPT), "provider": (str,), "model": (str,),
    "base_url_host": (str, _OPT), "persona": (str, _OPT), "prefix_fingerprint": (str, _OPT),
    "api": (str, _OPT), "status": (str,),
    **{c: (int, _OPT) for c in ("input_total", "cache_read", "cache_write_5m", "cache_write_1h",
                                 "output", "reasoning")},
    "usage_estimated": (bool,), "cost_usd": (*_NUM, _OPT), "cost_reported": (*_NUM, _OPT),
    "response_id": (str, _OPT), "error": (str, _OPT), "finish_reason": (str, _OPT),
    "started_at": _NUM, "finished_at": (*_NUM, _OPT), "first_token_ms": (*_NUM, _OPT),
    "duration_ms": (*_NUM, _OPT), "kind": (str,), "cache_diagnosis": (str, _OPT),
    "cache_missed_tokens": (int, _OPT),
}
_DEFAULTS = {"usage_estimated": False, "tool_calls": None, "kind": "chat"}


def import_json(data: str | bytes | Mapping[str, Any]) -> dict[str, Any]:
    """Parse and validate an export made by `to_json` (text or an already parsed dict).

    Returns a normalised document (known fields only; optional ones that were left out
    filled with None). Raises ValueError with a one-line reason on anything else: not
    JSON, another format, a newer version, a missing or mistyped field, a role chattui does
    not know, a turn pointing at a message the document lacks.
    """
    if isinstance(data, (str, bytes, bytearray)):
        try:
            data = json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ValueError(f"not JSON: {exc}") from None
    if not isinstance(data, Mapping):
        raise ValueError("not a chattui conversation export (expected a JSON object)")
    if data.get("format") != FORMAT:
        raise ValueError(f"not a chattui conversation export (format is {data.get('format')!r},"
                         f" expected {FORMAT!r})")
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ValueError(f"invalid export version: {version!r}")
    if version > VERSION:
        raise ValueError(f"this export is version {version}, made by a newer chattui;"
                         f" this one reads version {VERSION}")
    conversation = _row(data.get("conversation"), _CONVERSATION_SCHEMA, "conversation")
    messages = [_row(m, _MESSAGE_SCHEMA, f"messages[{i}]") for i, m in enumerate(_list(data, "messages"))]
    turns = [_row(t, _TURN_SCHEMA, f"turns[{i}]") for i, t in enumerate(_list(data, "turns"))]
    for raw, turn in zip(data["turns"], turns):
        if "kind" not in raw and turn["reply_message_id"] is None:  # exports before kinds
            turn["kind"] = "side"
    ids: set[int] = set()
    for i, message in enumerate(messages):
        where = f"messages[{i}]"
        if message["role"] not in ROLES:
            raise ValueError(f"{where}: unknown role {message['role']!r}")
        if message["id"] in ids:
            raise ValueError(f"{where}: duplicate message id {message['id']}")
        ids.add(message["id"])
        message["tool_calls"] = _tool_calls(message["tool_calls"], where)
    for kind, rows in (("messages", messages), ("turns", turns)):
        for i, row in enumerate(rows):
            if row["conversation_id"] != conversation["id"]:
                raise ValueError(f"{kind}[{i}]: belongs to another conversation")
    for i, turn in enumerate(turns):
        for key in ("user_message_id", "reply_message_id"):
            if turn[key] is not None and turn[key] not in ids:
                raise ValueError(f"turns[{i}]: {key} {turn[key]} is not among the messages")
    return {"format": FORMAT, "version": version, "conversation": conversation,
            "attachments": _attachments(data, ids),
            "messages": messages, "turns": turns}


_ATTACHMENT_SCHEMA: dict[str, tuple[type, ...]] = {
    "message_id": (int,), "position": (int,), "kind": (str,), "ref": (str,),
    "sha256": (str, _OPT), "media_type": (str, _OPT), "size": (int, _OPT), "detail": (str,),
}


def _attachments(data: Mapping[str, Any], ids: set[int]) -> list[dict[str, Any]]:
    """The optional `attachments` rows (exports before images have none), validated."""
    rows = [_row(a, _ATTACHMENT_SCHEMA, f"attachments[{i}]")
            for i, a in enumerate(_list(data, "attachments") if "attachments" in data else [])]
    for i, row in enumerate(rows):
        if row["message_id"] not in ids:
            raise ValueError(f"attachments[{i}]: message_id {row['message_id']} is not among the messages")
        try:
            images.from_row(row)
        except ValueError as exc:
            raise ValueError(f"attachments[{i}]: {exc}") from None
    return rows


def _list(data: Mapping[str, Any], key: str) -> list[Any]:
    value = data.get(key)
    if not isinstance(value, list):
        raise ValueError(f"{key}: expected a list, got {_type(value)}")
    return value


def _row(value: Any, schema: Mapping[str, tuple[type, ...]], where: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise ValueError(f"{where}: expected an object, got {_type(value)}")
    row = {}
    for key, types in schema.items():
        if key not in value:
            if _OPT in types or key in _DEFAULTS:
                row[key] = _DEFAULTS.get(key)
                continue
            raise ValueError(f"{where}: missing {key!r}")
        item = value[key]
        if (isinstance(item, bool) and bool not in types) or not isinstance(item, types):
            expected = " or ".join("null" if t is _OPT else _TYPE_NAMES.get(t, t.__name__)
                                   for t in dict.fromkeys(types))
            raise ValueError(f"{where}.{key}: expected {expected}, got {_type(item)}")
        row[key] = item
    return row


def _tool_calls(calls: list[Any] | None, where: str) -> list[dict[str, str]]:
    result = []
    for j, call in enumerate(calls or []):
        result.append(_row(call, {"id": (str,), "name": (str,), "arguments": (str,)},
                           f"{where}.tool_calls[{j}]"))
    return result


_TYPE_NAMES = {str: "string", int: "integer", float: "number", bool: "boolean", list: "list",
               dict: "object", type(None): "null"}


def _type(value: Any) -> str:
    return _TYPE_NAMES.get(type(value), type(value).__name__)


# HTML


def to_html(conversation: Conversation, messages: Sequence[Message], turns: Sequence[Turn],
            theme: Mapping[str, str] | None = None, secrets: Secrets = ()) -> str:
    """One self-contained HTML page. `theme` may set background, foreground, primary,
    accent, muted and error (CSS colours; anything that is not a plain colour is ignored)."""
    r = _redactor(secrets)

    def esc(text: str | None) -> str:
        return html.escape(r(text or ""), quote=True)

    colours = dict(DARK_THEME)
    for key, value in (theme or {}).items():
        if key in colours and isinstance(value, str) and _COLOUR.fullmatch(value.strip()):
            colours[key] = value.strip()
    total = totals(turns)
    cost = format_usd(total["cost_usd"]) + (
        f" + {total['unpriced_turns']} unpriced" if total["unpriced_turns"] else "")
    facts = [conversation.model, conversation.provider, conversation.persona or "no persona",
             f"{conversation.mode} mode", f"{total['turns']} turns",
             f"in {total['tokens_in']:,} · cached {total['tokens_cached']:,}"
             f" · out {total['tokens_out']:,}", cost,
             f"{iso_utc(conversation.created_at)} → {iso_utc(conversation.updated_at)}"]
    title = esc(_one_line(conversation.title or "Untitled conversation"))
    by_reply = _turns_by_reply(turns)
    body = "\n".join(_html_message(m, by_reply.get(m.id), esc) for m in messages)
    page = _PAGE.format(
        title=title, css=_CSS % colours, id=esc(conversation.id),
        facts=" · ".join(esc(f) for f in facts), body=body,
    )
    return r(page)


def _html_message(message: Message, turn: Turn | None, esc: Callable[[str | None], str]) -> str:
    when = esc(iso_utc(message.created_at))
    if message.role == "divider":
        return f'<div class="divider"><span>{esc(_one_line(message.content))}</span></div>'
    if message.role == "tool":
        who = f'Tool result <code>{esc(message.name or "?")}</code>'
        if message.tool_call_id:
            who += f' <span class="muted">{esc(message.tool_call_id)}</span>'
        return (f'<section class="message tool"><div class="who">{who} <time>{when}</time></div>'
                f'<pre><code>{esc(message.content)}</code></pre></section>')
    if message.role == "user":
        who = "You"
    else:
        who = "Assistant" + (f' <span class="muted">{esc(turn.meta.model)}</span>' if turn else "")
    parts = [f'<section class="message {esc(message.role)}">'
             f'<div class="who">{who} <time>{when}</time></div>', _html_text(message.content, esc)]
    parts += [f'<div class="attachment">🖼 <code>{esc(a.ref)}</code> <span class="muted">'
              f'{esc(images.describe(a))}</span></div>' for a in message.attachments]
    for call in message.tool_calls:
        text, _ = _pretty_arguments(call.arguments)
        parts.append(f'<div class="tool-call"><div class="who">Tool call <code>{esc(call.name)}</code>'
                     f' <span class="muted">{esc(call.id)}</span></div>'
                     f'<pre><code>{esc(text)}</code></pre></div>')
    if turn is not None and (line := usage_line(turn)):
        css = "usage" if turn.status == COMPLETE else "usage error"
        parts.append(f'<div class="{css}">{esc(line)}</div>')
    parts.append("</section>")
    return "".join(parts)


def _html_text(text: str, esc: Callable[[str | None], str]) -> str:
    """Paragraphs and fenced code blocks, every character escaped; no other Markdown."""
    out: list[str] = []
    paragraph: list[str] = []
    code: list[str] | None = None
    fence = ""

    def flush() -> None:
        if paragraph:
            out.append(f"<p>{esc(chr(10).join(paragraph))}</p>")
            paragraph.clear()

    for line in text.split("\n"):
        match = _FENCE.match(line)
        if code is not None:
            if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence) \
                    and not match.group(2).strip():
                out.append(f"<pre><code>{esc(chr(10).join(code))}</code></pre>")
                code = None
            else:
                code.append(line)
        elif match:
            flush()
            code, fence = [], match.group(1)
        elif line.strip():
            paragraph.append(line)
        else:
            flush()
    flush()
    if code is not None:  # an unclosed fence (a reply cut short) still shows its code
        out.append(f"<pre><code>{esc(chr(10).join(code))}</code></pre>")
    return "".join(out)


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="chattui">
<title>{title}</title>
<style>
{css}
</style>
</head>
<body>
<header><h1>{title}</h1><p class="muted">{facts}</p><p class="muted">conversation {id}</p></header>
<main>
{body}
</main>
</body>
</html>
"""

_CSS = """:root { color-scheme: light dark; }
body { background: %(background)s; color: %(foreground)s; margin: 0 auto; max-width: 52rem;
  padding: 1.5rem; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; }
h1 { color: %(primary)s; font-size: 1.4rem; margin-bottom: .25rem; }
.muted, time { color: %(muted)s; font-size: .85em; }
.message { margin: 1.25rem 0; padding: .5rem 1rem; border-left: 3px solid %(muted)s; }
.message.user { border-left-color: %(primary)s; }
.message.assistant { border-left-color: %(accent)s; }
.who { font-weight: 600; margin-bottom: .25rem; }
p { white-space: pre-wrap; overflow-wrap: anywhere; margin: .5rem 0; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; padding: .5rem .75rem; margin: .5rem 0;
  border: 1px solid %(muted)s; border-radius: 4px; font: 13px/1.4 ui-monospace, monospace; }
code { font-family: ui-monospace, monospace; color: %(accent)s; }
pre code { color: inherit; }
.tool-call { margin-top: .5rem; }
.usage { color: %(muted)s; font-size: .85em; font-style: italic; }
.error { color: %(error)s; }
.divider { display: flex; align-items: center; gap: .75rem; color: %(muted)s; margin: 1.5rem 0; }
.divider::before, .divider::after { content: ""; flex: 1; border-top: 1px solid %(muted)s; }"""


# files


def write_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write `text` (UTF-8) to `path` all at once: a temporary file in the same folder,
    fsync'd, then renamed over `path`. On any failure the temporary file is removed and an
    existing `path` is untouched. A new file is private (0600); a replaced one keeps its mode."""
    path = Path(path)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.chmod(temp, path.stat().st_mode & 0o7777)
        except FileNotFoundError:
            pass
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except FileNotFoundError:
            pass
        raise
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable (best effort: not every platform can open a folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


RENDERERS: dict[str, Callable[..., str]] = {"md": to_markdown, "json": to_json, "html": to_html}
"""Format name → renderer(conversation, messages, turns, [theme=…,] secrets=…)."""
