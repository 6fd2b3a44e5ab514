"""Cost truth away from the happy path (issue 14): contradictory usage, Gemini-compat
thinking, OpenRouter BYOK, loose model matching off the provider's hosts, overrides by
endpoint and pattern with derived cache rates. Payloads go through the adapters (as the
chunk's JSON the SDK's stream hands the Chat Completions adapter) into the stored turn and
the status-bar text."""

from __future__ import annotations

import pytest

from chattui.config import PriceOverride, load_settings
from chattui.core import report, usage as mapping
from chattui.core.chat import ChatSession
from chattui.core.events import TextDelta, UsageReported
from chattui.core.models import COMPLETE
from chattui.core.pricing import price
from chattui.core.usage import Usage
from chattui.emulator import Emulator, Reply
from chattui.providers.openai_chat import OpenAIChatProvider, _events
from chattui.store import Store

LOCAL = "http://localhost:11434/v1"


def sdk_usage(payload: dict) -> Usage:
    """A usage payload in the last chunk of a stream, mapped by the adapter."""
    (event,) = _events({"id": "chatcmpl-1", "choices": [], "usage": payload})
    assert isinstance(event, UsageReported)
    return event.usage


# -- contradictory usage -----------------------------------------------------------------

CONTRADICTORY = {"prompt_tokens": 1000, "completion_tokens": 50, "total_tokens": 1050,
                 "prompt_tokens_details": {"cached_tokens": 1200}}


def test_contradictory_usage_is_kept_flagged_and_priced_by_the_conservative_rule():
    usage = sdk_usage(CONTRADICTORY)
    assert (usage.input_total, usage.cache_read) == (1000, 1200)  # stored as reported
    assert usage.inconsistency == "usage inconsistent: cached 1,200 > prompt 1,000"
    cost = price(usage, "gpt-4.1-mini", "openai")
    # gpt-4.1-mini: $0.40 in, $0.10 cached, $1.60 out. Readings: all 1,000 uncached
    # ($0.000400) or 1,200 cached ($0.000120): the larger one is billed
    assert cost.usd == pytest.approx((1000 * 0.40 + 50 * 1.60) / 1e6)
    line = report.turn_line(usage, cost)
    assert line == ("⚠ usage inconsistent: cached 1,200 > prompt 1,000 · write ? · out 50 · "
                    "$0.000480 · price: genai-prices")


def test_contradictory_writes_take_the_dearer_reading():
    usage = Usage(input_total=1000, cache_read=0, cache_write_5m=2000, output=0)
    cost = price(usage, "claude-sonnet-4-5", "anthropic")
    assert cost.usd == pytest.approx(2000 * 3.75 / 1e6)  # 2,000 written at $3.75 > 1,000 at $3


class _Scripted:
    """A provider that streams one text piece and then the given usage."""

    name, api = "openai", "chat"

    def __init__(self, usage: Usage) -> None:
        self.usage = usage

    async def stream(self, request):
        yield TextDelta("The answer.")
        yield UsageReported(self.usage)


async def ignore(text: str) -> None:
    pass


async def test_a_billed_reply_with_contradictory_usage_is_stored_complete(tmp_path):
    session = ChatSession(Store(tmp_path / "c.db"), _Scripted(sdk_usage(CONTRADICTORY)),
                          provider_name="openai", model="gpt-4.1-mini")
    outcome = await session.send("hi", ignore)
    (turn,) = session.turns()
    assert turn.status == COMPLETE and turn.usage.cache_read == 1200
    assert turn.cost_usd == pytest.approx(480 / 1e6)
    assert session.messages()[-1].content == "The answer."
    assert outcome.cost.usd == turn.cost_usd


