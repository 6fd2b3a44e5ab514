"""Keep-warm: pings through the real anthropic SDK against the emulator, their price and
their limit, and the plan's arithmetic."""

from __future__ import annotations

import pytest

from chattui.config import PriceOverride as Rates
from chattui.core import glance, insight
from chattui.core.chat import ChatSession
from chattui.core.keepwarm import KeepWarm, Policy, economics
from chattui.core.personas import Persona
from chattui.core.pricing import price
from chattui.emulator import Fault, Reply
from chattui.providers.anthropic import AnthropicProvider
from chattui.providers.registry import make_provider
from chattui.store import Store
from tests.unit.sessions import ignore

MODEL = "claude-sonnet-5"  # the emulator caches prefixes from 1,024 tokens on
LONG = Persona(name="reader", system="You answer questions about this text.\n" + "ctx " * 1500)


@pytest.fixture
async def session(emulator, tmp_path):
    provider = AnthropicProvider("anthropic", "sk-ant-test", emulator.base_url, max_retries=0)
    chat = ChatSession(Store(tmp_path / "chat.db"), provider, provider_name="anthropic",
                       model=MODEL, base_url=emulator.base_url, persona=LONG)
    yield chat
    await provider.aclose()


async def test_a_ping_resends_the_last_request_with_max_tokens_0_and_reads_the_cache(session, emulator):
    emulator.queue(Reply(text="First answer."))
    await session.send("What is this text about?", ignore)
    keeper = KeepWarm(session, Policy(enabled=True, max_pings=3))

    outcome = await keeper.ping()

    turn_body, ping_body = (r.json for r in emulator.requests)
    assert ping_body["max_tokens"] == 0
    assert {k: v for k, v in ping_body.items() if k != "max_tokens"} == {
        k: v for k, v in turn_body.items() if k != "max_tokens"}
    assert outcome.turn.kind == "ping" and outcome.turn.status == "complete"
    usage = outcome.turn.usage
    assert usage.output == 0 and usage.cache_read == session.turns()[0].usage.input_total
    assert usage.cache_write == 0
    assert outcome.turn.cost_usd == price(usage, MODEL, "anthropic").usd > 0
    assert [m.role for m in session.messages()] == ["user", "assistant"]  # history untouched


async def test_pings_count_in_the_session_cost_and_keep_the_cache_warm(session, emulator):
    emulator.queue(Reply(text="First answer."))
    await session.send("What is this text about?", ignore)
    keeper = KeepWarm(session, Policy(enabled=True, max_pings=3))
    first = session.turns()[0]

    ping = (await keeper.ping()).turn

    turns = session.turns()
    summary = insight.session_summary(turns)
    assert summary.cost_usd == pytest.approx(first.cost_usd + ping.cost_usd)
    state = insight.cache_state(glance.cache_turns(turns), "anthropic", MODEL, ping.finished_at,
                                fingerprint=LONG.fingerprint())
    assert state.warm and state.last_at == ping.finished_at
    plan = keeper.plan(now=ping.finished_at)
    assert plan.at == pytest.approx(ping.finished_at + 300 - 30)
    assert plan.text(now=ping.finished_at).startswith("keep-warm 1/3 · next 4:30 · $")


async def test_pings_stop_at_the_limit_until_the_user_asks_again(session, emulator):
    emulator.queue(Reply(text="First answer."), Reply(text="Second answer."))
    await session.send("What is this text about?", ignore)
    keeper = KeepWarm(session, Policy(enabled=True, max_pings=2))

    await keeper.ping()
    await keeper.ping()

    plan = keeper.plan()
    assert plan.at is None and plan.reason == "keep-warm stopped: 2/2 pings used"
    keeper.new_stretch()
    await session.send("And the second part?", ignore)
    assert keeper.plan().at is not None
    assert [t.kind for t in session.turns()] == ["chat", "ping", "ping", "chat"]
    last = session.turns()[-1].usage
    assert last.cache_read and last.cache_read >= session.turns()[0].usage.input_total


