"""Reopening a conversation as it was: everything that shapes its requests comes back from
its last turn (provider, model, base URL, persona as the exact stored prefix bytes, params,
tools, cache TTL, mode, image detail), never from the start-up settings.

A flag given on the command line wins, and is reported as a change with its cache
consequence. A persona file that differs from the stored bytes, or a persona or provider
that no longer exists, leaves the conversation waiting for the user's choice (`Choice`):
nothing is sent until they pick the stored bytes or something else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Mapping

from chattui.core import mcp, prefix, structured, tokens
from chattui.core.models import Conversation, Turn
from chattui.core.personas import Persona, PersonaLibrary
from chattui.core.pricing import Rates, price
from chattui.core.provider import PROVIDERS
from chattui.core.storage import Store
from chattui.core.tools import parse_tool
from chattui.core.usage import Usage

STORED = "stored"
"""`Persona.source` of a persona rebuilt from a conversation's stored prefix bytes."""


@dataclass(frozen=True)
class Setup:
    """What shapes a conversation's next request."""

    provider: str
    model: str
    base_url: str | None
    persona: Persona | None
    mode: str
    image_detail: str


@dataclass(frozen=True)
class Choice:
    """The user must choose before the next send: `reason` says why and what each option costs."""

    reason: str
    kind: str = "persona"
    """persona (a persona pick resolves it), model (a model switch does) or provider (a
    switch to a known provider, or --provider, does)."""
    stored: Persona | None = None
    """The persona rebuilt from the stored bytes (None: nothing stored to keep)."""
    on_disk: Persona | None = None
    """The persona file as it is now (None: it no longer exists)."""
    parts: tuple[Choice, ...] = ()
    """When several choices wait at once (`combine`): each of them, resolved one by one."""

    def each(self) -> tuple[Choice, ...]:
        return self.parts or (self,)

    @property
    def kinds(self) -> set[str]:
        return {part.kind for part in self.each()}


def combine(*choices: Choice | None) -> Choice | None:
    """One choice standing for all of `choices` (None when there is none): its reason says
    every one, and it keeps the persona choice's stored and on-disk personas."""
    parts = [part for choice in choices if choice is not None for part in choice.each()]
    if len(parts) < 2:
        return parts[0] if parts else None
    persona = next((p for p in parts if p.kind == "persona"), None)
    return Choice(" ".join(p.reason for p in parts), parts[0].kind,
                  persona.stored if persona else None, persona.on_disk if persona else None,
                  tuple(parts))


def without(choice: Choice | None, *kinds: str) -> Choice | None:
    """What is still to choose once the choices of `kinds` are made."""
    if choice is None:
        return None
    return combine(*(part for part in choice.each() if part.kind not in kinds))


LIST_AGNOSTIC_PROVIDERS = ("openai-compatible",)
"""Local servers (llama-server, Ollama …) answer any `model` with what they loaded, so
their models list says nothing about whether a conversation's model still works."""


def model_gone(provider: str, model: str, listed: list[str], configured: list[str]) -> Choice | None:
    """The choice a reopened conversation waits for when its model no longer exists: the
    provider's models endpoint answered (`listed`) without it, and it is not among the
    `configured` models (config, personas). A `listed` id that is a dated snapshot of
    `model` (`claude-x-4-5` → `claude-x-4-5-20250929`, `…-latest`) counts as listing it;
    Gemini's `models/` prefix is ignored. None when the model is there."""
    if provider in LIST_AGNOSTIC_PROVIDERS or model in configured:
        return None
    names = {name.removeprefix("models/") for name in listed}
    stem = model.removesuffix("-latest")
    snapshots = (name[len(stem) + 1:] for name in names if name.startswith(stem + "-"))
    if model in names or any(re.fullmatch(r"\d[\d-]*", date) for date in snapshots):
        return None
    return Choice(f"Model '{model}' no longer exists on {provider}: choose a model (F11, "
                  "palette: Switch model…) before sending. Its models list does not name it; "
                  "the history still reads.", kind="model")