@pytest.mark.parametrize("payload, counts", [
    ({"prompt_tokens": 10**20, "completion_tokens": 5, "total_tokens": 10**20 + 5}, (None, 5)),
    ({"prompt_tokens": float("nan"), "completion_tokens": 5}, (None, 5)),  # int(nan) raised
    ({"prompt_tokens": float("inf"), "completion_tokens": 1e30}, (None, None)),
    ({"prompt_tokens": -5000, "completion_tokens": -3}, (None, None)),
    ({"prompt_tokens": "12", "completion_tokens": True}, (None, None)),
])
async def test_odd_counts_are_unknown_and_the_reply_is_stored_complete(tmp_path, payload, counts):
    usage = sdk_usage(payload)
    assert (usage.input_total, usage.output) == counts
    session = ChatSession(Store(tmp_path / "c.db"), _Scripted(usage),
                          provider_name="openai", model="gpt-4.1-mini")
    await session.send("hi", ignore)  # 10**20 could not be stored: the save failed, all of it
    (turn,) = session.turns()
    assert turn.status == COMPLETE and session.messages()[-1].content == "The answer."


@pytest.mark.parametrize("cost", ["NaN", "1e400", -7.5, float("inf")])
def test_a_gateway_cost_that_is_not_a_price_is_left_to_chattui(cost):
    usage = sdk_usage({"prompt_tokens": 10, "completion_tokens": 3, "total_tokens": 13, "cost": cost})
    assert usage.cost_reported is None  # $nan, $inf and $-7.50 were shown and stored


async def test_a_lone_surrogate_in_a_reply_is_stored_as_a_replacement_character(tmp_path):
    class HalfAnEmoji(_Scripted):
        async def stream(self, request):
            yield TextDelta("Hello \ud83d world")  # JSON may escape half an emoji
            yield UsageReported(self.usage)

    session = ChatSession(Store(tmp_path / "c.db"), HalfAnEmoji(Usage(input_total=10, output=5)),
                          provider_name="openai", model="gpt-4.1-mini")
    await session.send("hi", ignore)  # UnicodeEncodeError: the save failed, the reply was lost
    (turn,) = session.turns()
    assert turn.status == COMPLETE and session.messages()[-1].content == "Hello \ufffd world"


async def test_no_pricing_failure_leaves_a_turn_streaming(tmp_path, monkeypatch):
    import chattui.core.pricing as pricing

    def broken(*args, **kwargs):
        raise ValueError("cache_read_tokens cannot be greater than input_tokens")

    monkeypatch.setattr(pricing, "genai_calculation", broken)
    session = ChatSession(Store(tmp_path / "c.db"), _Scripted(Usage(input_total=10, output=5)),
                          provider_name="openai", model="gpt-4.1-mini")
    outcome = await session.send("hi", ignore)
    (turn,) = session.turns()
    assert turn.status == COMPLETE and turn.cost_usd is None
    assert outcome.cost.note == "pricing failed: cache_read_tokens cannot be greater than input_tokens"
    assert report.turn_line(turn.usage, outcome.cost).endswith("cost ? · price ?")


# -- Gemini's compatible endpoint: thinking only in total_tokens -------------------------

GEMINI_THINKING = {"prompt_tokens": 21, "completion_tokens": 10, "total_tokens": 91}


def test_gemini_thinking_outside_completion_tokens_is_billed_as_output():
    usage = sdk_usage(GEMINI_THINKING)
    assert (usage.output, usage.reasoning) == (70, 60)
    cost = price(usage, "gemini-2.5-flash", "gemini")
    assert cost.usd == pytest.approx((21 * 0.30 + 70 * 2.50) / 1e6)  # $0.30 in, $2.50 out
    assert "out 70 (+reasoning 60)" in report.turn_line(usage, cost)


def test_reasoning_already_inside_completion_tokens_is_not_added_twice():
    usage = sdk_usage({"prompt_tokens": 21, "completion_tokens": 70, "total_tokens": 91,
                       "completion_tokens_details": {"reasoning_tokens": 60}})
    assert (usage.output, usage.reasoning) == (70, 60)


