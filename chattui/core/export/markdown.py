"""Markdown: a readable transcript with front matter, usage lines and tool calls."""

from __future__ import annotations

import html
import json
import re
from typing import Callable, Collection, Sequence

from chattui.core import attachments as images
from chattui.core.export.common import (
    Secrets, _one_line, _pretty_arguments, _redactor, _turns_by_reply, iso_utc, totals, usage_line,
)
from chattui.core.export.rendered import nest_headings
from chattui.core.models import Conversation, Message, Turn
from chattui.core.reasoning import folded_line
from chattui.core.structured import json_block

def to_markdown(conversation: Conversation, messages: Sequence[Message], turns: Sequence[Turn],
                secrets: Secrets = (), structured: Collection[int] = ()) -> str:
    """A readable transcript: YAML front matter, then each message under its speaker
    (`structured`: ids of replies that follow a schema, shown as a ```json block)."""
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
        if message.inactive:  # a replaced reply: the transcript follows the one kept
            continue
        lines += _markdown_message(message, by_reply.get(message.id), r, message.id in structured)
    return r("\n".join(lines).rstrip("\n") + "\n")


def _markdown_message(message: Message, turn: Turn | None, r: Callable[[str], str],
                      is_structured: bool = False) -> list[str]:
    when = iso_utc(message.created_at)
    if message.role == "divider":
        return ["* * *", "", f"_{r(_one_line(message.content))}_ · {when}", ""]
    if message.role == "tool":
        label = f"### Tool result `{r(message.name or '?')}`"
        if message.tool_call_id:
            label += f" ({r(message.tool_call_id)})"
        images_returned = [f"- 🖼 {_code_span(r(a.ref))} ({r(images.describe(a))})"
                           for a in message.attachments]
        return [label, "", *_fenced(r(message.content)), "",
                *(images_returned + [""] if images_returned else [])]
    if message.role == "user":
        lines = [f"## You · {when}", ""]
    else:
        model = turn.meta.model if turn else None
        lines = [f"## Assistant{f' ({r(model)})' if model else ''} · {when}", ""]
    if message.reasoning:  # folded: a reader opens it when they want it
        lines += ["<details>", f"<summary>{html.escape(r(folded_line(message.reasoning)))}</summary>", "",
                  *_fenced(r(message.reasoning.text), "text"), "", "</details>", ""]
    if is_structured and message.content.strip():  # data: a JSON block, never Markdown
        lines += [*_fenced(r(json_block(message.content)), "json"), ""]
    elif message.content.strip():  # a reply's `#` goes below this `## Assistant`
        text = message.content if message.role == "user" else nest_headings(message.content)
        lines += [r(text.strip("\n")), ""]
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
