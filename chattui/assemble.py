"""Building the chat for ChatApp: the store, the personas, the conversation, the provider
and the session (the work the first frame does not wait for when chattui starts)."""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from chattui.core.chaining import CHAINABLE_PROVIDERS, CHAINED, FULL
from chattui.core.chat import ChatSession
from chattui.core.estimates import price_interrupted
from chattui.core.keepwarm import Policy
from chattui.core.personas import PersonaLibrary, load_personas
from chattui.core.provider import PROVIDERS
from chattui.core.reopen import Reopened, Setup, reopen
from chattui.mcp_client.runtime import McpRuntime
from chattui.providers.registry import gemini_caches_for, make_provider
from chattui.store import Store, database_path
from chattui.trust import may_ask, untrusted_notice

if TYPE_CHECKING:
    from chattui.app import ChatApp
    from chattui.config import Settings
    from chattui.core.provider import Provider
    from chattui.screens.trust_prompt import TrustPrompt
    from chattui.trust import LocalFiles


def assemble(app: ChatApp, settings: Settings, store: Store | None = None,
             provider: Provider | None = None) -> None:
    """Open the store, load the personas, pick the conversation and the provider: give
    `app` its session and everything the chat screen asks it for."""
    store = store or Store(database_path(settings.data_dir))
    notices = [str(problem) for problem in settings.problems]
    cwd = app.cwd
    if notice := untrusted_notice(settings, cwd):
        notices.append(notice)

    def load_library() -> PersonaLibrary:
        """A directory trusted at start stays trusted for this run (persona edits are picked
        up live); the next start checks its contents again."""
        return load_personas(Path(settings.config_dir), cwd, local=settings.local_trusted)

    library = load_library()
    notices += [f"Persona file not loaded: {problem}" for broken in library.broken
                for problem in broken.problems]
    notices += [f"Personas: {problem}" for problem in library.problems]  # files that loaded
    unclaimed = [library]

    def library_now() -> PersonaLibrary:
        """The library read above, to the chat screen that asks first (read once at start-up);
        read afresh on every later call."""
        return unclaimed.pop() if unclaimed else load_library()

    persona = library.get(settings.persona)
    if persona is None:
        notices.append(f"No persona named '{settings.persona}'; using none.")
    model = _model_for(settings, persona, notices)
    conversation = _conversation(settings, store, notices)
    setup = Setup(settings.provider, model, settings.base_url, persona, settings.mode,
                  settings.image_detail)

    def reopener(conversation, library, flags) -> Reopened:
        reopened = reopen(store, conversation, library, setup, flags, settings.prices)
        if settings.emulator:  # the emulator of this run serves every provider
            url = settings.emulator_urls.get(reopened.setup.provider, reopened.setup.base_url)
            reopened.setup = replace(reopened.setup, base_url=url)
        if reopened.setup.mode == CHAINED and reopened.setup.provider not in CHAINABLE_PROVIDERS:
            reopened.notes.append(f"Chained mode needs the OpenAI Responses API; "
                                  f"{reopened.setup.provider} uses full mode.")
            reopened.setup = replace(reopened.setup, mode=FULL)
        return reopened

    def connect(setup: Setup) -> tuple[Provider | None, str | None]:
        if setup.provider not in PROVIDERS:  # a stored conversation's, from an older chattui
            return None, f"chattui does not know provider '{setup.provider}'"
        target = settings.for_provider(setup.provider, setup.base_url)
        hint = target.missing_key_hint()
        if hint is None:
            try:
                api = "responses" if setup.mode == CHAINED else "chat"
                return make_provider(setup.provider, target.api_key(), setup.base_url, api=api), None
            except ValueError as exc:
                hint = str(exc)
        if setup.provider != settings.provider:  # name the provider the conversation needs
            hint = f"This conversation uses {setup.provider}: {hint}"
        return None, hint

    reopened = reopener(conversation, library, settings.flags) if conversation else None
    if reopened is None and setup.mode == CHAINED and setup.provider not in CHAINABLE_PROVIDERS:
        notices.append(f"Chained mode needs the OpenAI Responses API; {settings.provider} uses full mode.")
        setup = replace(setup, mode=FULL)
    if reopened is not None:
        setup = reopened.setup
    unavailable = None
    if provider is None:
        provider, unavailable = connect(setup)
    if unavailable:
        notices.append(f"{unavailable}. You can still read your conversations.")
    if store.recovered:
        notices.append(f"{store.recovered} reply(s) were cut short when chattui last closed: "
                       "they are marked interrupted and priced from chattui's own count (≈); "
                       "ctrl+r asks again.")
    price_interrupted(store, settings.prices)
    session = ChatSession(
        store, provider, provider_name=setup.provider, model=setup.model,
        base_url=setup.base_url, persona=setup.persona, prices=settings.prices,
        secrets=settings.known_secrets(), conversation=conversation, unavailable=unavailable,
        mode=setup.mode, base_model=settings.model if reopened is None else setup.model,
        image_detail=setup.image_detail,
    )
    session.wait_for_choice(reopened.choice if reopened else None)
    session.default_reasoning = settings.reasoning

    def provider_for(mode: str) -> Provider:
        """The adapter that serves `mode` for the session's provider and base URL."""
        provider, why = connect(Setup(session.provider_name, session.model, session.base_url,
                                      session.persona, mode, session.image_detail))
        if provider is None:
            raise ValueError(why)
        return provider

    app.session, app.load_library, app.provider_for = session, library_now, provider_for
    app.notices[:0] = notices  # before the app's own (a theme it did not find)
    app.keep_warm = Policy(**settings.keep_warm)
    app.gemini_caches = gemini_caches_for(settings, store)
    app.mcp = McpRuntime(settings.mcp_servers, settings.data_dir)
    if notice and may_ask(settings):
        assert settings.trust_store is not None  # may_ask found one
        app.trust_prompt = partial(_trust_prompt, settings.local_files, settings.trust_store, notice)
    app.reopener, app.connect = reopener, connect

    def url_for(provider: str) -> str | None:
        """The base URL a switch to `provider` goes to."""
        if settings.emulator:
            return settings.emulator_urls.get(provider)
        if provider == session.provider_name:
            return session.base_url
        if provider == settings.provider:
            return settings.base_url
        return settings.provider_urls.get(provider)

    def switch_targets() -> list:
        """Models to offer besides the provider's list: each provider's default where it has
        a key, the personas' models, the models priced in config.toml."""
        from chattui.config import DEFAULT_MODELS
        from chattui.core.model_switch import Target

        out = [Target(name, model) for name, model in DEFAULT_MODELS.items()
               if settings.for_provider(name, url_for(name)).missing_key_hint() is None
               and (name != "openai-compatible" or url_for(name))]
        out += [Target(p.provider or session.provider_name, p.model) for p in load_library().personas if p.model]
        out += [Target(session.provider_name, model) for model in settings.prices]
        return out

    app.url_for, app.switch_targets = url_for, switch_targets
    app.model_abilities = settings.models
    app.reopen_notes = reopened.notes if reopened else []


def _trust_prompt(local: LocalFiles, store: Path, notice: str) -> TrustPrompt:
    from chattui import trust
    from chattui.screens.trust_prompt import TrustPrompt

    return TrustPrompt(trust.prompt_text(notice), partial(trust.allow, local, store),
                       partial(trust.ignore, local, store))


def _model_for(settings: Settings, persona, notices: list[str]) -> str:
    """The persona's model when it names one for this provider and the user chose none."""
    from chattui.config import DEFAULT_MODELS

    if persona is None or not persona.model:
        return settings.model
    if persona.provider not in (None, settings.provider):
        notices.append(f"Persona {persona.name} is made for {persona.provider}; "
                       f"start with --provider {persona.provider} to use its model.")
        return settings.model
    return persona.model if settings.model == DEFAULT_MODELS[settings.provider] else settings.model


def _conversation(settings: Settings, store: Store, notices: list[str]):
    if settings.conversation:
        found = store.get_conversation(settings.conversation)
        if found is None:
            notices.append(f"No conversation '{settings.conversation}': starting a new one.")
        return found
    if settings.continue_last:
        found = store.latest_conversation()
        if found is None:
            notices.append("No earlier conversation to continue: starting a new one.")
        return found
    return None
