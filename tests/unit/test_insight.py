"""chattui.core.insight: cost split, savings, warm/cold, miss causes, pre-send estimate."""

from __future__ import annotations

import pytest

from chattui.config import PriceOverride
from chattui.core import insight
from chattui.core.insight import (
    Breakdown, breakdown, cache_state, expected_turn, miss_cause, miss_causes, session_summary,
)
from chattui.core.models import Turn, TurnMeta
from chattui.core.pricing import price
from chattui.core.tokens import TokenCount
from chattui.core.usage import Usage

GPT = ("gpt-4.1-mini", "openai")          # $0.40 in, $0.10 read, $1.60 out per MTok
SONNET = ("claude-sonnet-4-5", "anthropic")  # $3 in, $0.30 read, $3.75 5m, $6 1h, $15 out


def make_turn(n: int, usage: Usage, *, model: str = "gpt-4.1-mini", provider: str = "openai",
              persona: str | None = "assistant", fp: str | None = "f1", started: float = 1000.0,
              finished: float | None = None, status: str = "complete",
              cost: float | None = None) -> Turn:
    return Turn(
        id=n, conversation_id="c1", user_message_id=2 * n, reply_message_id=2 * n + 1,
        meta=TurnMeta(provider, model, None, persona, fp, "chat"), status=status, usage=usage,
        cost_usd=cost, response_id=None, error=None, started_at=started,
        finished_at=started + 2 if finished is None else finished,
    )


def parts_sum(b: Breakdown) -> float:
    return sum(v for v in b.parts.values() if v is not None)


# -- breakdown -------------------------------------------------------------------------


@pytest.mark.parametrize("model, provider", [
    GPT, SONNET, ("gpt-5.6", "openai"), ("gemini-2.5-flash", "gemini"), ("claude-opus-5", "anthropic"),
])
@pytest.mark.parametrize("usage", [
    Usage(input_total=2006, cache_read=1920, cache_write_5m=0, output=300, reasoning=64),
    Usage(input_total=10_050, cache_read=9000, cache_write_5m=0, cache_write_1h=1000, output=100),
    Usage(input_total=4000, cache_read=0, cache_write_5m=3968, output=20),
    Usage(input_total=260_000, cache_read=200_000, cache_write_5m=30_000, cache_write_1h=20_000, output=900),
])
def test_the_four_parts_add_up_to_the_turns_price(model, provider, usage):
    b = breakdown(usage, model, provider)
    assert b.cost == price(usage, model, provider).usd
    assert parts_sum(b) == pytest.approx(b.cost, abs=1e-12)
    assert b.no_cache_cost is not None and b.saved == pytest.approx(b.no_cache_cost - b.cost)


def test_figures_of_a_cached_openai_turn():
    b = breakdown(Usage(input_total=2006, cache_read=1920, cache_write_5m=0, output=300, reasoning=64), *GPT)
    assert (b.prompt, b.cached, b.uncached, b.cache_write, b.output, b.reasoning) == (2006, 1920, 86, 0, 300, 64)
    assert b.hit_ratio == pytest.approx(1920 / 2006)
    assert b.uncached_usd == pytest.approx(86 * 0.40 / 1e6, abs=1e-15)
    assert b.cache_read_usd == pytest.approx(1920 * 0.10 / 1e6, abs=1e-15)
    assert b.cache_write_usd == 0
    assert b.output_usd == pytest.approx(300 * 1.60 / 1e6, abs=1e-15)
    assert b.no_cache_cost == pytest.approx((2006 * 0.40 + 300 * 1.60) / 1e6, abs=1e-15)
    assert b.saved == pytest.approx(1920 * 0.30 / 1e6, abs=1e-15)
    assert b.lines() == [
        "prompt 2,006 · cached 1,920 (96%) · write 0 · uncached 86 · out 300 (+reasoning 64)",
        "cost $0.000706 = uncached $0.000034 + reads $0.000192 + writes $0 + output $0.000480"
        " · price: genai-prices",
        "without cache $0.001282 · saved $0.000576",
    ]


