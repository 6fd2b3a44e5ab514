"""`chattui import FILE`: add a conversation exported with `chattui export --format json`."""

from __future__ import annotations

import sys
from pathlib import Path

from chattui.subcommands.archive import CommandError, fail, open_store

HELP = ("Import a conversation from a JSON export (- reads standard input). It gets a new id, "
        "which is printed; the original is never overwritten.")


def add_arguments(parser) -> None:
    parser.add_argument("file", metavar="FILE", help="a file made by `chattui export --format json`")


def run(args, settings) -> int:
    from chattui.core.export import import_json

    try:
        data = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
    except OSError as exc:
        return fail("import", f"cannot read {args.file}: {exc.strerror or exc}")
    try:
        document = import_json(data)
    except ValueError as exc:
        return fail("import", f"{args.file}: {exc}")
    try:
        store = open_store(settings, create=True)
    except CommandError as exc:
        return fail("import", str(exc))
    try:
        conversation = store.import_conversation(document)
    except ValueError as exc:
        return fail("import", f"{args.file}: {exc}")
    finally:
        store.close()
    print(conversation.id)
    return 0
