"""Benchmark: request bytes per turn, full history vs chained (previous_response_id).

One 20-turn conversation runs twice through the real ChatSession and SDKs against the
in-process emulator: `full` (Chat Completions, the whole history every turn) and `chained`
(Responses API, instructions + tools + only the new input). The emulator's request log
gives the exact bytes each request put on the wire. Deterministic (the emulator's replies
and token counts are), so one run is enough; the ratio compares the two modes of one run.

Usage: python bench/chain_bytes.py [--turns 20] [--persona styleguide] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
from pathlib import Path

os.environ.setdefault("CHATTUI_TOKENIZER", "approx")

from chattui.core.chaining import CHAINED, FULL  # noqa: E402
from chattui.core.chat import ChatSession  # noqa: E402
from chattui.core.personas import load_personas  # noqa: E402
from chattui.emulator import Emulator  # noqa: E402
from chattui.providers.registry import make_provider  # noqa: E402
from chattui.store import Store  # noqa: E402


async def run(mode: str, turns: int, persona_name: str) -> list[dict]:
    with Emulator() as emulator, tempfile.TemporaryDirectory() as folder:
        persona = load_personas(Path(folder), Path(folder)).get(persona_name)
        api = "responses" if mode == CHAINED else "chat"
        provider = make_provider("openai", "bench-key", emulator.openai_base_url, api=api)
        session = ChatSession(Store(Path(folder) / "c.db"), provider, provider_name="openai",
                              model="gpt-4.1-mini", persona=persona, mode=mode)

        async def ignore(_: str) -> None:
            pass

        for n in range(turns):
            await session.send(f"Question {n}: please review this sentence for style.", ignore)
        await provider.aclose()
        sent = [r for r in emulator.requests if r.method == "POST"]
        return [{"turn": n + 1, "bytes": len(r.body), "prompt_tokens": t.usage.input_total,
                 "cached_tokens": t.usage.cache_read, "cost_usd": t.cost_usd}
                for n, (r, t) in enumerate(zip(sent, session.turns()))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=20)
    parser.add_argument("--persona", default="styleguide")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = {mode: asyncio.run(run(mode, args.turns, args.persona)) for mode in (FULL, CHAINED)}
    totals = {mode: sum(row["bytes"] for row in rows) for mode, rows in result.items()}
    result["totals"] = {**totals, "ratio_full_over_chained": round(totals[FULL] / totals[CHAINED], 2)}
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"{'turn':>4}  {'full bytes':>10}  {'chained bytes':>13}  {'full $':>10}  {'chained $':>10}")
    for full, chained in zip(result[FULL], result[CHAINED]):
        print(f"{full['turn']:>4}  {full['bytes']:>10,}  {chained['bytes']:>13,}  "
              f"{full['cost_usd']:>10.6f}  {chained['cost_usd']:>10.6f}")
    print(f"total {totals[FULL]:,} vs {totals[CHAINED]:,} bytes: full sends "
          f"{result['totals']['ratio_full_over_chained']}x the bytes of chained")


if __name__ == "__main__":
    main()