def test_savings_are_negative_when_writes_outweigh_reads():
    # a first Anthropic turn: everything written at 1.25x, nothing read yet
    b = breakdown(Usage(input_total=3012, cache_read=0, cache_write_5m=3000, cache_write_1h=0, output=7), *SONNET)
    assert b.saved == pytest.approx(-3000 * 0.75 / 1e6, abs=1e-15)
    assert "cache cost extra $0.002250" in b.lines()[-1]
    # 1-hour writes cost 2x: a miss that wrote 1h tokens loses a full input rate on them
    hour = breakdown(Usage(input_total=1050, cache_read=0, cache_write_5m=0, cache_write_1h=1000, output=0), *SONNET)
    assert hour.saved == pytest.approx(-1000 * 3 / 1e6, abs=1e-15)
    # reads pay the writes back on the next turn
    later = breakdown(Usage(input_total=3100, cache_read=3000, cache_write_5m=88, output=7), *SONNET)
    assert later.saved > 0


def test_config_override_rates_split_the_same_way():
    prices = {"my-model": PriceOverride(input=1.0, output=2.0, cache_read=0.1, cache_write=1.25,
                                        cache_write_1h=2.0)}
    usage = Usage(input_total=10_000, cache_read=6000, cache_write_5m=2000, cache_write_1h=1000, output=500)
    b = breakdown(usage, "my-model", "openai-compatible", prices)
    assert b.source == "config"
    assert b.cost == pytest.approx(price(usage, "my-model", "openai-compatible", prices).usd)
    assert (b.uncached_usd, b.cache_read_usd) == pytest.approx((1000 / 1e6, 600 / 1e6))
    assert b.cache_write_usd == pytest.approx((2000 * 1.25 + 1000 * 2.0) / 1e6)
    assert parts_sum(b) == pytest.approx(b.cost, abs=1e-15)
    assert b.saved == pytest.approx((6000 * 0.9 - 2000 * 0.25 - 1000 * 1.0) / 1e6)
    # no cache rates configured and no provider ratio known for the model: refused, never
    # silently the input rate
    plain = {"my-model": PriceOverride(input=1.0, output=2.0)}
    refused = breakdown(usage, "my-model", "openai-compatible", plain)
    assert refused.cost is None and refused.saved is None
    assert refused.lines()[1] == ("⚠ config has no cache_read rate and no provider ratio is known "
                                  "for my-model: add cache_read to it")


def test_unknown_fields_stay_unknown():
    b = breakdown(Usage(input_total=100, output=10), *GPT)  # a server without cache counters
    assert (b.cached, b.cache_write, b.hit_ratio) == (None, None, None)
    assert (b.cache_read_usd, b.cache_write_usd) == (None, None)
    assert b.cost == pytest.approx((100 * 0.4 + 10 * 1.6) / 1e6)
    assert parts_sum(b) == pytest.approx(b.cost)
    assert b.saved is None  # not "saved $0"
    assert b.lines()[0] == "prompt 100 · cached ? · write ? · uncached 100 · out 10"


def test_an_unpriced_model_has_no_cost_never_zero():
    b = breakdown(Usage(input_total=5000, cache_read=4096, output=10), "my-local-llama",
                  "openai-compatible", base_url="http://localhost:11434/v1")
    assert b.cost is None and b.source == "unknown"
    assert set(b.parts.values()) == {None} and b.no_cache_cost is None and b.saved is None
    assert b.lines()[1] == ("cost ? (no price known for this model here: set [prices] or "
                            "[endpoints] in config.toml)")


def test_breakdown_of_a_stored_turn_uses_its_model_and_provider():
    t = make_turn(1, Usage(input_total=2006, cache_read=1920, cache_write_5m=0, output=300),
                  model="claude-sonnet-4-5", provider="anthropic")
    assert breakdown(t).cost == price(t.usage, *SONNET).usd
    estimated = breakdown(Usage(input_total=500, output=40, estimated=True), *GPT)
    assert estimated.lines()[0].startswith("prompt ≈500 ·") and "cost ≈$" in estimated.lines()[1]