async def test_the_next_turn_reads_the_cache_a_ping_kept_alive(session, emulator):
    emulator.queue(Reply(text="First answer."), Reply(text="Second answer."))
    await session.send("What is this text about?", ignore)
    keeper = KeepWarm(session, Policy(enabled=True))
    emulator.advance(270)  # 4.5 of the 5 minutes gone
    await keeper.ping()
    emulator.advance(270)  # 9 minutes after the turn: cold without the ping

    await session.send("And the second part?", ignore)

    first, _, second = session.turns()
    assert second.usage.cache_read >= first.usage.input_total


async def test_without_a_ping_the_same_wait_goes_cold(session, emulator):
    emulator.queue(Reply(text="First answer."), Reply(text="Second answer."))
    await session.send("What is this text about?", ignore)
    emulator.advance(540)

    await session.send("And the second part?", ignore)

    assert session.turns()[-1].usage.cache_read == 0


async def test_a_failed_ping_stops_keep_warm_with_the_reason(session, emulator):
    emulator.queue(Reply(text="First answer."), Fault.server_error())
    await session.send("What is this text about?", ignore)
    keeper = KeepWarm(session, Policy(enabled=True))

    outcome = await keeper.ping()

    assert outcome.turn.status == "failed"
    plan = keeper.plan()
    assert plan.at is None and plan.reason.startswith("keep-warm stopped: a ping failed (")


async def test_keep_warm_is_off_by_default_and_says_nothing(session, emulator):
    emulator.queue(Reply(text="First answer."))
    await session.send("What is this text about?", ignore)

    plan = KeepWarm(session, Policy()).plan()

    assert plan.at is None and plan.text() == ""


async def test_no_pings_when_the_cache_gives_no_discount(session, emulator):
    emulator.queue(Reply(text="First answer."))
    session.prices = {MODEL: Rates(input=3.0, output=15.0, cache_read=3.0, cache_write=3.0)}
    await session.send("What is this text about?", ignore)

    plan = KeepWarm(session, Policy(enabled=True)).plan()

    assert plan.at is None
    assert plan.reason == ("keep-warm idle: a ping ($0.004554) would cost more than it saves "
                           "($0)")


async def test_no_pings_on_a_provider_without_a_prewarm(emulator, tmp_path):
    provider = make_provider("openai", "sk-test", emulator.openai_base_url)
    chat = ChatSession(Store(tmp_path / "o.db"), provider, provider_name="openai",
                       model="gpt-4.1-mini", persona=LONG)
    emulator.queue(Reply(text="Hi."))
    await chat.send("Hello", ignore)

    plan = KeepWarm(chat, Policy(enabled=True)).plan()

    assert plan.at is None
    assert plan.reason == "keep-warm: not available on openai gpt-4.1-mini (prewarm needs GPT-5.6+)"
    assert KeepWarm(chat, Policy(enabled=True)).session.resend_request() is not None
    assert await KeepWarm(chat, Policy(enabled=True)).ping() is None
    assert len(emulator.requests) == 1  # nothing was sent
    await provider.aclose()


def test_economics_a_5m_ping_reads_at_a_tenth_and_saves_the_write():
    from chattui.core.models import Turn, TurnMeta
    from chattui.core.usage import Usage

    turn = Turn(1, "c", 1, 2, TurnMeta("anthropic", MODEL), "complete",
                Usage(input_total=10_000, cache_read=0, cache_write_5m=10_000, output=50),
                None, None, None, 0.0, 1.0)
    prices = {MODEL: Rates(input=3.0, output=15.0, cache_read=0.3, cache_write=3.75,
                           cache_write_1h=6.0)}

    five = economics(turn, "anthropic", MODEL, "5m", prices)
    hour = economics(turn, "anthropic", MODEL, "1h", prices)

    assert five.ping_cost == pytest.approx(10_000 * 0.3 / 1e6)
    assert five.saving == pytest.approx(10_000 * (3.75 - 0.3) / 1e6)
    assert hour.saving == pytest.approx(10_000 * (6.0 - 0.3) / 1e6)