@dataclass
class Reopened:
    setup: Setup
    notes: list[str] = field(default_factory=list)
    """What the reopen changed relative to the stored setup (flags), with its cache cost."""
    choice: Choice | None = None


def stored_persona(store: Store, turn: Turn | None, on_disk: Persona | None) -> Persona | None:
    """The persona a turn sent, from its stored prefix bytes (None when none were stored);
    its MCP servers' tools are not its own (their stored list is core.mcp.stored_tool_list)."""
    data = prefix.sent_body(store, turn)
    if turn is None or data is None:
        return None
    return Persona(
        name=turn.meta.persona or "(stored prefix)", system=data["system"],
        description=on_disk.description if on_disk else "the bytes this conversation sent",
        hotkey=on_disk.hotkey if on_disk else None,
        tools=tuple(parse_tool(d) for d in mcp.own_tools(data)), params=data["params"],
        cache_ttl=data["cache_ttl"], prompt_cache_key=data.get("prompt_cache_key"),
        response_format=structured.stored_format(data),
        tool_commands=on_disk.tool_commands if on_disk else {},
        mcp_servers=on_disk.mcp_servers if on_disk else {}, source=STORED)


def same_shape(a: Persona | None, b: Persona | None) -> bool:
    """True when both personas give the same request prefix and parameters."""
    if a is None or b is None:
        return a is b
    return (a.prefix_bytes(), dict(a.params), a.cache_ttl) == (b.prefix_bytes(), dict(b.params), b.cache_ttl)


def reopen(store: Store, conversation: Conversation, library: PersonaLibrary, current: Setup,
           flags: Mapping[str, object] | None = None,
           prices: Mapping[str, Rates] | None = None) -> Reopened:
    """The setup `conversation` was last sent with. `current`: the session's setup now (it
    supplies what was never recorded); `flags`: command-line values that win over the
    stored ones (provider, model, base_url, persona, mode)."""
    flags = dict(flags or {})
    turn = store.last_sent_turn(conversation.id)
    meta = turn.meta if turn else None
    provider = meta.provider if meta else conversation.provider
    model = meta.model if meta else conversation.model
    name = meta.persona if meta else conversation.persona
    base_url = meta.base_url if meta and meta.base_url else (
        current.base_url if provider == current.provider else None)
    on_disk = library.get(name) if name else None
    stored = stored_persona(store, turn, on_disk)
    persona, choice = _persona(name, stored, on_disk, provider, model, prices)
    setup = Setup(provider, model, base_url, persona, conversation.mode,
                  (meta.image_detail if meta else None) or current.image_detail)
    if provider not in PROVIDERS:
        choice = Choice(f"This conversation used provider '{provider}', which chattui no longer "
                        "knows: choose a model (F11, palette: Switch model…) or start with "
                        "--provider; the history still reads.", kind="provider")
    result = Reopened(setup, choice=choice)
    _apply_flags(result, flags, library, current, prices)
    return result


def _persona(name: str | None, stored: Persona | None, on_disk: Persona | None,
             provider: str, model: str,
             prices: Mapping[str, Rates] | None) -> tuple[Persona | None, Choice | None]:
    if stored is None:  # recorded before prefixes were stored: the file is all there is
        if name and on_disk is None:
            return None, Choice(f"Persona '{name}' no longer exists and this conversation's prefix "
                                "was not stored: choose a persona (ctrl+b) before sending.")
        return on_disk, None
    if on_disk is None:
        if not name:
            return stored, None
        return stored, Choice(
            f"Persona '{name}' no longer exists. Keep the stored prefix (the cache can hit) "
            "or choose another persona (ctrl+b).", stored=stored)
    if same_shape(stored, on_disk):
        return on_disk, None
    return stored, Choice(
        f"Persona file {name} changed since this conversation used it: {describe_change(stored, on_disk)}; "
        f"taking the file writes {rewrite_cost(on_disk, provider, model, prices)} again. "
        "Keep the stored prefix (cache hits) or use the file? (palette: Prefix: …)",
        stored=stored, on_disk=on_disk)


