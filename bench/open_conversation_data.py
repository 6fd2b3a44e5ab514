"""Data for benchmarks: deterministic English-like chat text, and one long conversation.

* `Text(seed)`: words drawn from a Zipf-weighted vocabulary of real English (common words
  first, topic words and a long tail of rarer ones), as questions, sentences, paragraphs
  and Markdown replies (headings, lists, code fences, tables, quotes, emphasis).
* `make_conversation(store, messages=5000)`: seeds ONE conversation through the real Store
  API (add_user_message / start_turn / finish_turn, so titles, turns, timestamps and the
  search index are exactly what the app writes): alternating user questions and Markdown
  replies, each turn with usage (a prompt that grows with the history, mostly cached),
  cost, response id and timings. Same seed, same text.

Usage: /tmp/venv/bin/python bench/open_conversation_data.py PATH [--messages 5000] [--seed 7]
PATH is a database file, or a folder (the file is then PATH/chattui.db, what `--data-dir
PATH` opens). Prints the conversation id. Refuses to touch an existing database.
"""

from __future__ import annotations

import argparse
import itertools
import random
import sys
from pathlib import Path

import _common  # noqa: F401  (sys.path and CHATTUI_TOKENIZER before chattui loads)

from chattui.core.models import COMPLETE, TurnMeta, TurnResult
from chattui.core.usage import Usage

COMMON = """the of and to a in is it you that he was for on are with as I his they be at one
have this from or had by not word but what some we can out other were all there when up use
your how said an each she which do their time if will way about many then them write would
like so these her long make thing see him two has look more day could go come did number
sound no most people my over know water than call first who may down side been now find any
new work part take get place made live where after back little only round man year came show
every good me give our under name very through just form sentence great think say help low
line differ turn cause much mean before move right boy old too same tell does set three want
air well also play small end put home read hand port large spell add even land here must big
high such follow act why ask men change went light kind off need house picture try us again
animal point mother world near build self earth father head stand own page should country
found answer school grow study still learn plant cover food sun four between state keep eye
never last let thought city tree cross farm hard start might story saw far sea draw left late
run while press close night real life few north open seem together next white children begin
got walk example ease paper group always music those both mark often letter until mile river
car feet care second book carry took science eat room friend began idea fish mountain stop
once base hear horse cut sure watch color face wood main enough plain girl usual young ready
above ever red list though feel talk bird soon body dog family direct pose leave song measure
door product black short numeral class wind question happen complete ship area half rock
order fire south problem piece told knew pass since top whole king space heard best hour
better true during hundred five remember step early hold west ground interest reach fast verb
sing listen six table travel less morning ten simple several vowel toward war lay against
pattern slow center love person money serve appear road map rain rule govern pull cold notice
voice unit power town fine certain fly fall lead cry dark machine note wait plan figure star
box noun field rest correct able pound done beauty drive stood contain front teach week final
gave green oh quick develop ocean warm free minute strong special mind behind clear tail
produce fact street inch multiply nothing course stay wheel full force blue object decide
surface deep moon island foot system busy test record boat common gold possible plane stead
dry wonder laugh thousand ago ran check game shape equate miss brought heat snow tire bring
yes distant fill east paint language among""".split()

TOPICS = """database query index table column row transaction commit rollback cache cached
caching latency throughput request response server client token tokens prompt model reply
stream streaming budget cost price invoice refund order delivery shipping package customer
account password login session cookie browser terminal keyboard shortcut window screen layout
widget render markdown heading paragraph function variable argument parameter return value
loop iterator generator exception error warning debug logging test fixture benchmark profile
memory allocation garbage collector thread process async await event queue worker scheduler
python rust javascript typescript golang kotlin swift compiler interpreter runtime library
package module import export archive backup restore migration schema sqlite postgres redis
recipe soup salad bread butter garlic onion tomato pepper salt sugar flour oven pan boil bake
roast grill simmer season flavour spicy sweet sour bitter umami breakfast lunch dinner dessert
hiking trail summit valley glacier forest meadow lake campsite tent backpack boots weather
forecast storm sunshine itinerary flight train hotel museum gallery castle harbour market
budget savings mortgage interest dividend portfolio stock bond inflation salary pension tax
exercise workout running cycling swimming stretching protein calories sleep recovery injury
garden compost seedling pruning watering soil fertilizer tomatoes roses hedge lawn mower
guitar piano melody rhythm chord scale tempo concert album lyrics choir violin drums
""".split()

RARE = """axolotl quokka platypus okapi narwhal pangolin zeppelin kaleidoscope serendipity
ephemeral quixotic labyrinth obsidian marzipan saffron cardamom tamarind sourdough kombucha
fjord tundra caldera monsoon aurora equinox solstice nebula quasar pulsar tachyon
idempotent monotonic memoization backpressure linearizable bikeshedding yak""".split()

_SYLLABLES = ("ka", "lo", "mi", "tra", "ven", "dor", "sel", "qui", "bra", "nto", "pel", "zu",
              "gar", "fen", "ost", "rim", "vel", "ush", "per", "ix")


def _tail(n: int) -> list[str]:
    """`n` made-up but pronounceable words: the long tail (names, jargon, typos) real
    chats have, so the index holds many terms that occur only a few times."""
    words = ("".join(p) for k in (2, 3) for p in itertools.product(_SYLLABLES, repeat=k))
    return list(itertools.islice(words, n))


