"""`chattui export ID|last`: a conversation as Markdown, JSON or a self-contained HTML page."""

from __future__ import annotations

import sys
from pathlib import Path

from chattui.core.visible import visible
from chattui.subcommands.archive import CommandError, fail, find_conversation, open_store

HELP = ("Export a conversation (an id, an id prefix, or `last`) as Markdown, lossless JSON "
        "(re-importable with `chattui import`) or one HTML file. API keys are masked.")
_SUFFIXES = {".md": "md", ".markdown": "md", ".json": "json", ".html": "html", ".htm": "html"}


def add_arguments(parser) -> None:
    parser.add_argument("conversation", metavar="ID|last", help="conversation id, id prefix, or last")
    parser.add_argument("--format", choices=("md", "json", "html"),
                        help="default: from the -o file's extension, else md")
    parser.add_argument("-o", "--output", metavar="FILE",
                        help="write here (atomically) instead of to standard output")


def run(args, settings) -> int:
    from chattui.core.export import LIGHT_THEME, RENDERERS, write_atomic
    from chattui.core.structured import formats_by_reply

    fmt = args.format or (_SUFFIXES.get(Path(args.output).suffix.lower(), "md") if args.output else "md")
    try:
        store = open_store(settings)
        try:
            conversation = find_conversation(store, args.conversation)
            messages = store.messages(conversation.id)
            turns = store.turns(conversation.id)
            structured = formats_by_reply(store, turns)  # replies that follow a schema
        finally:
            store.close()
    except CommandError as exc:
        return fail("export", str(exc))
    options = {"secrets": settings.known_secrets(), "structured": tuple(structured)}
    if fmt == "html" and "light" in settings.theme:
        options["theme"] = LIGHT_THEME
    text = RENDERERS[fmt](conversation, messages, turns, **options)
    if not args.output:  # to a file or a pipe exactly; to a terminal, its control characters shown
        sys.stdout.write(visible(text) if sys.stdout.isatty() else text)
        return 0
    try:
        write_atomic(args.output, text)
    except OSError as exc:
        return fail("export", f"cannot write {args.output}: {exc.strerror or exc}")
    print(f"Exported {conversation.id} ({len(messages)} messages) to {args.output}", file=sys.stderr)
    return 0