def test_gemini_reasoning_reported_but_left_out_of_completion():
    usage = sdk_usage({"prompt_tokens": 21, "completion_tokens": 0, "total_tokens": 81,
                       "completion_tokens_details": {"reasoning_tokens": 60}})
    assert (usage.output, usage.reasoning) == (60, 60)


async def test_emulated_gemini_sends_the_real_shape_and_the_turn_bills_thinking(tmp_path):
    with Emulator() as emu:
        emu.queue(Reply(text="Short answer.", reasoning_tokens=400))
        provider = OpenAIChatProvider("gemini", "k", emu.gemini_base_url, max_retries=0)
        session = ChatSession(Store(tmp_path / "g.db"), provider, provider_name="gemini",
                              model="gemini-2.5-flash", base_url=emu.gemini_base_url)
        outcome = await session.send("Think first.", ignore)
        await provider.aclose()
        wire = emu.requests[0].usage
    assert wire["total_tokens"] == wire["prompt_tokens"] + wire["completion_tokens"] + 400
    assert "completion_tokens_details" not in wire
    (turn,) = session.turns()
    assert turn.usage.reasoning == 400
    assert turn.usage.output == wire["completion_tokens"] + 400
    assert turn.cost_usd == pytest.approx(
        (wire["prompt_tokens"] * 0.30 + turn.usage.output * 2.50) / 1e6)
    assert f"(+reasoning 400)" in report.turn_line(turn.usage, outcome.cost)


# -- OpenRouter BYOK ---------------------------------------------------------------------


def test_openrouter_byok_adds_the_upstream_bill_to_the_gateway_fee():
    usage = sdk_usage({"prompt_tokens": 194, "completion_tokens": 2, "total_tokens": 196,
                       "cost": 0.0005, "is_byok": True,
                       "cost_details": {"upstream_inference_cost": 0.01}})
    cost = price(usage, "anthropic/claude-sonnet-4.5", "openai-compatible",
                 base_url="https://openrouter.ai/api/v1")
    assert (cost.usd, cost.source) == (pytest.approx(0.0105), "reported")
    assert report.turn_line(usage, cost).endswith("$0.0105 · price: gateway")


def test_openrouter_without_byok_is_its_cost_alone():
    usage = sdk_usage({"prompt_tokens": 194, "completion_tokens": 2, "total_tokens": 196,
                       "cost": 0.01, "is_byok": False,
                       "cost_details": {"upstream_inference_cost": None}})
    assert usage.cost_reported == 0.01


async def test_emulated_openrouter_byok_turn_stores_fee_plus_upstream(tmp_path):
    with Emulator(openrouter_byok=True) as emu:
        provider = OpenAIChatProvider("openai-compatible", "k", emu.openrouter_base_url,
                                      max_retries=0)
        session = ChatSession(Store(tmp_path / "o.db"), provider,
                              provider_name="openai-compatible", model="openai/gpt-4.1-mini",
                              base_url=emu.openrouter_base_url)
        await session.send("hello", ignore)
        await provider.aclose()
        wire = emu.requests[0].usage
    assert wire["is_byok"] is True and wire["cost"] < wire["cost_details"]["upstream_inference_cost"]
    (turn,) = session.turns()
    assert turn.cost_usd == pytest.approx(wire["cost"] + wire["cost_details"]["upstream_inference_cost"])


# -- where loose matching is allowed -----------------------------------------------------


@pytest.mark.parametrize("model", ["deepseek-r1:8b", "gpt-oss-20b", "kimi-k2", "gpt-4o"])
def test_any_model_on_a_local_openai_compatible_server_is_unpriced(model):
    cost = price(Usage(input_total=1000, output=100), model, "openai-compatible", base_url=LOCAL)
    assert str(cost) == "cost ?" and cost.origin == "price ?"