# -- session ---------------------------------------------------------------------------


def test_session_summary_adds_cost_tokens_hits_and_savings():
    u1 = Usage(input_total=4000, cache_read=0, cache_write_5m=0, output=100)
    u2 = Usage(input_total=4200, cache_read=3968, cache_write_5m=0, output=120, reasoning=30)
    u3 = Usage(input_total=300, output=20)  # unpriced model, no cache counters
    turns = [make_turn(1, u1, cost=price(u1, *GPT).usd), make_turn(2, u2, cost=price(u2, *GPT).usd),
             make_turn(3, u3, model="my-local-llama", provider="openai-compatible", cost=None)]
    s = session_summary(turns)
    assert (s.turns, s.unpriced_turns, s.input_total, s.cached, s.output, s.reasoning) == (
        3, 1, 8500, 3968, 240, 30)
    assert s.cost_usd == pytest.approx(turns[0].cost_usd + turns[1].cost_usd)
    assert s.hit_ratio == pytest.approx(3968 / 8200)  # only turns that report cache reads
    assert s.saved_usd == pytest.approx(3968 * 0.30 / 1e6)
    assert s.unknown_savings == 1
    assert s.text == "session $0.002442 + 1 unpriced · 3 turns · hit 48% · saved $0.001190"


# -- warm or cold ----------------------------------------------------------------------


def test_openai_cache_is_warm_for_the_idle_window_then_cold():
    turns = [make_turn(1, Usage(input_total=4000, cache_read=0, output=50), finished=1002.0)]
    warm = cache_state(turns, "openai", "gpt-4.1-mini", now=1002.0 + 100)
    assert (warm.status, warm.ttl, warm.seconds_left) == ("warm", 600.0, 500.0)
    assert warm.text == "warm · 8:20 left"
    assert cache_state(turns, "openai", "gpt-4.1-mini", now=1601.0).text == "warm · 0:01 left"
    cold = cache_state(turns, "openai", "gpt-4.1-mini", now=1002.0 + 780)
    assert (cold.status, cold.text) == ("cold", "cold (expired 3 min ago)")
    assert cache_state(turns, "openai", "gpt-4.1-mini", now=1002.0 + 640).text == "cold (expired 40 s ago)"
    short = cache_state(turns, "openai", "gpt-4.1-mini", now=1102.0, ttl_overrides={"openai": 300})
    assert short.text == "warm · 3:20 left"


def test_anthropic_ttl_follows_the_writes_and_a_hit_refreshes_it():
    five = [make_turn(1, Usage(input_total=3012, cache_read=0, cache_write_5m=3000, cache_write_1h=0, output=9),
                      model="claude-sonnet-4-5", provider="anthropic", finished=1002.0)]
    assert cache_state(five, "anthropic", "claude-sonnet-4-5", now=1062.0).text == "warm · 4:00 left"
    assert cache_state(five, "anthropic", "claude-sonnet-4-5", now=1402.0).text == "cold (expired 1 min ago)"
    hour = [make_turn(1, Usage(input_total=3012, cache_read=0, cache_write_5m=0, cache_write_1h=3000, output=9),
                      model="claude-sonnet-4-5", provider="anthropic", finished=1002.0)]
    state = cache_state(hour, "anthropic", "claude-sonnet-4-5", now=2802.0)
    assert (state.ttl_kind, state.text) == ("1h", "warm · 30:00 left")
    # a later hit (no new writes) refreshes the 1h entry from its own time
    hit = make_turn(2, Usage(input_total=3050, cache_read=3012, cache_write_5m=0, cache_write_1h=0, output=9),
                    model="claude-sonnet-4-5", provider="anthropic", started=3000.0, finished=3002.0)
    assert cache_state([*hour, hit], "anthropic", "claude-sonnet-4-5", now=6000.0).text == "warm · 10:02 left"
    assert cache_state([*hour, hit], "anthropic", "claude-sonnet-4-5", now=7262.0).text == "cold (expired 11 min ago)"
    assert cache_state([*hour, hit], "anthropic", "claude-sonnet-4-5", now=3002.0 + 2 * 86400).text == "cold (expired 1 d ago)"


