"""OpenRouter's Chat Completions (PROVIDERS.md §5): usage always comes back, with the
gateway's own `cost` (USD); Claude models honour `cache_control` on content parts the way
Anthropic does (breakpoints, 5m/1h TTLs, writes reported as `cache_write_tokens`); other
models cache automatically as OpenAI does.

The emulated cost uses fixed rates (`RATES`), so tests can tell a gateway-reported cost
from one chattui computed itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chattui.emulator.cache import Block

if TYPE_CHECKING:
    from chattui.emulator.server import Emulator

RATES = {"input": 3.0, "cache_read": 0.3, "cache_write": 3.75, "output": 15.0}
"""USD per million tokens the emulated gateway bills (Claude Sonnet-like)."""


def is_claude(model: str) -> bool:
    return "claude" in model.lower()


def claude_cache(emu: Emulator, model: str, body: dict[str, Any], blocks: list[Block]
                 ) -> tuple[int, int]:
    """(read, written) for a Claude model: message blocks carrying `cache_control` on any
    content part are breakpoints, as the gateway passes them on to Anthropic."""
    tools = len(body.get("tools") or [])
    marked = list(blocks)
    for index, message in enumerate(body["messages"]):
        ttl = _ttl(message.get("content"))
        if ttl:
            block = marked[tools + index]
            marked[tools + index] = Block(block.hash, block.tokens, ttl)
    name = model.split("/", 1)[-1]
    rules = emu.rules.anthropic
    use = emu.breakpoint_cache.apply(("openrouter", model), marked, min_tokens=rules.minimum(name),
                                     lookback=rules.lookback, now=emu.now())
    return use.read, use.write_5m + use.write_1h


def cost(prompt: int, cached: int, written: int, output: int) -> float:
    """What the gateway reports in `usage.cost` for these tokens."""
    uncached = prompt - cached - written
    return round((uncached * RATES["input"] + cached * RATES["cache_read"]
                  + written * RATES["cache_write"] + output * RATES["output"]) / 1e6, 10)


BYOK_FEE = 0.05
"""OpenRouter's fee on a bring-your-own-key request, as a share of the provider's bill."""


def cost_fields(prompt: int, cached: int, written: int, output: int, byok: bool
                ) -> dict[str, Any]:
    """`cost`, `is_byok` and `cost_details` as OpenRouter reports them: with BYOK, `cost`
    is only the gateway's fee and the provider's bill is `upstream_inference_cost`."""
    bill = cost(prompt, cached, written, output)
    if byok:
        return {"cost": round(bill * BYOK_FEE, 12), "is_byok": True,
                "cost_details": {"upstream_inference_cost": bill}}
    return {"cost": bill, "is_byok": False, "cost_details": {"upstream_inference_cost": None}}


def _ttl(content: Any) -> str | None:
    parts = content if isinstance(content, list) else []
    marks = [p["cache_control"] for p in parts if isinstance(p, dict) and p.get("cache_control")]
    return marks[-1].get("ttl", "5m") if marks else None
