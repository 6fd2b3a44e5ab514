"""`chattui stats` and `chattui whatif` on databases seeded through the real Store API
(and, for whatif, on a conversation actually run through the emulator)."""

from __future__ import annotations

import json
import time
from datetime import datetime

import pytest

import chattui.store.db as db_module
from chattui.cli import main
from chattui.core import tokens
from chattui.core.chat import ChatSession
from chattui.core.models import TurnMeta, TurnResult
from chattui.core.personas import load_personas
from chattui.core.pricing import price
from chattui.core.usage import Usage
from chattui.core.whatif import Target, tokenizer_family, what_if
from chattui.providers.registry import make_provider
from chattui.store import Store


def local(text: str) -> float:
    return time.mktime(datetime.strptime(text, "%Y-%m-%d %H:%M").timetuple())


class Clock:
    def __init__(self) -> None:
        self.now = local("2026-11-01 09:00")

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """The store's clock, so seeded turns land on chosen days and minutes."""
    fake = Clock()
    monkeypatch.setattr(db_module, "time", fake)
    return fake


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """A data dir with a config dir of its own (no user config, no .env)."""
    monkeypatch.setenv("CHATTUI_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.chdir(tmp_path)
    return tmp_path / "data"


def seed(store: Store, clock: Clock, conversation, text: str, usage: Usage, at: str, *,
         persona: str | None = "assistant", fp: str | None = "f1", host: str | None = None,
         reply: str = "Sure.", provider: str | None = None, model: str | None = None):
    clock.now = local(at)
    message = store.add_user_message(conversation.id, text)
    meta = TurnMeta(provider or conversation.provider, model or conversation.model, host,
                    persona, fp, "chat")
    turn = store.start_turn(conversation.id, message.id, meta)
    clock.now += 2
    cost = price(usage, meta.model, meta.provider).usd
    return store.finish_turn(turn, TurnResult("complete", reply, usage, cost))


@pytest.fixture
def seeded(data_dir, clock):
    """Three conversations over two days: OpenAI (a hit), Anthropic (a write, then a read
    that pays it back), a local model nobody prices."""
    store = Store(data_dir / "chattui.db")
    a = store.create_conversation("openai", "gpt-4.1-mini", "assistant")
    seed(store, clock, a, "first question " * 20, Usage(4000, 0, 0, None, 100, 0), "2026-11-01 10:00")
    seed(store, clock, a, "second question " * 20, Usage(4200, 3968, 0, None, 120, 30), "2026-11-01 10:01")
    b = store.create_conversation("anthropic", "claude-sonnet-4-5", "chef")
    seed(store, clock, b, "a recipe", Usage(3012, 0, 3000, 0, 10, None), "2026-11-02 09:00", persona="chef", fp="c1")
    seed(store, clock, b, "another", Usage(3100, 3000, 88, 0, 20, None), "2026-11-02 09:02", persona="chef", fp="c1")
    c = store.create_conversation("openai-compatible", "llama3", None, base_url_host="localhost")
    seed(store, clock, c, "hi", Usage(500, None, None, None, 50, None), "2026-11-02 12:00", persona=None,
         fp="l1", host="localhost")
    store.close()
    return {"a": a, "b": b, "c": c, "dir": data_dir}


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def rows(text: str) -> dict[str, list[str]]:
    """Table lines by their first cell (the last duplicate wins: the total of the last table)."""
    return {line.split()[0]: line.split()[1:] for line in text.splitlines()
            if line.strip() and not line.startswith("-")}


# -- stats -----------------------------------------------------------------------------
# per turn (USD per MTok): gpt-4.1-mini $0.40 in / $0.10 read / $1.60 out;
# claude-sonnet-4-5 $3 in / $0.30 read / $3.75 5m write / $15 out
#   t1 1,760e-6 (saved 0)   t2 681.6e-6 (saved 3,968 x 0.30 = 1,190.4e-6)
#   t3 11,436e-6 (saved -3,000 x 0.75 = -2,250e-6)   t4 1,566e-6 (saved 9,600 - 1,566 = 8,034e-6)
#   t5 unpriced (llama3 on localhost)


def test_stats_by_model_prints_spend_tokens_and_savings(seeded, capsys):
    code, out, _ = run(capsys, "stats", "--by", "model", "--data-dir", str(seeded["dir"]))
    assert code == 0
    table = rows(out)
    assert table["model"] == ["turns", "cost", "input", "cached", "hit", "write", "output", "saved"]
    assert table["claude-sonnet-4-5"] == ["2", "$0.0130", "6,112", "3,000", "49%", "3,088", "30", "$0.005784"]
    assert table["gpt-4.1-mini"] == ["2", "$0.002442", "8,200", "3,968", "48%", "0", "220", "$0.001190"]
    assert table["llama3"] == ["1", "?", "500", "0", "?", "0", "50", "?"]
    assert table["total"] == ["5", "$0.0154", "+1?", "14,812", "6,968", "49%", "3,088", "300", "$0.006974+?"]
    assert "1 turn(s) could not be priced" in out


def test_stats_shows_all_four_groupings_by_default(seeded, capsys):
    code, out, _ = run(capsys, "stats", "--data-dir", str(seeded["dir"]))
    assert code == 0
    heads = [line.split()[0] for line in out.splitlines() if line.split()[:2] and line.split()[1:2] == ["turns"]]
    assert heads == ["day", "model", "provider", "persona"]
    table = rows(out)
    assert table["2026-11-01"][:2] == ["2", "$0.002442"]
    assert table["2026-11-02"][:3] == ["3", "$0.0130", "+1?"]
    assert table["anthropic"][:2] == ["2", "$0.0130"]
    assert table["openai"][-1] == "$0.001190"
    assert table["chef"][-1] == "$0.005784"
    assert table["(none)"][:2] == ["1", "?"]  # a turn with no persona


def test_stats_since_and_json(seeded, capsys):
    code, out, _ = run(capsys, "stats", "--json", "--since", "2026-11-02", "--data-dir", str(seeded["dir"]))
    assert code == 0
    data = json.loads(out)
    assert data["since"] == "2026-11-02"
    assert [g["key"] for g in data["groups"]["day"]] == ["2026-11-02"]
    total = data["total"]
    assert (total["turns"], total["unpriced_turns"], total["input"], total["cached"]) == (3, 1, 6612, 3000)
    assert total["cost_usd"] == pytest.approx((11_436 + 1_566) / 1e6, abs=1e-12)
    assert total["saved_usd"] == pytest.approx((-2_250 + 8_034) / 1e6, abs=1e-12)
    assert total["savings_unknown_turns"] == 1
    persona = {g["key"]: g for g in data["groups"]["persona"]}
    assert persona["chef"]["hit_ratio"] == pytest.approx(3000 / 6112)
    assert persona["(none)"]["hit_ratio"] is None  # no cache counters: unknown, not 0%


def test_stats_counts_a_copied_turn_once(seeded, capsys):
    # a branch or an import copies turns with their usage and cost; the money was spent once
    store = Store(seeded["dir"] / "chattui.db")
    branch = store.create_conversation("anthropic", "claude-sonnet-4-5", "chef")
    with store.db:
        store.db.execute(
            "INSERT INTO turns (conversation_id, provider, model, persona, prefix_fingerprint, status,"
            " input_total, cache_read, cache_write_5m, cache_write_1h, output, cost_usd, started_at,"
            " finished_at) SELECT ?, provider, model, persona, prefix_fingerprint, status, input_total,"
            " cache_read, cache_write_5m, cache_write_1h, output, cost_usd, started_at, finished_at"
            " FROM turns WHERE conversation_id = ?", (branch.id, seeded["b"].id))
    store.close()
    _, out, _ = run(capsys, "stats", "--json", "--data-dir", str(seeded["dir"]))
    assert json.loads(out)["total"]["turns"] == 5


def test_stats_without_a_database(data_dir, capsys):
    code, _, err = run(capsys, "stats", "--data-dir", str(data_dir))
    assert code == 1 and "no turns" in err
    assert not (data_dir / "chattui.db").exists()
    code, out, _ = run(capsys, "stats", "--json", "--by", "day", "--data-dir", str(data_dir))
    assert code == 0 and json.loads(out)["groups"] == {"day": []}


# -- whatif ----------------------------------------------------------------------------


def test_whatif_on_the_same_model_reproduces_what_it_cost(seeded, capsys):
    code, out, _ = run(capsys, "whatif", seeded["a"].id, "--on", "openai:gpt-4.1-mini",
                       "--data-dir", str(seeded["dir"]))
    assert code == 0
    assert "actual $0.002442" in out
    assert "on openai:gpt-4.1-mini: $0.002442 · vs actual +$0 (+0%) · hit 48%" in out
    table = rows(out)
    assert table["1"] == ["4,000", "0", "0", "100", "$0.001760", "$0.001760"]
    assert table["2"] == ["4,200", "3,968", "0", "120", "$0.000682", "$0.000682"]
    assert table["total"] == ["8,200", "3,968", "0", "220", "$0.002442", "$0.002442"]


def test_whatif_other_providers_json(seeded, capsys):
    code, out, _ = run(capsys, "whatif", seeded["a"].id[:6], "--json", "--on",
                       "anthropic:claude-sonnet-4-5,gemini:gemini-2.5-flash,openai:gpt-5.6,"
                       "openai-compatible:my-local-llama", "--data-dir", str(seeded["dir"]))
    assert code == 0
    data = json.loads(out)
    assert data["actual_usd"] == pytest.approx(2441.6e-6)
    claude, gemini, gpt56, local_model = data["targets"]
    # re-counted (another tokenizer family): turn 1 writes it all, turn 2 reads turn 1's prompt
    t1, t2 = claude["per_turn"]
    assert claude["approx"] and t1["approx"]
    assert (t1["cached"], t1["cache_write_5m"]) == (0, t1["input"])
    assert t2["cached"] == t1["input"] and t2["cache_write_5m"] == t2["input"] - t1["input"]
    for t in claude["per_turn"]:
        u = Usage(t["input"], t["cached"], t["cache_write_5m"], t["cache_write_1h"], t["output"])
        assert t["cost_usd"] == pytest.approx(price(u, "claude-sonnet-4-5", "anthropic").usd, abs=1e-15)
    assert claude["cost_usd"] == pytest.approx(t1["cost_usd"] + t2["cost_usd"])
    assert claude["delta_usd"] == pytest.approx(claude["cost_usd"] - 2441.6e-6)
    # Gemini implicit caching (minimum 2,048): no writes, no rounding
    assert [t["cached"] for t in gemini["per_turn"]] == [0, gemini["per_turn"][0]["input"]]
    assert gemini["cache_write"] == 0
    # GPT-5.6: same tokenizer family as the source (stored counts), writes billed at 1.25x
    assert not gpt56["approx"]
    assert [(t["input"], t["cached"], t["cache_write_5m"]) for t in gpt56["per_turn"]] == [
        (4000, 0, 3968), (4200, 3968, 4096 - 3968)]
    assert local_model["cost_usd"] is None and "no price for my-local-llama" in local_model["reason"]


def test_whatif_table_marks_estimates_and_unknown_prices(seeded, capsys):
    code, out, _ = run(capsys, "whatif", seeded["a"].id, "--on", "anthropic:claude-sonnet-4-5,"
                       "openai-compatible:my-local-llama", "--data-dir", str(seeded["dir"]))
    assert code == 0
    assert "≈ prompts re-counted" in out
    assert ("on openai-compatible:my-local-llama: cost ? "
            "(genai-prices has no price for my-local-llama on openai-compatible)") in out
    assert rows(out)["total"][-3:] == ["cost", "?", "$0.002442"]


def test_whatif_expires_the_cache_between_distant_turns(data_dir, clock):
    store = Store(data_dir / "chattui.db")
    conv = store.create_conversation("openai", "gpt-4.1-mini", "assistant")
    seed(store, clock, conv, "q1", Usage(4000, 0, 0, None, 100, 0), "2026-11-01 10:00")
    seed(store, clock, conv, "q2", Usage(4100, 3968, 0, None, 100, 0), "2026-11-01 10:04")
    seed(store, clock, conv, "q3", Usage(4200, 0, 0, None, 100, 0), "2026-11-01 10:30")
    seed(store, clock, conv, "q4", Usage(4300, 4096, 0, None, 100, 0), "2026-11-01 10:38")
    turns, messages = store.turns(conv.id), store.messages(conv.id)
    openai, claude, claude_1h = what_if(
        turns, messages, [Target("openai", "gpt-4.1-mini"), Target("anthropic", "claude-sonnet-4-5"),
                          Target("anthropic", "claude-sonnet-4-5")],
        ttl_overrides={})[:2] + what_if(turns, messages, [Target("anthropic", "claude-sonnet-4-5")],
                                        ttl_overrides={"anthropic": 3600.0})
    # OpenAI idle window 10 min: the 26-minute gap loses the cache; 8 minutes does not
    assert [t.cached for t in openai.turns] == [0, 3968, 0, 4096]
    assert openai.cost == pytest.approx(openai.actual)
    # Anthropic 5-minute entries: only the 4-minute gap keeps them
    assert [t.cached > 0 for t in claude.turns] == [False, True, False, False]
    assert all(t.write == t.prompt - t.cached for t in claude.turns)
    assert [t.cached > 0 for t in claude_1h.turns] == [False, True, True, True]


def test_whatif_unknown_conversation_and_bad_target(seeded, capsys):
    code, _, err = run(capsys, "whatif", "zzzz", "--data-dir", str(seeded["dir"]))
    assert code == 1 and "no conversation 'zzzz'" in err
    code, _, err = run(capsys, "whatif", "last", "--on", "acme:model", "--data-dir", str(seeded["dir"]))
    assert code == 1 and "not a target" in err
    assert Target.parse("claude-sonnet-5") == Target("anthropic", "claude-sonnet-5")
    assert Target.parse("google:gemini-2.5-flash") == Target("gemini", "gemini-2.5-flash")
    assert tokenizer_family("openai-compatible", "gpt-4o") == tokenizer_family("openai", "gpt-4.1-mini")
    assert tokenizer_family("openai-compatible", "llama3") != tokenizer_family("openai-compatible", "qwen3")


async def ignore(_text: str) -> None:
    pass


async def test_whatif_on_five_turns_run_through_the_emulator(emulator, tmp_path, data_dir, capsys):
    store = Store(data_dir / "chattui.db")
    persona = load_personas(tmp_path, tmp_path).get("styleguide")  # a long, cacheable prefix
    session = ChatSession(store, make_provider("openai", "k", emulator.openai_base_url),
                          provider_name="openai", model="gpt-4.1-mini",
                          base_url=emulator.openai_base_url, persona=persona)
    for n in range(5):
        outcome = await session.send(f"Edit sentence {n}: the the quick brown fox.", ignore)
        assert outcome.turn.status == "complete"
    turns, messages = session.turns(), session.messages()
    assert all(t.usage.cache_read for t in turns[1:])  # realistic usage: the emulator cached
    store.close()
    code, out, _ = run(capsys, "whatif", "last", "--json", "--on",
                       "openai:gpt-4.1-mini,anthropic:claude-sonnet-5,gemini:gemini-2.5-flash,openai:gpt-5.6",
                       "--data-dir", str(data_dir))
    assert code == 0
    data = json.loads(out)
    actual = sum(t.cost_usd for t in turns)
    assert data["actual_usd"] == pytest.approx(actual)
    same, claude, gemini, gpt56 = data["targets"]
    # replayed on the model it ran on, the simulation reproduces the emulator's counts and cost
    assert [t["cached"] for t in same["per_turn"]] == [t.usage.cache_read for t in turns]
    assert [t["input"] for t in same["per_turn"]] == [t.usage.input_total for t in turns]
    assert same["cost_usd"] == pytest.approx(actual, abs=1e-12)
    assert same["delta_usd"] == pytest.approx(0, abs=1e-12)
    # Anthropic: prompts re-counted (persona prefix known by fingerprint), each turn reads
    # the previous prompt and writes the rest at 1.25x
    assert claude["approx"]
    prompts = [t["input"] for t in claude["per_turn"]]
    history = sum(tokens.count(m.content).n + 4 for m in messages[:-1])
    assert prompts[-1] == persona.prefix_tokens().n + history
    assert [t["cached"] for t in claude["per_turn"]] == [0, *prompts[:-1]]
    assert [t["cache_write_5m"] for t in claude["per_turn"]] == [
        prompts[0], *(b - a for a, b in zip(prompts, prompts[1:]))]
    assert claude["cost_usd"] == pytest.approx(sum(t["cost_usd"] for t in claude["per_turn"]))
    assert [t["cached"] for t in gemini["per_turn"]] == [0, *prompts[:-1]]
    assert [t["cache_write_5m"] for t in gpt56["per_turn"]][0] == turns[0].usage.input_total // 128 * 128
    assert all(t["cost_usd"] is not None for target in data["targets"] for t in target["per_turn"])


def seed_ping(store: Store, clock: Clock, conversation, usage: Usage, at: str):
    clock.now = local(at)
    meta = TurnMeta(conversation.provider, conversation.model, None, "chef", "c1", "messages")
    turn = store.start_side_turn(conversation.id, meta, "ping")
    cost = price(usage, meta.model, meta.provider).usd
    return store.finish_turn(turn, TurnResult("complete", "", usage, cost))


def test_a_keep_warm_ping_is_not_a_saving_and_whatif_leaves_it_out(seeded, clock, capsys):
    store = Store(seeded["dir"] / "chattui.db")
    ping = seed_ping(store, clock, seeded["b"], Usage(3100, 3100, 0, 0, 0, None), "2026-11-02 09:01")
    store.close()
    assert ping.cost_usd == pytest.approx(3100 * 0.30 / 1e6)  # $0.000930
    code, out, _ = run(capsys, "stats", "--by", "model", "--data-dir", str(seeded["dir"]))
    table = rows(out)
    # saved: 5,784e-6 on the real turns minus the ping's 930e-6 (its cache read is no saving)
    assert table["claude-sonnet-4-5"][-1] == "$0.004854"
    assert "keep-warm pings: 1, $0.000930 (in cost; subtracted from saved, they are not savings)" in out
    data = json.loads(run(capsys, "stats", "--json", "--by", "model", "--data-dir",
                          str(seeded["dir"]))[1])
    assert (data["total"]["pings"], data["total"]["ping_cost_usd"]) == (1, 0.00093)
    code, out, _ = run(capsys, "whatif", seeded["b"].id, "--on", "anthropic:claude-sonnet-4-5",
                       "--data-dir", str(seeded["dir"]))
    assert "ran 2 turn(s)" in out and "1 keep-warm ping(s) left out" in out
    assert "actual $0.0130" in out  # the two real turns only


def test_deleted_conversations_keep_their_spend_until_forgotten(seeded, capsys):
    before = json.loads(run(capsys, "stats", "--json", "--by", "model", "--data-dir",
                            str(seeded["dir"]))[1])["total"]
    code, out, _ = run(capsys, "rm", seeded["a"].id, "--data-dir", str(seeded["dir"]))
    assert code == 0 and "its spend stays in `chattui stats` (--forget erases it)" in out
    assert seeded["a"].id not in run(capsys, "ls", "--data-dir", str(seeded["dir"]))[1]
    after = json.loads(run(capsys, "stats", "--json", "--by", "model", "--data-dir",
                           str(seeded["dir"]))[1])
    assert (after["total"]["turns"], after["total"]["cost_usd"]) == (before["turns"], before["cost_usd"])
    assert after["total"]["saved_usd"] == before["saved_usd"]
    gpt = {e["key"]: e for e in after["groups"]["model"]}["gpt-4.1-mini"]
    assert (gpt["turns"], gpt["cost_usd"]) == (2, pytest.approx(0.0024416))
    # --forget on the deleted id erases the ledger rows as well
    code, out, _ = run(capsys, "rm", seeded["a"].id, "--forget", "--data-dir", str(seeded["dir"]))
    assert code == 0 and "forgot the spend of deleted conversation" in out
    gone = json.loads(run(capsys, "stats", "--json", "--data-dir", str(seeded["dir"]))[1])["total"]
    assert gone["turns"] == before["turns"] - 2
    code, out, _ = run(capsys, "rm", seeded["b"].id[:6], "--forget", "--data-dir", str(seeded["dir"]))
    assert "its usage and cost were erased too" in out
    assert json.loads(run(capsys, "stats", "--json", "--data-dir", str(seeded["dir"]))[1])[
        "total"]["turns"] == 1


def test_stats_chart_draws_spend_and_savings_per_day_and_model(seeded, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("LINES", "24")
    code, out, _ = run(capsys, "stats", "--chart", "--data-dir", str(seeded["dir"]))
    assert code == 0
    assert "Spend █ and cache savings ▒ per day" in out and "Spend █ and cache savings ▒ per model" in out
    assert "11-01" in out and "11-02" in out and "claude-sonn" in out  # labelled axes
    assert "$0.013" in out and "$0.0058" in out  # values on the bars (spend and savings)
    assert out.count("USD") == 2
    assert max(len(line) for line in out.splitlines()) <= 80
    assert out.rstrip().splitlines()[-1] == "total $0.0154 (+1 unpriced) over 5 turn(s) · saved $0.006974"


def test_stats_chart_in_a_terminal_too_narrow_prints_the_tables_and_says_why(seeded, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "10")  # plotext drew axes and labels, no bar
    code, out, _ = run(capsys, "stats", "--chart", "--data-dir", str(seeded["dir"]))
    assert code == 0 and out.startswith("(--chart needs 40 columns, this terminal has 10: the tables instead)")
    assert "Spend █" not in out and "total" in out