_REAL = COMMON + TOPICS
VOCABULARY = _REAL + _tail(6000) + RARE
_WEIGHTS = list(itertools.accumulate(  # Zipf-like; the made-up tail and RARE are ~5% of words
    (1.0 if rank < len(_REAL) else 0.15) / (rank + 2.7) for rank in range(len(VOCABULARY))))
_LANGS = ("python", "bash", "sql", "json", "rust")


class Text:
    """Deterministic English-like text; every call advances one seeded generator."""

    def __init__(self, seed: int = 7) -> None:
        self.rng = random.Random(seed)

    def words(self, n: int) -> list[str]:
        return self.rng.choices(VOCABULARY, cum_weights=_WEIGHTS, k=n)

    def sentence(self, low: int = 6, high: int = 20) -> str:
        words = self.words(self.rng.randint(low, high))
        if self.rng.random() < 0.15:
            words.insert(self.rng.randrange(len(words)), self.rng.choice(TOPICS))
        text = " ".join(words)
        if self.rng.random() < 0.2:  # a clause
            text += ", " + " ".join(self.words(self.rng.randint(3, 8)))
        return text[0].upper() + text[1:] + self.rng.choice(".....!?")

    def paragraph(self, low: int = 2, high: int = 6) -> str:
        return " ".join(self.sentence() for _ in range(self.rng.randint(low, high)))

    def question(self) -> str:
        lead = self.rng.choice(("How do I", "Why does", "Can you explain", "What is the best way to",
                                "Could you help me", "Is it true that", "Compare", "Write"))
        text = f"{lead} {' '.join(self.words(self.rng.randint(4, 18)))}?"
        if self.rng.random() < 0.3:
            text += " " + self.paragraph(1, 3)
        return text

    def markdown_reply(self) -> str:
        """A reply as models write them; now and then a very long one."""
        rng = self.rng
        blocks = [self.paragraph(1, 3)]
        for _ in range(rng.choice((1, 2, 2, 3, 3, 4, 6, 12)) if rng.random() < 0.97 else 40):
            kind = rng.random()
            if kind < 0.35:
                blocks.append(self.paragraph())
            elif kind < 0.5:
                blocks.append(f"{'#' * rng.randint(2, 3)} {self.sentence(2, 5).rstrip('.!?')}")
            elif kind < 0.65:
                bullet = rng.choice(("-", "*", "1."))
                blocks.append("\n".join(
                    f"{bullet} **{self.words(1)[0]}**: {self.sentence(4, 12)}"
                    for _ in range(rng.randint(2, 6))))
            elif kind < 0.8:
                lang = rng.choice(_LANGS)
                lines = [f"{w}_{i} = {rng.randint(0, 999)}  # {' '.join(self.words(3))}"
                         for i, w in enumerate(self.words(rng.randint(2, 12)))]
                blocks.append(f"```{lang}\n" + "\n".join(lines) + "\n```")
            elif kind < 0.9:
                header = self.words(3)
                rows = [f"| {' | '.join(self.words(3))} |" for _ in range(rng.randint(2, 6))]
                blocks.append("\n".join([f"| {' | '.join(header)} |", "|---|---|---|", *rows]))
            else:
                blocks.append("> " + self.sentence() + f" Use `{self.words(1)[0]}()` _carefully_.")
        return "\n\n".join(blocks)


def make_conversation(store, messages: int = 5000, seed: int = 7, model: str = "gpt-4.1-mini"):
    """Seed one conversation of `messages` messages (user/assistant alternating; an odd
    count ends on a question) through the real Store API; return the Conversation."""
    text = Text(seed)
    conversation = store.create_conversation("openai", model, "assistant", "full", "api.openai.com")
    meta = TurnMeta("openai", model, "api.openai.com", "assistant", "bench-prefix", "chat")
    prompt = 1200  # system prompt + tools
    for i in range(0, messages, 2):
        question = text.question()
        user = store.add_user_message(conversation.id, question)
        prompt += len(question) // 4
        if i + 1 >= messages:
            break
        reply = text.markdown_reply()
        out = max(1, len(reply) // 4)
        cached = (prompt // 1024) * 1024 if i else 0
        usage = Usage(input_total=prompt, cache_read=cached, cache_write_5m=0, output=out)
        cost = ((prompt - cached) * 0.4 + cached * 0.1 + out * 1.6) / 1_000_000
        turn = store.start_turn(conversation.id, user.id, meta)
        store.finish_turn(turn, TurnResult(
            COMPLETE, reply, usage, round(cost, 9), f"chatcmpl-{i // 2:06d}", finish_reason="stop",
            first_token_ms=200.0 + text.rng.random() * 600, duration_ms=500.0 + out * 8.0,
        ))
        prompt = min(prompt + out, 200_000)  # the client trims history past this
    return store.get_conversation(conversation.id)


def main(argv: list[str] | None = None) -> int:
    from chattui.store import Store

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", help="database file, or a folder to hold chattui.db")
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    path = Path(args.path)
    if path.is_dir() or not path.suffix:
        path = path / "chattui.db"
    if path.exists():
        print(f"{path} exists; give a new path", file=sys.stderr)
        return 1
    store = Store(path)
    conversation = make_conversation(store, args.messages, args.seed)
    store.close()
    print(conversation.id)
    return 0


if __name__ == "__main__":
    sys.exit(main())