def test_loose_names_are_priced_only_on_the_providers_own_host():
    usage = Usage(input_total=1000, output=100)
    dated = "claude-sonnet-4-5-20250929"  # genai-prices matches it by prefix only
    assert price(usage, dated, "anthropic").known
    assert price(usage, dated, "anthropic", base_url="https://api.anthropic.com").known
    assert not price(usage, dated, "anthropic", base_url="http://127.0.0.1:8080").known
    # an exact id is the provider's model wherever it is served (a proxy, the emulator)
    assert price(usage, "claude-sonnet-4-5", "anthropic", base_url="http://127.0.0.1:8080").known


def test_endpoint_and_pattern_overrides_say_where_the_price_came_from(tmp_path):
    (tmp_path / "config.toml").write_text(
        '[endpoints."localhost:11434"]\nprice = 0\n'
        '[prices."gpt-oss-*"]\ninput = 0.1\noutput = 0.5\ncache_read = 0.01\n'
        '[prices."claude-*"]\ninput = 3\noutput = 15\n')
    settings = load_settings({}, environ={"CHATTUI_CONFIG_DIR": str(tmp_path)}, cwd=tmp_path)
    assert settings.problems == ()
    usage = Usage(input_total=1000, cache_read=500, output=100)
    free = price(usage, "deepseek-r1:8b", "openai-compatible", settings.prices, LOCAL)
    assert (free.usd, free.origin) == (0, "price: endpoint localhost:11434")
    gw = "http://gateway.internal:4000/v1"
    oss = price(usage, "gpt-oss-20b", "openai-compatible", settings.prices, gw)
    assert oss.usd == pytest.approx((500 * 0.1 + 500 * 0.01 + 100 * 0.5) / 1e6)
    assert oss.origin == 'price: config (prices."gpt-oss-*")'
    # cache rates left out: Anthropic's published ratios (read 0.1x, 5m 1.25x, 1h 2x)
    claude = Usage(input_total=10_000, cache_read=6000, cache_write_5m=2000, cache_write_1h=1000,
                   output=100)
    cost = price(claude, "claude-opus-x", "openai-compatible", settings.prices, gw)
    assert cost.usd == pytest.approx(
        (1000 * 3 + 6000 * 0.3 + 2000 * 3.75 + 1000 * 6 + 100 * 15) / 1e6)


def test_an_override_without_a_cache_rate_nobody_publishes_is_refused():
    rates = {"my-model": PriceOverride(input=1.0, output=2.0)}
    cost = price(Usage(input_total=1000, cache_read=800, output=10), "my-model",
                 "openai-compatible", rates, LOCAL)
    assert cost.usd is None
    assert cost.note == ("config has no cache_read rate and no provider ratio is known for "
                         "my-model: add cache_read to it")
    # a turn that used no cache is priced
    assert price(Usage(input_total=1000, cache_read=0, output=10), "my-model",
                 "openai-compatible", rates, LOCAL).usd == pytest.approx((1000 + 20) / 1e6)


def test_openai_override_derives_the_family_read_ratio():
    rates = {"gpt-4o": PriceOverride(input=2.5, output=10.0)}
    cost = price(Usage(input_total=2000, cache_read=1024, output=0), "gpt-4o", "openai", rates)
    assert cost.usd == pytest.approx((976 * 2.5 + 1024 * 1.25) / 1e6)  # gpt-4o reads at 0.5x


# -- savings net of keep-warm pings; ≈ in the session total ------------------------------


def _turn(n, usage, cost, kind="chat"):
    from chattui.core.models import Turn, TurnMeta

    return Turn(id=n, conversation_id="c", user_message_id=None, reply_message_id=None,
                meta=TurnMeta("anthropic", "claude-sonnet-4-5"), status=COMPLETE, usage=usage,
                cost_usd=cost, response_id=None, error=None, started_at=1000.0 + n,
                finished_at=1001.0 + n, kind=kind)


