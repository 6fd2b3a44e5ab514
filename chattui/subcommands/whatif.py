"""`chattui whatif CONVERSATION --on provider:model,…`: a stored conversation priced as if
it had run on other models, with each provider's prompt-caching rules applied turn by turn."""

from __future__ import annotations

import json
import sys
from pathlib import Path

HELP = ("Price a stored conversation as if it had run on other models, applying each "
        "provider's prompt-caching rules turn by turn.")
DEFAULT_TARGETS = "anthropic:claude-sonnet-5,openai:gpt-4.1-mini,gemini:gemini-2.5-flash"


def add_arguments(parser) -> None:
    parser.add_argument("conversation", metavar="CONVERSATION",
                        help="conversation id, id prefix, or 'last'")
    parser.add_argument("--on", default=DEFAULT_TARGETS, metavar="PROVIDER:MODEL,…",
                        help=f"targets, comma-separated (default: {DEFAULT_TARGETS})")
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")


def run(args, settings) -> int:
    from chattui.core.whatif import Target, table, what_if
    from chattui.subcommands.archive import show
    from chattui.subcommands.stats import open_store

    try:
        targets = [Target.parse(t) for t in args.on.split(",") if t.strip()]
    except ValueError as exc:
        return _fail(str(exc))
    if not targets:
        return _fail("--on names no target")
    store = open_store(settings)
    if store is None:
        return _fail(f"no conversations yet (no database in {settings.data_dir})")
    try:
        conversation = (store.latest_conversation() if args.conversation == "last"
                        else store.get_conversation(args.conversation))
        if conversation is None:
            return _fail(f"no conversation {args.conversation!r}")
        turns, messages = store.turns(conversation.id), store.messages(conversation.id)
    finally:
        store.close()
    results = what_if(turns, messages, targets, prefix_tokens=_prefixes(settings),
                      overrides=settings.prices)
    actual = results[0].actual if results else 0.0
    if args.json:
        print(json.dumps({
            "conversation": conversation.id, "title": conversation.title,
            "provider": conversation.provider, "model": conversation.model,
            "turns": len(turns), "actual_usd": actual,
            "targets": [r.as_dict() for r in results],
        }, indent=2, ensure_ascii=False))
        return 0
    from chattui.core.pricing import format_usd

    models = sorted({f"{t.meta.provider}:{t.meta.model}" for t in turns}) or [
        f"{conversation.provider}:{conversation.model}"]
    pings = sum(t.kind == "ping" for t in turns)
    out = [f"{conversation.id} · {conversation.title or '(untitled)'}",
           f"ran {len(turns) - pings} turn(s) on {', '.join(models)} · actual {format_usd(actual)}"
           + (f" · {pings} keep-warm ping(s) left out" if pings else ""), ""]
    for result in results:
        head = f"on {result.target}"
        if result.cost is None:
            head += f": cost ? ({result.reason})" if result.reason else ": cost ?"
        else:
            cost = ("≈" if result.approx else "") + format_usd(result.cost)
            head += f": {cost} · vs actual {result.vs_actual}"
        if result.hit_ratio is not None:
            head += f" · hit {result.hit_ratio:.0%}"
        out.append(head)
        if result.approx:
            out.append("  ≈ prompts re-counted with chattui's tokenizer "
                       "(another tokenizer family)")
        if result.skipped:
            out.append(f"  {result.skipped} turn(s) left out: their prompt size is unknown")
        if result.unknown_output:
            out.append(f"  {result.unknown_output} turn(s) with unknown output counted as 0")
        out.extend("  " + line for line in table(result))
        out.append("")
    show("\n".join(out))
    return 0


def _prefixes(settings) -> dict[str, int]:
    """Prefix tokens by fingerprint for the personas that can still be loaded."""
    from chattui.core.personas import load_personas

    try:
        library = load_personas(Path(settings.config_dir), Path.cwd())
    except Exception:  # noqa: BLE001 - a persona problem must not stop a report
        return {}
    return {p.fingerprint(): p.prefix_tokens().n for p in library.personas}


def _fail(message: str) -> int:
    print(f"chattui whatif: {message}", file=sys.stderr)
    return 1
