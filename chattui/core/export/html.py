"""HTML: one self-contained page in the theme's colours; all text escaped."""

from __future__ import annotations

import html
import re
from typing import Callable, Collection, Mapping, Sequence

from chattui.core import attachments as images
from chattui.core.export.common import (
    _FENCE, Secrets, _one_line, _pretty_arguments, _redactor, _turns_by_reply, iso_utc, totals,
    usage_line,
)
from chattui.core.reasoning import folded_line
from chattui.core.structured import json_block
from chattui.core.export.rendered import highlight_css, markdown_html
from chattui.core.models import COMPLETE, Conversation, Message, Turn
from chattui.core.pricing import format_usd

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


def to_html(conversation: Conversation, messages: Sequence[Message], turns: Sequence[Turn],
            theme: Mapping[str, str] | None = None, secrets: Secrets = (),
            structured: Collection[int] = ()) -> str:
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
    body = "\n".join(_html_message(m, by_reply.get(m.id), esc, r, m.id in structured) for m in messages
                     if not m.inactive)
    css = _CSS % colours + "\n" + highlight_css(_is_dark(colours["background"]))
    page = _PAGE.format(
        title=title, css=css, id=esc(conversation.id),
        facts=" · ".join(esc(f) for f in facts), body=body,
    )
    return r(page)


def _is_dark(colour: str) -> bool:
    """Whether a page of this background wants light code colours (non-hex: assume dark)."""
    digits = colour.lstrip("#")
    if len(digits) not in (6, 8) or not colour.startswith("#"):
        return True
    red, green, blue = (int(digits[i:i + 2], 16) for i in (0, 2, 4))
    return 0.299 * red + 0.587 * green + 0.114 * blue < 128


def _html_message(message: Message, turn: Turn | None, esc: Callable[[str | None], str],
                  r: Callable[[str], str] = lambda text: text, is_structured: bool = False) -> str:
    when = esc(iso_utc(message.created_at))
    if message.role == "divider":
        return f'<div class="divider"><span>{esc(_one_line(message.content))}</span></div>'
    if message.role == "tool":
        who = f'Tool result <code>{esc(message.name or "?")}</code>'
        if message.tool_call_id:
            who += f' <span class="muted">{esc(message.tool_call_id)}</span>'
        returned = "".join(f'<div class="attachment">🖼 <code>{esc(a.ref)}</code> <span class="muted">'
                           f'{esc(images.describe(a))}</span></div>' for a in message.attachments)
        return (f'<section class="message tool"><details><summary class="who">{who} <time>{when}</time>'
                f'</summary><pre><code>{esc(message.content)}</code></pre>{returned}</details></section>')
    if message.role == "user":
        who = "You"
    else:
        who = "Assistant" + (f' <span class="muted">{esc(turn.meta.model)}</span>' if turn else "")
    content = f"```json\n{json_block(message.content)}\n```" if is_structured else message.content
    text = (_html_text(message.content, esc) if message.role == "user"  # as typed
            else f'<div class="markdown">{markdown_html(r(content))}</div>')
    parts = [f'<section class="message {esc(message.role)}">'
             f'<div class="who">{who} <time>{when}</time></div>']
    if message.reasoning:
        parts.append(f'<details class="thinking"><summary>{esc(folded_line(message.reasoning))}'
                     f'</summary><pre>{esc(message.reasoning.text)}</pre></details>')
    parts.append(text)
    parts += [f'<div class="attachment">🖼 <code>{esc(a.ref)}</code> <span class="muted">'
              f'{esc(images.describe(a))}</span></div>' for a in message.attachments]
    for call in message.tool_calls:
        text, _ = _pretty_arguments(call.arguments)
        parts.append(f'<details class="tool-call"><summary class="who">Tool call <code>{esc(call.name)}</code>'
                     f' <span class="muted">{esc(call.id)}</span></summary>'
                     f'<pre><code>{esc(text)}</code></pre></details>')
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
.divider::before, .divider::after { content: ""; flex: 1; border-top: 1px solid %(muted)s; }
.markdown p { white-space: normal; }
.markdown h1, .markdown h2, .markdown h3 { font-size: 1.1rem; margin: .75rem 0 .25rem; }
.markdown h4, .markdown h5, .markdown h6 { font-size: 1rem; margin: .5rem 0 .25rem; }
.markdown a { color: %(primary)s; }
.markdown table { border-collapse: collapse; margin: .5rem 0; }
.markdown th, .markdown td { border: 1px solid %(muted)s; padding: .2rem .6rem; }
.markdown blockquote { border-left: 3px solid %(muted)s; margin: .5rem 0; padding-left: .75rem; }
summary { cursor: pointer; }"""