def describe_change(old: Persona, new: Persona) -> str:
    """What differs between two versions of a persona, in a few words."""
    parts = []
    if old.system != new.system:
        before, after = tokens.count(old.system).n, tokens.count(new.system).n
        parts.append(f"system prompt {before:,} → {after:,} tok")
    old_tools, new_tools = {t.name for t in old.tools}, {t.name for t in new.tools}
    if added := sorted(new_tools - old_tools):
        parts.append("tools added: " + ", ".join(added))
    if removed := sorted(old_tools - new_tools):
        parts.append("tools removed: " + ", ".join(removed))
    if old_tools == new_tools and old.tools != new.tools:
        parts.append("tool definitions changed")
    if words := structured.change_words(old.response_format, new.response_format):
        parts.append(words)
    if dict(old.params) != dict(new.params):
        parts.append(f"params {dict(old.params)} → {dict(new.params)}")
    if old.cache_ttl != new.cache_ttl:
        parts.append(f"cache TTL {old.cache_ttl or 'default'} → {new.cache_ttl or 'default'}")
    return "; ".join(parts) or "same bytes"


def rewrite_cost(persona: Persona | None, provider: str, model: str,
                 prices: Mapping[str, Rates] | None = None,
                 base_url: str | None = None) -> str:
    """`3,012 tok (≈$0.0090)`: the prefix tokens a cold cache writes again, and their price."""
    n = persona.prefix_tokens().n if persona else 0
    usage = (Usage(input_total=n, output=0, cache_write_5m=n) if provider == "anthropic"
             else Usage(input_total=n, output=0))  # Anthropic bills the write; others the input
    cost = price(usage, model, provider, prices or {}, base_url)
    return f"{n:,} tok ({cost})" if cost.known else f"{n:,} tok (price unknown)"


def flag_chose_model(notes: list[str]) -> bool:
    """Whether `--model` or `--provider` replaced the stored model (the user chose it)."""
    return any(note.startswith(("--model ", "--provider ")) for note in notes)


def _apply_flags(result: Reopened, flags: Mapping[str, object], library: PersonaLibrary,
                 current: Setup, prices: Mapping[str, Rates] | None) -> None:
    """Command-line values win; each real change is noted with what it does to the cache."""
    setup, notes = result.setup, result.notes
    cold = "the cache starts cold: the next turn writes {{}} again"
    if (provider := flags.get("provider")) and provider != setup.provider:
        notes.append(f"--provider {provider} replaces {setup.provider}: " + cold.format(
            rewrite_cost(setup.persona, str(provider), current.model, prices)))
        setup = replace(setup, provider=str(provider), model=current.model,
                        base_url=current.base_url)
        result.choice = without(result.choice, "provider", "model")
    if (model := flags.get("model")) and model != setup.model:
        notes.append(f"--model {model} replaces {setup.model}: " + cold.format(
            rewrite_cost(setup.persona, setup.provider, str(model), prices)))
        setup = replace(setup, model=str(model))
    if "base_url" in flags and current.base_url != setup.base_url:
        if setup.base_url is not None:
            notes.append(f"--base-url {current.base_url} replaces {setup.base_url}")
        setup = replace(setup, base_url=current.base_url)
    if (mode := flags.get("mode")) and mode != setup.mode:
        notes.append(f"--mode {mode} replaces {setup.mode}")
        setup = replace(setup, mode=str(mode))
    if (name := flags.get("persona")) and (persona := library.get(str(name))) is not None:
        if not same_shape(persona, setup.persona):
            was = setup.persona.name if setup.persona else "no persona"
            notes.append(f"--persona {name} replaces {was}: " + cold.format(
                rewrite_cost(persona, setup.provider, setup.model, prices)))
        setup = replace(setup, persona=persona)
        result.choice = without(result.choice, "persona")
    result.setup = setup
