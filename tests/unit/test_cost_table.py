"""Cost truth: real usage payload shapes, priced three ways, agree to the cent-fraction.

Each payload is mapped through chattui.core.usage, priced by chattui.core.pricing and split
by chattui.core.insight.breakdown, and checked (Decimal, abs 1e-12) against genai-prices'
own extractor: `genai_prices.extract_usage(response, provider_id=…, api_flavor=…).calc_price()`.
Shapes: PROVIDERS.md §1.3 (Chat), §2.2 (Responses), §3.2/§6 (Anthropic), §4 (Gemini's
OpenAI-compatible endpoint: cached ⊂ prompt), §5 (OpenRouter's `usage.cost`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable

import pytest
from genai_prices import extract_usage

from chattui.core import usage as mapping
from chattui.core.insight import breakdown
from chattui.core.pricing import price
from chattui.core.usage import Usage

EXACT = Decimal("1e-12")


@dataclass(frozen=True)
class Case:
    provider: str
    """chattui's provider name"""
    genai_provider: str
    flavor: str
    response: dict[str, Any]
    mapper: Callable[[Any], Usage]
    base_url: str | None = None

    @property
    def model(self) -> str:
        return self.response["model"]


CASES = {
    "openai-chat-with-cache-write": Case("openai", "openai", "chat", {
        "model": "gpt-5.6",
        "usage": {"prompt_tokens": 2600, "completion_tokens": 300, "total_tokens": 2900,
                  "prompt_tokens_details": {"cached_tokens": 2000, "cache_write_tokens": 400,
                                            "audio_tokens": 0},
                  "completion_tokens_details": {"reasoning_tokens": 120, "audio_tokens": 0,
                                                "accepted_prediction_tokens": 0,
                                                "rejected_prediction_tokens": 0}},
    }, mapping.from_openai_chat),
    "openai-chat-without-cache-write": Case("openai", "openai", "chat", {
        "model": "gpt-4.1-mini",
        "usage": {"prompt_tokens": 2006, "completion_tokens": 300, "total_tokens": 2306,
                  "prompt_tokens_details": {"cached_tokens": 1920, "audio_tokens": 0},
                  "completion_tokens_details": {"reasoning_tokens": 0}},
    }, mapping.from_openai_chat),
    "openai-chat-gpt-5.6-long-context-tier": Case("openai", "openai", "chat", {
        "model": "gpt-5.6",
        "usage": {"prompt_tokens": 300_000, "completion_tokens": 2_000, "total_tokens": 302_000,
                  "prompt_tokens_details": {"cached_tokens": 250_000, "cache_write_tokens": 49_920}},
    }, mapping.from_openai_chat),
    "openai-responses-with-cache-write": Case("openai", "openai", "responses", {
        "model": "gpt-5.6",
        "usage": {"input_tokens": 5000, "input_tokens_details": {"cached_tokens": 3968,
                                                                 "cache_write_tokens": 1024},
                  "output_tokens": 512, "output_tokens_details": {"reasoning_tokens": 256},
                  "total_tokens": 5512},
    }, mapping.from_openai_responses),
    "openai-responses-without-cache-write": Case("openai", "openai", "responses", {
        "model": "gpt-4o-mini",
        "usage": {"input_tokens": 1400, "input_tokens_details": {"cached_tokens": 1280},
                  "output_tokens": 50, "output_tokens_details": {"reasoning_tokens": 0},
                  "total_tokens": 1450},
    }, mapping.from_openai_responses),
    "anthropic-5m-writes": Case("anthropic", "anthropic", "default", {
        "model": "claude-sonnet-4-5",
        "usage": {"input_tokens": 12, "cache_creation_input_tokens": 3000,
                  "cache_read_input_tokens": 0,
                  "cache_creation": {"ephemeral_5m_input_tokens": 3000,
                                     "ephemeral_1h_input_tokens": 0},
                  "output_tokens": 7},
    }, mapping.from_anthropic),
    "anthropic-1h-writes": Case("anthropic", "anthropic", "default", {
        "model": "claude-sonnet-4-5",
        "usage": {"input_tokens": 50, "cache_creation_input_tokens": 1000,
                  "cache_read_input_tokens": 9000,
                  "cache_creation": {"ephemeral_5m_input_tokens": 0,
                                     "ephemeral_1h_input_tokens": 1000},
                  "output_tokens": 100},
    }, mapping.from_anthropic),
    "anthropic-mixed-ttl-writes-above-200k": Case("anthropic", "anthropic", "default", {
        "model": "claude-sonnet-4-5",
        "usage": {"input_tokens": 900, "cache_creation_input_tokens": 60_000,
                  "cache_read_input_tokens": 180_000,
                  "cache_creation": {"ephemeral_5m_input_tokens": 20_000,
                                     "ephemeral_1h_input_tokens": 40_000},
                  "output_tokens": 1_500},
    }, mapping.from_anthropic),
    "gemini-compat-cached-inside-prompt": Case("gemini", "google", "chat", {
        "model": "gemini-2.5-flash",
        "usage": {"prompt_tokens": 3000, "completion_tokens": 200, "total_tokens": 3200,
                  "prompt_tokens_details": {"cached_tokens": 2048},
                  "completion_tokens_details": {"reasoning_tokens": 50}},
    }, mapping.from_openai_chat),
    "openrouter-without-reported-cost": Case("openai-compatible", "openrouter", "chat", {
        "model": "anthropic/claude-sonnet-4.5",
        "usage": {"prompt_tokens": 194, "completion_tokens": 2, "total_tokens": 196,
                  "prompt_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 100,
                                            "audio_tokens": 0},
                  "completion_tokens_details": {"reasoning_tokens": 0}},
    }, mapping.from_openai_chat, base_url="https://openrouter.ai/api/v1"),
}