def test_session_savings_are_net_of_pings_which_get_their_own_figure():
    from chattui.core.insight import session_summary

    real = Usage(input_total=3100, cache_read=3000, cache_write_5m=88, cache_write_1h=0, output=20)
    ping = Usage(input_total=3100, cache_read=3100, cache_write_5m=0, cache_write_1h=0, output=0)
    real_cost, ping_cost = price(real, "claude-sonnet-4-5", "anthropic").usd, 3100 * 0.3 / 1e6
    summary = session_summary([_turn(1, real, real_cost), _turn(2, ping, ping_cost, "ping")])
    assert summary.turns == 1 and summary.pings == 1
    # real turn saved 3,000 x (3 - 0.30) - 88 x 0.75 = 8,034e-6; the ping cost 930e-6
    assert summary.saved_usd == pytest.approx(8034e-6 - 930e-6)
    assert summary.text == "session $0.002496 · 1 turn · hit 97% · saved $0.007104 · pings 1 $0.000930"


def test_session_total_is_marked_approximate_when_a_turn_was_counted():
    from chattui.core.insight import session_summary

    counted = Usage(input_total=100, output=10, estimated=True)
    summary = session_summary([_turn(1, counted, price(counted, "claude-sonnet-4-5", "anthropic").usd)])
    assert summary.text.startswith("session ≈$0.000450 · 1 turn")


# -- turns a crash cut short are priced from chattui's count ------------------------------


def test_an_interrupted_turn_is_priced_from_an_estimate_and_marked(tmp_path):
    from chattui.core import tokens
    from chattui.core.estimates import price_interrupted
    from chattui.core.models import INTERRUPTED, TurnMeta

    store = Store(tmp_path / "c.db")
    conversation = store.create_conversation("openai", "gpt-4.1-mini")
    user = store.add_user_message(conversation.id, "long question " * 50)
    turn = store.start_turn(conversation.id, user.id, TurnMeta("openai", "gpt-4.1-mini"))
    store.save_partial(turn, "half an answer " * 20)
    store.close()  # as if the process died here

    reopened = Store(tmp_path / "c.db")
    assert price_interrupted(reopened) == 1
    (turn,) = reopened.turns(conversation.id)
    expected_in = tokens.count("long question " * 50).n + 4
    expected_out = tokens.count("half an answer " * 20).n
    assert turn.status == INTERRUPTED and turn.usage.estimated
    assert (turn.usage.input_total, turn.usage.output) == (expected_in, expected_out)
    assert turn.cost_usd == pytest.approx((expected_in * 0.40 + expected_out * 1.60) / 1e6)
    assert report.turn_line(turn.usage, price(turn.usage, "gpt-4.1-mini", "openai")).startswith(
        f"prompt ≈{expected_in:,}")
    assert price_interrupted(reopened) == 0  # once


@pytest.mark.parametrize("payload, read, write", [
    ({"prompt_tokens": 2000, "completion_tokens": 10, "total_tokens": 2010,
      "prompt_cache_hit_tokens": 1536, "prompt_cache_miss_tokens": 464}, 1536, None),  # DeepSeek
    ({"prompt_tokens": 2000, "completion_tokens": 10, "total_tokens": 2010,
      "cached_tokens": 1024}, 1024, None),  # Moonshot
    ({"prompt_tokens": 2000, "completion_tokens": 10, "total_tokens": 2010,
      "cache_read_input_tokens": 1500, "cache_creation_input_tokens": 400}, 1500, 400),  # LiteLLM
])
def test_cache_counters_other_openai_compatible_servers_send(payload, read, write):
    usage = sdk_usage(payload)
    assert (usage.input_total, usage.cache_read, usage.cache_write_5m) == (2000, read, write)


def test_an_endpoint_price_other_than_zero_is_reported_not_guessed(tmp_path):
    (tmp_path / "config.toml").write_text('[endpoints."localhost:11434"]\nprice = 2\n')
    settings = load_settings({}, environ={"CHATTUI_CONFIG_DIR": str(tmp_path)}, cwd=tmp_path)
    assert [str(p).split(": ", 1)[1] for p in settings.problems] == [
        'endpoints."localhost:11434".price: only `price = 0` (free) is allowed here; give rates '
        'as input/output/cache_* instead']
    assert not settings.prices
