"""`chattui gemini-cache create|ls|extend|rm`: Gemini explicit caches from the shell.

Settings are read as for `chattui --provider gemini`: the API key is GEMINI_API_KEY (or
`[api_keys] gemini`), the base URL `--base-url`, else CHATTUI_BASE_URL or config.toml's
`base_url` (the chat URL `…/v1beta/openai/` or the API root both work). Needs the
optional google-genai SDK (`chattui[gemini]`) and says so when it is missing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from chattui.subcommands.archive import CommandError, database, fail, find_conversation, open_store, show

HELP = ("Gemini explicit caches: create one from a persona (and text files), list them with "
        "expiry and storage cost, extend, delete.")
COMMAND = "gemini-cache"
_HEADERS = ("NAME", "MODEL", "TOKENS", "STORAGE/H", "UNTIL EXPIRY", "EXPIRES", "DISPLAY NAME")


def ttl(text: str) -> int:
    """argparse type: 30m, 1h, 3600s …"""
    from chattui.core.explicit_cache import parse_ttl

    try:
        return parse_ttl(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_arguments(parser) -> None:
    common = argparse.ArgumentParser(add_help=False)
    for flag, text in (("--base-url", "Gemini base URL (default: CHATTUI_BASE_URL, config)"),
                       ("--data-dir", "where the conversation database lives"),
                       ("--config", "config file")):
        common.add_argument(flag, default=argparse.SUPPRESS, help=text)
    parser.add_argument("--base-url", help="Gemini base URL (default: CHATTUI_BASE_URL, config)")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = actions.add_parser("create", parents=[common], help="cache a persona (+ files)")
    create.add_argument("--persona", required=True, help="persona whose system prompt and tools to cache")
    create.add_argument("--model", help="Gemini model (default: the persona's, else gemini-2.5-flash)")
    create.add_argument("--ttl", type=ttl, default=3600, help="how long it lives: 30m, 1h, 3600s (default 1h)")
    create.add_argument("--file", type=Path, action="append", default=[], metavar="PATH",
                        help="a text file to cache as content (repeatable)")
    create.add_argument("--display-name", help="a name to recognise it by")
    create.add_argument("--conversation", metavar="ID|last", help="bind a Gemini conversation to it")
    listing = actions.add_parser("ls", parents=[common], help="list caches, expiry, storage cost")
    listing.add_argument("--json", action="store_true", help="print a JSON list instead of a table")
    extend = actions.add_parser("extend", parents=[common], help="set a new TTL, counted from now")
    extend.add_argument("name", help="cachedContents/… (or the part after the slash)")
    extend.add_argument("--ttl", type=ttl, default=3600, help="new TTL from now (default 1h)")
    remove = actions.add_parser("rm", parents=[common], help="delete a cache (and unbind it)")
    remove.add_argument("name", help="cachedContents/… (or the part after the slash)")


def run(args, settings) -> int:
    from chattui.config import load_settings
    from chattui.core.secrets import redact
    from chattui.core.provider import ProviderError

    try:
        settings = load_settings({"data_dir": args.data_dir, "config": args.config,
                                  "provider": "gemini", "base_url": args.base_url})
    except ValueError as exc:
        return fail(COMMAND, str(exc))
    try:
        return asyncio.run(_ACTIONS[args.action](args, settings))
    except (CommandError, ProviderError, ValueError) as exc:
        return fail(f"{COMMAND} {args.action}", redact(str(exc), settings.known_secrets()))


def _service(settings, store=None):
    from chattui.providers.registry import gemini_caches_for

    return gemini_caches_for(settings, store)


def _existing_store(settings):
    """The store when there is one (bindings are shown and kept up to date), else None."""
    return open_store(settings) if database(settings).is_file() else None


def _full_name(name: str) -> str:
    return name if name.startswith("cachedContents/") else f"cachedContents/{name}"


async def _create(args, settings) -> int:
    from chattui.core.personas import load_personas

    persona = load_personas(Path(settings.config_dir), Path.cwd()).get(args.persona)
    if persona is None:
        raise CommandError(f"no persona named {args.persona!r}")
    store = open_store(settings) if args.conversation else None
    conversation = find_conversation(store, args.conversation) if store else None
    if conversation is not None and conversation.provider != "gemini":
        raise CommandError(f"conversation {conversation.id} is on {conversation.provider}: a "
                           "Gemini cache serves Gemini conversations only")
    model = args.model or (conversation.model if conversation else None) or _model(persona, settings)
    service = _service(settings, store)
    try:
        info = await service.create(persona, model, args.ttl, args.file, args.display_name)
        print(f"Created {info.name} ({info.display_name or '-'}) on {info.model}: "
              f"{service.describe(info)}")
        if conversation is not None:
            service.bind(conversation.id, info, persona)
            print(f"Conversation {conversation.id} now sends it instead of persona {persona.name}.")
            if conversation.persona != persona.name:
                print(f"Note: the conversation uses persona {conversation.persona}; the cache is "
                      f"used only while persona {persona.name} is active.", file=sys.stderr)
    finally:
        await service.aclose()
        if store is not None:
            store.close()
    return 0


def _model(persona, settings) -> str:
    """The persona's model when it names a Gemini one, else the configured Gemini model."""
    from chattui.config import DEFAULT_MODELS

    if persona.model and persona.provider in (None, "gemini") and "gemini" in persona.model:
        return persona.model
    return settings.model if "gemini" in settings.model else DEFAULT_MODELS["gemini"]


