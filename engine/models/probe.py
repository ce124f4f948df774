"""Probes of API servers before a run spends: reachable, key accepted, model id known.

One probe per distinct server (backend, base_url, key variable), through the backend's own SDK:
OpenAI-compatible servers list their models (`GET /v1/models`; an id the list lacks is asked for by
`GET /v1/models/<id>`, for providers whose list is partial); Anthropic retrieves each model
(`GET /v1/models/<id>`, which takes aliases). Nothing is generated, so a probe costs nothing. A
refusal is a BackendError naming the server, who uses it and the cause; the key never appears.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from engine.models.api import PLACEHOLDER_KEY, Scrubber, describe, resolve_api_key
from engine.models.base import BackendError

if TYPE_CHECKING:
    from engine.config import ModelSpec

PROBE_TIMEOUT_S = 10.0  # a probe waits at most this long (or the spec's own timeout, if shorter)


def openai(named: Mapping[str, ModelSpec]) -> None:
    """Probe the OpenAI-compatible servers of `named` (who -> spec, e.g. "config 'gpt'")."""
    import openai as sdk

    from engine.models.openai_compat import OPENAI_URL

    def ask(spec: ModelSpec, key: str) -> Callable[[str], str | None]:
        client = sdk.OpenAI(api_key=key, base_url=_url(spec, OPENAI_URL), **_limits(spec))
        listed = {m.id for m in client.models.list()}

        def known(model: str) -> str | None:
            if model in listed:
                return None
            try:
                client.models.retrieve(model)
                return None
            except sdk.NotFoundError:
                shown = ", ".join(sorted(listed)[:8]) + (", ..." if len(listed) > 8 else "")
                return f"model '{model}' is not served there (it lists: {shown or 'none'})"

        return known

    _probe(named, "OPENAI_API_KEY", OPENAI_URL, ask)


def anthropic(named: Mapping[str, ModelSpec]) -> None:
    """Probe the Anthropic servers of `named` (who -> spec)."""
    import anthropic as sdk

    from engine.models.anthropic import ANTHROPIC_URL

    def ask(spec: ModelSpec, key: str) -> Callable[[str], str | None]:
        root = _url(spec, ANTHROPIC_URL).removesuffix("/v1")
        client = sdk.Anthropic(api_key=key, base_url=root, **_limits(spec))

        def known(model: str) -> str | None:
            try:
                client.models.retrieve(model)
                return None
            except sdk.NotFoundError:
                return f"model '{model}' is not served there"

        return known

    _probe(named, "ANTHROPIC_API_KEY", ANTHROPIC_URL, ask)


def _url(spec: ModelSpec, default: str) -> str:
    return (spec.base_url or default).rstrip("/")


def _limits(spec: ModelSpec) -> dict[str, Any]:
    return {"max_retries": min(1, spec.retry.sdk_max_retries), "timeout": min(PROBE_TIMEOUT_S, spec.retry.timeout_s)}


def _probe(
    named: Mapping[str, ModelSpec],
    default_env: str,
    default_url: str,
    ask: Callable[[ModelSpec, str], Callable[[str], str | None]],
) -> None:
    servers: dict[tuple[str, str, str | None], dict[str, ModelSpec]] = {}
    for who, spec in named.items():
        servers.setdefault((spec.backend, _url(spec, default_url), spec.api_key_env), {})[who] = spec
    for (backend, url, env), group in servers.items():
        users = ", ".join(group)
        lead = next(iter(group.values()))
        key = resolve_api_key(lead, default_env)
        scrub = Scrubber(key)
        where = f"{backend} server {url} (for {users})"
        try:
            known = ask(lead, key)
            for model in dict.fromkeys(s.model for s in group.values()):
                why = known(model)
                if why is not None:
                    raise BackendError(f"{where}: {why}")
        except BackendError:
            raise
        except Exception as exc:  # noqa: BLE001 - every SDK failure is the probe's refusal, key scrubbed
            source = "a placeholder: no api_key_env" if key == PLACEHOLDER_KEY else f"${env or default_env}"
            raise BackendError(scrub.error(f"{where}: {_cause(exc, source)}")) from None


def _cause(exc: BaseException, source: str) -> str:
    status = getattr(exc, "status_code", None)
    _, text = describe(exc)
    if status in (401, 403):
        return f"the key ({source}) was refused: {text}"
    if "Connection" in type(exc).__name__ or "Timeout" in type(exc).__name__:
        return f"not reachable: {text}"
    if status == 404:
        return f"no model list there (is base_url right?): {text}"
    return text
