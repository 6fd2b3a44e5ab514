"""`chattui trust`: allow (or, with --revoke, stop allowing) the working directory's `.env`
and `.chattui/`, as they are now (chattui.trust)."""

from __future__ import annotations

import sys
from pathlib import Path

HELP = ("Allow this directory's .env and .chattui/ (as they are now; a change needs a new "
        "allowance), or --revoke it. Shows what they change first.")


def add_arguments(parser) -> None:
    parser.add_argument("--revoke", action="store_true", help="stop trusting this directory")
    parser.add_argument("directory", nargs="?", default=".", help="default: the current one")


def run(args, settings) -> int:
    from chattui import trust
    from chattui.config import load_settings

    directory = Path(args.directory).resolve()
    store = settings.trust_store
    if not directory.is_dir():  # it said "Nothing to trust" for a typo, exit 0
        print(f"chattui trust: no such directory: {args.directory}", file=sys.stderr)
        return 1
    if args.revoke:
        found = trust.revoke(directory, store)
        print(f"No longer trusted: {directory}" if found else f"{directory} was not trusted.")
        return 0
    local = trust.local_files(directory, store.parent)
    if local is None:
        print(f"Nothing to trust: {directory} has no .env or .chattui/.")
        return 0
    here = load_settings({}, cwd=directory)  # what it would change, before allowing it
    from chattui.core.personas import local_overrides

    changes = list(here.local_changes) + local_overrides(here.config_dir, directory)
    try:
        trust.allow(local, store)
    except ValueError as exc:
        print(f"chattui trust: cannot trust {directory}: {exc}.", file=sys.stderr)
        return 1
    print(f"Trusted {local.names()} in {directory}"
          + (f"; they set: {', '.join(changes)}." if changes else "."))
    print(f"(allowance kept in {store}; any change to these files needs `chattui trust` again)")
    return 0