async def _list(args, settings) -> int:
    store = _existing_store(settings)
    service = _service(settings, store)
    try:
        caches = await service.list()
        rows = [(_row if args.json else _cells)(service, info) for info in caches]
    finally:
        await service.aclose()
        if store is not None:
            store.close()
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
    elif not rows:
        print("No Gemini caches.")
    else:
        from chattui.subcommands.ls import table

        show(table(_HEADERS, rows))
    return 0


def _row(service, info) -> dict:
    """One cache for --json: the API's facts plus chattui's estimate and bindings."""
    from chattui.core.explicit_cache import storage_cost
    from chattui.core.export import iso_utc

    now, rate = service.now(), service.rate(info)
    left = (info.expires - now) if info.expires is not None else None
    known = rate is not None and info.tokens is not None
    return {
        "name": info.name, "display_name": info.display_name, "model": info.model,
        "tokens": info.tokens, "created": iso_utc(info.created) if info.created else None,
        "expires": iso_utc(info.expires) if info.expires else None,
        "expires_in_s": round(left) if left is not None else None,
        "storage_usd_per_hour": round(storage_cost(info.tokens, rate, 3600), 8) if known else None,
        "storage_usd_until_expiry": round(storage_cost(info.tokens, rate, left or 0), 8)
        if known else None,
        "conversations": service.bound_to(info.name),
    }


def _cells(service, info) -> tuple[str, ...]:
    from chattui.core.explicit_cache import expiry_text, short_usd, storage_cost

    now, rate = service.now(), service.rate(info)
    known = rate is not None and info.tokens is not None
    hourly = f"≈ {short_usd(storage_cost(info.tokens, rate, 3600))}" if known else "?"
    left = max(0.0, (info.expires or now) - now)
    until = f"≈ {short_usd(storage_cost(info.tokens, rate, left))}" if known else "?"
    bound = service.bound_to(info.name)
    display = (info.display_name or "-") + (f"  [bound: {', '.join(bound)}]" if bound else "")
    tokens = f"{info.tokens:,}" if info.tokens is not None else "?"
    return (info.name, info.model, tokens, hourly, until,
            expiry_text(info.expires, now).removeprefix("expires "), display)


async def _extend(args, settings) -> int:
    store = _existing_store(settings)
    service = _service(settings, store)
    try:
        info = await service.extend(_full_name(args.name), args.ttl)
    finally:
        await service.aclose()
        if store is not None:
            store.close()
    print(f"Extended {info.name}: {service.describe(info)}")
    return 0


async def _remove(args, settings) -> int:
    store = _existing_store(settings)
    service = _service(settings, store)
    name = _full_name(args.name)
    try:
        dropped = await service.delete(name)
    finally:
        await service.aclose()
        if store is not None:
            store.close()
    unbound = f"; {dropped} conversation(s) unbound" if dropped else ""
    print(f"Deleted {name}{unbound}.")
    return 0


_ACTIONS = {"create": _create, "ls": _list, "extend": _extend, "rm": _remove}
