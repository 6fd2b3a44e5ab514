"""core.reopen and the stored prefixes: what a reopened conversation sends, decided from
its last turn, never from the start-up settings."""

import hashlib

from chattui.core import prefix
from chattui.core.models import TurnMeta
from chattui.core.personas import Persona, PersonaLibrary
from chattui.core.reopen import Setup, reopen
from chattui.store import Store

STYLE = Persona(name="style", system="Follow the house style. " * 200, params={"temperature": 0.3})
NOW = Setup("openai", "gpt-4.1-mini", None, None, "full", "auto")


def stored(store: Store, persona: Persona, provider="anthropic", model="claude-sonnet-5",
           base_url="http://127.0.0.1:9/x"):
    conversation = store.create_conversation(provider, model, persona.name)
    user = store.add_user_message(conversation.id, "hi")
    body = prefix.stored_body(persona.system, persona.tools, persona.params, persona.cache_ttl)
    meta = TurnMeta(provider, model, "127.0.0.1", persona.name, persona.fingerprint(), "messages",
                    prefix_hash=store.save_prefix(body), base_url=base_url, image_detail="low")
    store.start_turn(conversation.id, user.id, meta)
    return conversation


def library(*personas: Persona) -> PersonaLibrary:
    return PersonaLibrary(personas=tuple(personas))


def test_a_prefix_is_stored_once_under_its_sha256():
    store = Store(":memory:")
    body = prefix.stored_body("sys", (), {}, None)
    assert store.save_prefix(body) == store.save_prefix(body) == hashlib.sha256(body).hexdigest()
    assert store.db.execute("SELECT count(*) FROM request_prefixes").fetchone()[0] == 1
    assert store.get_prefix(hashlib.sha256(body).hexdigest()) == body


def test_reopen_takes_everything_from_the_last_turn():
    store = Store(":memory:")
    conversation = stored(store, STYLE)
    result = reopen(store, conversation, library(STYLE), NOW)
    setup = result.setup
    assert (setup.provider, setup.model, setup.base_url, setup.image_detail) == (
        "anthropic", "claude-sonnet-5", "http://127.0.0.1:9/x", "low")
    assert setup.persona == STYLE and result.choice is None and result.notes == []


def test_a_deleted_persona_comes_back_from_its_bytes_and_waits_for_a_choice():
    store = Store(":memory:")
    conversation = stored(store, STYLE)
    result = reopen(store, conversation, library(), NOW)
    assert result.setup.persona.prefix_bytes() == STYLE.prefix_bytes()
    assert dict(result.setup.persona.params) == {"temperature": 0.3}
    assert "Persona 'style' no longer exists" in result.choice.reason
    assert result.choice.stored is result.setup.persona and result.choice.on_disk is None


def test_flags_win_and_each_change_says_what_it_costs():
    store = Store(":memory:")
    conversation = stored(store, STYLE)
    plain = Persona(name="plain", system="Be plain.")
    result = reopen(store, conversation, library(STYLE, plain),
                    NOW, {"model": "claude-opus-5", "persona": "plain"})
    assert result.setup.model == "claude-opus-5" and result.setup.persona == plain
    assert result.notes[0].startswith("--model claude-opus-5 replaces claude-sonnet-5: the cache "
                                      "starts cold: the next turn writes ")
    assert result.notes[1].startswith("--persona plain replaces style: the cache starts cold")
    same = reopen(store, conversation, library(STYLE), NOW, {"model": "claude-sonnet-5"})
    assert same.notes == []  # a flag equal to what was stored changes nothing


def test_switch_candidates_list_the_endpoint_first_then_the_configured_without_repeats():
    from chattui.core.model_switch import Target, candidates

    current = Target("openai", "gpt-4.1-mini")
    listed = ["gpt-4.1-mini", "gpt-5.5", "gpt-4.1-nano"]
    configured = [Target("anthropic", "claude-sonnet-5"), Target("openai", "gpt-5.5")]
    assert [t.label for t in candidates(current, listed, configured)] == [
        "openai · gpt-5.5", "openai · gpt-4.1-nano", "anthropic · claude-sonnet-5"]


def test_a_model_is_gone_only_when_the_list_and_the_config_both_lack_it():
    from chattui.core.reopen import model_gone

    gone = model_gone("openai", "gpt-retired-1", ["gpt-4.1-mini", "gpt-4o"], ["gpt-4.1-mini"])
    assert gone.kind == "model" and gone.reason.startswith(
        "Model 'gpt-retired-1' no longer exists on openai: choose a model (F11, palette: "
        "Switch model…) before sending. Its models list does not name it")
    assert model_gone("openai", "gpt-retired-1", [], ["gpt-retired-1"]) is None  # configured
    assert model_gone("anthropic", "claude-x-4-5", ["claude-x-4-5-20250929"], []) is None
    assert model_gone("anthropic", "claude-x-4-5-latest", ["claude-x-4-5-20250929"], []) is None
    assert model_gone("openai", "gpt-4o", ["gpt-4o-mini"], []) is not None  # not a snapshot of it
    assert model_gone("gemini", "gemini-9-pro", ["models/gemini-9-pro"], []) is None
    assert model_gone("openai-compatible", "anything", ["local.gguf"], []) is None


def test_choices_waiting_together_are_made_one_by_one():
    from chattui.core.reopen import Choice, combine, without

    persona = Choice("Persona 'p' no longer exists.", stored=STYLE)
    model = Choice("Model 'm' no longer exists.", kind="model")
    both = combine(model, persona)
    assert both.reason == "Model 'm' no longer exists. Persona 'p' no longer exists."
    assert both.stored is STYLE and both.kinds == {"model", "persona"}
    assert without(both, "model") == persona
    assert without(both, "persona") == model
    assert without(without(both, "persona"), "model") is None
    assert combine(None, model) is model and combine() is None


def test_a_provider_flag_also_settles_a_model_choice():
    from chattui.core.reopen import flag_chose_model

    store = Store(":memory:")
    conversation = stored(store, STYLE)
    result = reopen(store, conversation, library(STYLE), NOW, {"model": "claude-other"})
    assert flag_chose_model(result.notes) and not flag_chose_model([])


def test_keeping_the_stored_prefix_still_waits_for_a_model_then_a_switch_goes_on():
    from chattui.core.chat import ChatSession
    from chattui.core.reopen import Choice, combine

    chat = ChatSession(Store(":memory:"), None, provider_name="openai", model="gpt-retired-1")
    model = Choice("Model 'gpt-retired-1' no longer exists.", kind="model")
    chat.wait_for_choice(combine(model, Choice("Persona gone.", stored=STYLE)))
    chat.keep_stored_prefix()
    assert chat.persona is STYLE and chat.choice == model
    chat.switch_model("openai", "gpt-4.1-mini", None, None)
    assert chat.choice is None and chat.model == "gpt-4.1-mini"