def test_never_written_and_other_prefixes_or_models():
    assert cache_state([], "anthropic", "claude-sonnet-4-5", now=0).text == "never written"
    short = [make_turn(1, Usage(input_total=600, cache_read=0, cache_write_5m=0, cache_write_1h=0, output=9),
                       model="claude-sonnet-4-5", provider="anthropic")]
    assert cache_state(short, "anthropic", "claude-sonnet-4-5", now=1010.0).status == "never"  # below the minimum: nothing cached
    a = make_turn(1, Usage(input_total=4000, cache_read=0, output=9), fp="A", finished=1002.0)
    b = make_turn(2, Usage(input_total=500, cache_read=0, output=9), fp="B", persona="chef", finished=1100.0)
    assert cache_state([a, b], "openai", "gpt-4.1-mini", now=1200.0).status == "never"  # current prefix B: too short
    assert cache_state([a, b], "openai", "gpt-4.1-mini", now=1200.0, fingerprint="A").text == "warm · 6:42 left"
    assert cache_state([a], "openai", "gpt-4.1", now=1003.0).status == "never"  # another model's cache
    local = [make_turn(1, Usage(input_total=4000, output=9), provider="openai-compatible", model="llama3")]
    assert cache_state(local, "openai-compatible", "llama3", now=1003.0).text.startswith("cache ?")


# -- miss causes -----------------------------------------------------------------------

PREV = make_turn(1, Usage(input_total=3000, cache_read=0, cache_write_5m=0, output=100),
                 persona="assistant", fp="f1", started=1000.0, finished=1002.0)


def cur(cached: int | None = 0, input_total: int = 3200, **kw) -> Turn:
    kw.setdefault("started", 1060.0)
    return make_turn(2, Usage(input_total=input_total, cache_read=cached, cache_write_5m=0, output=90), **kw)


def test_no_cause_when_nothing_to_explain():
    assert miss_cause(None, cur(0), 1024) is None  # first turn
    assert miss_cause(PREV, cur(2944), 1024) is None  # 3000 rounded down to 128s: a full hit
    assert miss_cause(PREV, cur(None), 1024) is None  # the server reports no cache counters


@pytest.mark.parametrize("turn, code, text", [
    (cur(persona="chef", fp="f2"), "persona_changed", "persona changed (assistant → chef)"),
    (cur(persona="chef", fp="f2", model="gpt-4.1"), "persona_changed",
     "persona changed (assistant → chef, model gpt-4.1-mini → gpt-4.1)"),
    (cur(model="gpt-4.1"), "model_changed", "model changed (gpt-4.1-mini → gpt-4.1): each model has its own cache"),
    (cur(fp="f2"), "prefix_changed", "prefix changed (the persona's prompt, tools or response schema were edited)"),
    (cur(input_total=1500), "history_rewritten",
     "history rewritten (prompt 1,500 < 3,000 before: compaction or an edit)"),
    (cur(started=1002.0 + 700), "ttl_expired", "TTL expired (idle 11 min > 10 min)"),
    (cur(1024), "unknown", "unknown (provider-side)"),
])
def test_each_miss_cause_on_a_pair_of_turns(turn, code, text):
    cause = miss_cause(PREV, turn, 1024)
    assert (cause.code, cause.text) == (code, text)
    assert cause.expected == 2944 and cause.cached == turn.usage.cache_read


def test_prefix_below_the_minimum_and_anthropic_ttls():
    small = make_turn(1, Usage(input_total=900, cache_read=0, output=10), started=1000.0)
    cause = miss_cause(small, cur(0, input_total=1000), 1024)
    assert (cause.code, cause.text) == ("below_minimum", "prefix below the model's minimum (900 < 1,024 tokens)")
    sonnet = dict(model="claude-sonnet-4-5", provider="anthropic")
    wrote_5m = make_turn(1, Usage(input_total=3000, cache_read=0, cache_write_5m=2990, cache_write_1h=0, output=5),
                         finished=1002.0, **sonnet)
    wrote_1h = make_turn(1, Usage(input_total=3000, cache_read=0, cache_write_5m=0, cache_write_1h=2990, output=5),
                         finished=1002.0, **sonnet)
    later = cur(0, started=1002.0 + 900, **sonnet)
    assert miss_cause(wrote_5m, later, 1024).code == "ttl_expired"
    assert miss_cause(wrote_1h, later, 1024).code == "unknown"  # the 1h entry should have lived
    assert miss_cause(wrote_5m, cur(3000, started=1100.0, **sonnet), 1024) is None