def genai_total(case: Case) -> Decimal:
    extracted = extract_usage(case.response, provider_id=case.genai_provider, api_flavor=case.flavor)
    return extracted.calc_price().total_price


@pytest.mark.parametrize("name", CASES)
def test_mapping_keeps_the_counts_genai_prices_extracts(name):
    case = CASES[name]
    ours = case.mapper(case.response["usage"])
    theirs = extract_usage(case.response, provider_id=case.genai_provider,
                           api_flavor=case.flavor).usage
    assert ours.input_total == theirs.input_tokens  # total input, cache reads and writes included
    assert (ours.cache_read or 0) == theirs.cache_read_tokens
    assert (ours.cache_write or 0) == theirs.cache_write_tokens
    assert (ours.cache_write_1h or 0) == theirs.cache_write_1h_tokens
    assert ours.output == theirs.output_tokens


@pytest.mark.parametrize("name", CASES)
def test_pricing_matches_genai_prices_own_extractor(name):
    case = CASES[name]
    cost = price(case.mapper(case.response["usage"]), case.model, case.provider,
                 base_url=case.base_url)
    assert cost.source == "genai-prices"
    assert Decimal(str(cost.usd)) == pytest.approx(genai_total(case), abs=EXACT)


@pytest.mark.parametrize("name", CASES)
def test_breakdown_parts_add_up_to_genai_prices_total(name):
    case = CASES[name]
    usage = case.mapper(case.response["usage"])
    split = breakdown(usage, case.model, case.provider, base_url=case.base_url)
    total = genai_total(case)
    assert Decimal(str(split.cost)) == pytest.approx(total, abs=EXACT)
    parts = [Decimal(str(v)) for v in split.parts.values() if v is not None]
    assert sum(parts) == pytest.approx(total, abs=EXACT)
    assert split.output_usd is not None and split.uncached_usd is not None


def test_cache_write_payloads_bill_the_write_rate():
    # gpt-5.6: $4 in, $0.40 read, $5 write (1.25x), $20 out; reasoning is inside completion.
    split = breakdown(mapping.from_openai_chat(CASES["openai-chat-with-cache-write"].response["usage"]),
                      "gpt-5.6", "openai")
    assert split.uncached == 200
    assert split.cache_write_usd == pytest.approx(400 * 5 / 1e6, abs=1e-15)
    assert split.cache_read_usd == pytest.approx(2000 * 0.4 / 1e6, abs=1e-15)
    assert split.output_usd == pytest.approx(300 * 20 / 1e6, abs=1e-15)
    # claude-sonnet-4-5: 1h writes at $6 (2x), 5m writes at $3.75 (1.25x)
    five = breakdown(mapping.from_anthropic(CASES["anthropic-5m-writes"].response["usage"]),
                     "claude-sonnet-4-5", "anthropic")
    assert five.cache_write_usd == pytest.approx(3000 * 3.75 / 1e6, abs=1e-15)
    hour = breakdown(mapping.from_anthropic(CASES["anthropic-1h-writes"].response["usage"]),
                     "claude-sonnet-4-5", "anthropic")
    assert hour.cache_write_usd == pytest.approx(1000 * 6 / 1e6, abs=1e-15)


def test_openrouter_reported_cost_wins_over_every_computation():
    response = {**CASES["openrouter-without-reported-cost"].response}
    response["usage"] = {**response["usage"], "cost": 0.95,
                         "cost_details": {"upstream_inference_cost": 19}}
    usage = mapping.from_openai_chat(response["usage"])
    computed = extract_usage(response, provider_id="openrouter", api_flavor="chat").calc_price()
    cost = price(usage, response["model"], "openai-compatible", base_url="https://openrouter.ai/api/v1")
    # the docs' example is a BYOK one: `cost` is the gateway's fee, upstream the provider's bill
    assert (cost.usd, cost.source) == (0.95 + 19, "reported")
    assert computed.total_price != Decimal("0.95")  # what a rate card would have said
    split = breakdown(usage, response["model"], "openai-compatible",
                      base_url="https://openrouter.ai/api/v1")
    assert (split.cost, split.source) == (0.95 + 19, "reported")
    assert set(split.parts.values()) == {None}  # the gateway gave no split: none invented
    assert split.saved is None
