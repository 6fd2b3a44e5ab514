"""core.model_switch.lacks and core.capabilities: before a switch the user is told every
feature the conversation uses that the new model cannot take (images, tools, chained mode)."""

from chattui.core.attachments import Attachment
from chattui.core.capabilities import Abilities, abilities
from chattui.core.chat import ChatSession
from chattui.core.model_switch import Target, consequences, lacks
from chattui.core.personas import Persona
from chattui.core.tools import Tool
from chattui.store import Store

LOOKUP = Tool("lookup", "Look a word up.", {"type": "object", "properties": {}})
IMAGE = Attachment("url", "https://example.com/cat.png", "image/png")


def session(persona: Persona | None = None, mode: str = "full") -> ChatSession:
    return ChatSession(Store(":memory:"), None, provider_name="openai", model="gpt-4.1-mini",
                       persona=persona, mode=mode)


def with_history(chat: ChatSession, attachments: tuple = ()) -> ChatSession:
    chat.conversation = chat.store.create_conversation("openai", "gpt-4.1-mini", None)
    chat.store.add_user_message(chat.conversation.id, "look", attachments)
    return chat


def test_known_families_and_config_overrides_say_what_a_model_takes():
    assert abilities("gpt-4.1-mini") == Abilities()  # unknown lacks are never claimed
    assert abilities("gpt-3.5-turbo") == Abilities(images=False)
    assert abilities("openai/GPT-3.5-Turbo-0125").images is False  # gateway prefix, any case
    assert abilities("o1-mini") == Abilities(images=False, tools=False)
    overrides = {"my-*": Abilities(tools=False), "my-vision": Abilities()}
    assert abilities("my-local", overrides) == Abilities(tools=False)
    assert abilities("my-vision", overrides) == Abilities()  # an exact name beats a pattern


def test_nothing_is_lacking_when_the_conversation_uses_nothing_special():
    assert lacks(with_history(session()), Target("openai", "o1-mini")) == []


def test_images_in_the_history_or_the_composer_are_named():
    chat = with_history(session(), (IMAGE,))
    assert lacks(chat, Target("openai", "gpt-3.5-turbo")) == [
        "images (1 in this conversation: gpt-3.5-turbo cannot read them)"]
    assert lacks(chat, Target("anthropic", "claude-sonnet-5")) == []
    fresh = with_history(session())
    assert lacks(fresh, Target("openai", "gpt-3.5-turbo"), attached=2) == [
        "images (2 in this conversation: gpt-3.5-turbo cannot read them)"]


def test_persona_and_mcp_tools_are_named():
    chat = session(Persona(name="tooly", system="s", tools=(LOOKUP,)))
    assert lacks(chat, Target("openai", "o1-mini")) == [
        "tools (lookup: o1-mini cannot call them)"]
    chat.server_tools = {"files": (Tool("read_file", "Read.", {"type": "object"}),)}
    assert "read_file" in lacks(chat, Target("openai", "o1-mini"))[0]
    assert lacks(chat, Target("openai", "gpt-4.1")) == []
    overrides = {"gpt-4.1": Abilities(tools=False)}
    assert lacks(chat, Target("openai", "gpt-4.1"), overrides=overrides)[0].startswith("tools (lookup")


def test_every_lack_is_in_the_question_before_the_switch():
    chat = with_history(session(Persona(name="tooly", system="s", tools=(LOOKUP,)), "chained"),
                        (IMAGE,))
    question = consequences(chat, Target("anthropic", "claude-2.1"))
    assert ("The new one lacks: images (1 in this conversation: claude-2.1 cannot read them), "
            "tools (lookup: claude-2.1 cannot call them), chained mode (it continues in full mode)."
            ) in question


def test_config_models_tables_declare_what_a_model_takes(tmp_path):
    from chattui.config import load_settings

    (tmp_path / "config.toml").write_text(
        '[models."my-local-*"]\nimages = false\ntools = false\n'
        '[models."my-vision"]\nimages = true\nvideo = false\n'
        '[models."odd"]\ntools = "no"\n')
    settings = load_settings({}, {"CHATTUI_CONFIG_DIR": str(tmp_path),
                                  "CHATTUI_DATA_DIR": str(tmp_path / "data")}, tmp_path)
    assert settings.models == {"my-local-*": Abilities(images=False, tools=False),
                               "my-vision": Abilities(), "odd": Abilities()}
    problems = [p.message for p in settings.problems]
    assert 'models.my-vision.video: unknown key; expected one of: images, tools' in problems
    assert 'models.odd.tools: expected true or false, got string' in problems
    assert abilities("my-local-7b", settings.models) == Abilities(images=False, tools=False)