def test_miss_causes_skips_failed_requests():
    failed = make_turn(2, Usage(input_total=3100, output=0, estimated=True), status="failed", started=1030.0)
    hit = make_turn(3, Usage(input_total=3200, cache_read=2944, output=50), started=1060.0)
    miss = make_turn(4, Usage(input_total=3300, cache_read=0, output=50), fp="f2", started=1090.0)
    assert [c and c.code for c in miss_causes([PREV, failed, hit, miss])] == [None, None, None, "prefix_changed"]


# -- before sending --------------------------------------------------------------------


def test_expected_turn_when_warm_and_when_cold():
    prev = make_turn(1, Usage(input_total=2000, cache_read=0, output=80), finished=1002.0)
    warm = cache_state([prev], "openai", "gpt-4.1-mini", now=1100.0)
    e = expected_turn(TokenCount(810, False), TokenCount(1500, False), prev, warm, *GPT)
    assert (e.prompt, e.cached_if_warm, e.cached, e.write) == (2310, 1920, 1920, 0)
    assert e.input_cost == pytest.approx((390 * 0.40 + 1920 * 0.10) / 1e6)
    assert e.text == "≈2,310 tok · ≈1,920 cached if warm · ≈$0.000348"
    assert "output" in e.note
    cold = cache_state([prev], "openai", "gpt-4.1-mini", now=5000.0)
    c = expected_turn(810, 1500, prev, cold, *GPT)
    assert c.input_cost == pytest.approx(2310 * 0.40 / 1e6)
    assert c.text == "≈2,310 tok · cache cold (≈1,920 cacheable) · ≈$0.000924"


def test_expected_turn_prices_anthropic_writes_and_short_prompts():
    prev = make_turn(1, Usage(input_total=3000, cache_read=0, cache_write_5m=3000, cache_write_1h=0, output=9),
                     model="claude-sonnet-4-5", provider="anthropic", finished=1002.0)
    state = cache_state([prev], "anthropic", "claude-sonnet-4-5", now=1100.0)
    e = expected_turn(1200, 2000, prev, state, *SONNET)
    assert (e.prompt, e.cached, e.write) == (3200, 3000, 200)
    assert e.input_cost == pytest.approx((3000 * 0.30 + 200 * 3.75) / 1e6)
    hour = expected_turn(1200, 2000, prev, state, *SONNET, cache_ttl="1h")
    assert hour.input_cost == pytest.approx((3000 * 0.30 + 200 * 6) / 1e6)
    first = expected_turn(100, 400, None, cache_state([], "openai", "gpt-4.1-mini", now=0), *GPT)
    assert first.text == "≈500 tok · below the 1,024 cache minimum · ≈$0.000200"
    unpriced = expected_turn(100, 400, None, None, "my-local-llama", "openai-compatible")
    assert unpriced.text.endswith("cost ?")


def test_provider_rules():
    assert insight.cacheable("openai", 3000, 1024) == 2944
    assert insight.cacheable("gemini", 3000, 2048) == 3000
    assert insight.cacheable("openai", 1000, 1024) == 0
    assert insight.reports_writes("openai", "gpt-5.6") and not insight.reports_writes("openai", "gpt-5.5")
    assert insight.simulated_writes("openai", "gpt-5.6", 3000, 1024, 1024) == 2944 - 1024
    assert insight.simulated_writes("anthropic", "claude-sonnet-5", 3000, 1024, 1024) == 1976
    assert insight.simulated_writes("gemini", "gemini-2.5-flash", 3000, 0, 2048) == 0
