"""`chattui import FILE`: add a conversation exported with `chattui export --format json`."""

from __future__ import annotations

import sys
from pathlib import Path

from chattui.subcommands.archive import CommandError, fail, open_store

HELP = ("Import a conversation from a JSON export (- reads standard input). It gets a new id, "
        "which is printed; the original is never overwritten.")


def add_arguments(parser) -> None:
    parser.add_argument("file", metavar="FILE", help="a file made by `chattui export --format json`")
    parser.add_argument("--force", action="store_true",
                        help="import it again even if this store already holds an import of it")


def run(args, settings) -> int:
    from chattui.core.export import import_json
    from chattui.core.export.json_format import MAX_BYTES
    from chattui.store.archive import AlreadyImported

    try:
        if args.file == "-":
            data = sys.stdin.buffer.read(MAX_BYTES + 1)
        else:
            with Path(args.file).open("rb") as source:
                data = source.read(MAX_BYTES + 1)
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
        conversation = store.import_conversation(document, force=args.force)
    except AlreadyImported as exc:
        return fail("import", f"{args.file}: already imported as {exc.conversation_id}"
                              " (--force imports another copy)")
    except ValueError as exc:
        return fail("import", f"{args.file}: {exc}")
    finally:
        store.close()
    print(conversation.id)
    return 0
