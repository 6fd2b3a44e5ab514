from decimal import Decimal

import pytest
from genai_prices import Usage as GenaiUsage, calc_price

from chattui.core import usage as mapping
from chattui.core.pricing import price
from chattui.core.usage import Usage

OPENAI_CHAT = {
    "prompt_tokens": 2006, "completion_tokens": 300, "total_tokens": 2306,
    "prompt_tokens_details": {"cached_tokens": 1920, "cache_write_tokens": 0},
    "completion_tokens_details": {"reasoning_tokens": 64},
}
ANTHROPIC = {
    "input_tokens": 50, "output_tokens": 100, "cache_creation_input_tokens": 1000,
    "cache_read_input_tokens": 9000,
    "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 1000},
}


def test_openai_chat_usage_keeps_cached_inside_the_prompt_total():
    u = mapping.from_openai_chat(OPENAI_CHAT)
    assert (u.input_total, u.cache_read, u.cache_write, u.output, u.reasoning) == (2006, 1920, 0, 300, 64)
    assert u.uncached_input == 86
    assert u.hit_ratio == pytest.approx(1920 / 2006)


def test_fields_a_server_does_not_send_stay_unknown_not_zero():
    u = mapping.from_openai_chat({"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15})
    assert u.cache_read is None and u.cache_write is None and u.reasoning is None
    assert u.hit_ratio is None


def test_anthropic_input_total_adds_cache_reads_and_writes():
    u = mapping.from_anthropic(ANTHROPIC)
    assert u.input_total == 10050
    assert (u.cache_read, u.cache_write_5m, u.cache_write_1h) == (9000, 0, 1000)


def test_responses_usage_mapping():
    u = mapping.from_openai_responses({
        "input_tokens": 14, "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
        "output_tokens": 50, "output_tokens_details": {"reasoning_tokens": 7}, "total_tokens": 64})
    assert (u.input_total, u.cache_read, u.output, u.reasoning) == (14, 0, 50, 7)


def test_openrouter_reported_cost_wins():
    u = mapping.from_openai_chat({**OPENAI_CHAT, "cost": 0.95})
    cost = price(u, "anthropic/claude-sonnet-4.5", "openai-compatible", base_url="https://openrouter.ai/api/v1")
    assert (cost.usd, cost.source) == (0.95, "reported")


@pytest.mark.parametrize("provider, genai_provider, model, payload, extract", [
    ("openai", "openai", "gpt-4.1-mini", OPENAI_CHAT, mapping.from_openai_chat),
    ("anthropic", "anthropic", "claude-sonnet-4-5", ANTHROPIC, mapping.from_anthropic),
])
def test_cost_matches_genai_prices_on_the_same_usage(provider, genai_provider, model, payload, extract):
    ours = price(extract(payload), model, provider)
    u = extract(payload)
    theirs = calc_price(GenaiUsage(input_tokens=u.input_total, cache_read_tokens=u.cache_read,
                                   cache_write_tokens=u.cache_write,
                                   cache_write_1h_tokens=u.cache_write_1h or None,
                                   output_tokens=u.output), model, provider_id=genai_provider)
    assert ours.source == "genai-prices"
    assert Decimal(str(ours.usd)) == pytest.approx(theirs.total_price, abs=Decimal("1e-12"))


def test_known_payloads_priced_to_the_cent_fraction():
    # gpt-4.1-mini: $0.40 in, $0.10 cached, $1.60 out per MTok
    assert price(mapping.from_openai_chat(OPENAI_CHAT), "gpt-4.1-mini", "openai").usd == pytest.approx(
        (86 * 0.40 + 1920 * 0.10 + 300 * 1.60) / 1e6)
    # claude-sonnet-4-5: $3 in, $0.30 read, $6 1h write, $15 out: 1h writes cost 2x input
    assert price(mapping.from_anthropic(ANTHROPIC), "claude-sonnet-4-5", "anthropic").usd == pytest.approx(
        (50 * 3 + 9000 * 0.30 + 1000 * 6 + 100 * 15) / 1e6)


def test_unknown_model_has_no_price_never_zero():
    cost = price(Usage(input_total=100, output=10), "my-local-llama", "openai-compatible",
                 base_url="http://localhost:11434/v1")
    assert cost.usd is None and str(cost) == "cost ?"


def test_config_price_override_uses_total_input_convention():
    class Rates:
        input, output, cache_read, cache_write, cache_write_1h = 1.0, 2.0, 0.1, None, None

    cost = price(Usage(input_total=1000, cache_read=800, output=100), "my-local-llama",
                 "openai-compatible", {"my-local-llama": Rates()})
    assert cost.source == "config"
    assert cost.usd == pytest.approx((200 * 1.0 + 800 * 0.1 + 100 * 2.0) / 1e6)
