"""What a model can take: image input, tool calls. Asked before a model switch
(core.model_switch.lacks) so the user learns what the new model lacks before sending.

No data chattui ships (genai-prices lists prices, not modalities) and no provider API says
this reliably, so the answer is a small rule table, checked in this order:

1. `overrides` (from config, `[models."pattern"] images = false / tools = false`, shell-style
   patterns as in `[prices]`; the longest matching pattern wins);
2. `KNOWN_LIMITS`: model families known to be text-only or to have no tool calling;
3. otherwise the model is assumed able (chattui never claims a lack it does not know of).

Names are matched case-insensitively, without a gateway prefix (`openai/gpt-3.5-turbo`).
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Mapping


@dataclass(frozen=True)
class Abilities:
    images: bool = True
    """Image parts on user messages are understood (not refused or dropped)."""
    tools: bool = True
    """Tool definitions are accepted and tool calls come back."""


TEXT_ONLY = Abilities(images=False)
NO_TOOLS = Abilities(tools=False)
NEITHER = Abilities(images=False, tools=False)

KNOWN_LIMITS: Mapping[str, Abilities] = {
    # OpenAI: the pre-vision chat models, the small reasoning models, open-weight gpt-oss
    "gpt-3.5-turbo*": TEXT_ONLY,
    "gpt-3.5-turbo-instruct*": NEITHER,
    "gpt-4": TEXT_ONLY,
    "gpt-4-0*": TEXT_ONLY,
    "gpt-4-32k*": TEXT_ONLY,
    "o1-mini*": NEITHER,
    "o1-preview*": NEITHER,
    "o3-mini*": TEXT_ONLY,
    "gpt-oss-*": TEXT_ONLY,
    "davinci*": NEITHER,
    "babbage*": NEITHER,
    # Anthropic before Claude 3
    "claude-2*": NEITHER,
    "claude-instant*": NEITHER,
    # common text-only open models, as local servers and gateways name them
    "deepseek-chat*": TEXT_ONLY,
    "deepseek-reasoner*": TEXT_ONLY,
    "deepseek-coder*": TEXT_ONLY,
    "*smollm*": NEITHER,
    "codestral*": TEXT_ONLY,
}


def abilities(model: str, overrides: Mapping[str, Abilities] | None = None) -> Abilities:
    """What `model` can take (see the module docstring for where the answer comes from)."""
    name = model.lower().rsplit("/", 1)[-1]
    for table in (overrides or {}, KNOWN_LIMITS):
        if found := _match(name, table):
            return found
    return Abilities()


def _match(name: str, table: Mapping[str, Abilities]) -> Abilities | None:
    """An exact name beats any pattern; among patterns the longest wins."""
    hits = [p for p in table if fnmatchcase(name, p.lower())]
    return table[max(hits, key=lambda p: (p.lower() == name, len(p)))] if hits else None
