"""Model API failures: mapped to retryable or permanent errors, with the SDK's retries off."""

from __future__ import annotations

import socket

import anthropic
import pytest

from agent.client import make_model_client
from agent.errors import AgentError, ModelRefused, ModelUnavailable
from agent.loop import run_agent
from tests.agent import scripts
from tests.agent.anthropic_stand_in import Scripted, StandInAPI
from tests.agent.factories import conversation


def api_error(status: int, kind: str, headers: dict[str, str] | None = None) -> Scripted:
    body = {"type": "error", "error": {"type": kind, "message": f"{kind} from the stand-in"}}
    return Scripted(body, status=status, headers=headers or {})


@pytest.mark.parametrize(
    ("status", "kind"),
    [(529, "overloaded_error"), (500, "api_error"), (503, "api_error"), (429, "rate_limit_error")],
)
async def test_transient_failure_is_retryable_after_exactly_one_request(
    status: int, kind: str, messages_api: StandInAPI, sdk_client: anthropic.AsyncAnthropic
) -> None:
    # A second scripted reply would succeed if the SDK retried on its own.
    messages_api.play(api_error(status, kind), *scripts.OFF_TOPIC)

    with pytest.raises(ModelUnavailable) as raised:
        await run_agent(context=conversation("hello"), model_client=sdk_client)

    assert raised.value.retryable
    assert len(messages_api.requests) == 1
    assert isinstance(raised.value.__cause__, anthropic.APIStatusError)


async def test_rate_limit_passes_on_retry_after(
    messages_api: StandInAPI, sdk_client: anthropic.AsyncAnthropic
) -> None:
    messages_api.play(api_error(429, "rate_limit_error", {"retry-after": "7"}))

    with pytest.raises(ModelUnavailable) as raised:
        await run_agent(context=conversation("hello"), model_client=sdk_client)

    assert raised.value.retry_after == 7.0


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (400, "invalid_request_error"),
        (401, "authentication_error"),
        (403, "permission_error"),
        (404, "not_found_error"),
        (413, "request_too_large"),
    ],
)
async def test_bad_request_is_permanent(
    status: int, kind: str, messages_api: StandInAPI, sdk_client: anthropic.AsyncAnthropic
) -> None:
    messages_api.play(api_error(status, kind))

    with pytest.raises(ModelRefused) as raised:
        await run_agent(context=conversation("hello"), model_client=sdk_client)

    assert not raised.value.retryable
    assert str(status) in str(raised.value)
    assert len(messages_api.requests) == 1


async def test_model_refusal_is_permanent(
    messages_api: StandInAPI, sdk_client: anthropic.AsyncAnthropic
) -> None:
    messages_api.play(
        scripts.message(scripts.text("I can't help with that."), stop_reason="refusal")
    )

    with pytest.raises(ModelRefused):
        await run_agent(context=conversation("hello"), model_client=sdk_client)


async def test_unreachable_api_is_retryable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    client = make_model_client(api_key="sk-ant-test", base_url=f"http://127.0.0.1:{closed_port}")
    assert isinstance(client, anthropic.AsyncAnthropic)

    async with client:
        with pytest.raises(ModelUnavailable):
            await run_agent(context=conversation("hello"), model_client=client)


def test_every_agent_error_says_whether_to_retry() -> None:
    assert issubclass(ModelUnavailable, AgentError)
    assert issubclass(ModelRefused, AgentError)
    assert ModelUnavailable("x").retryable
    assert not ModelRefused("x").retryable


async def test_client_is_built_without_sdk_retries() -> None:
    client = make_model_client(api_key="sk-ant-test", base_url="http://127.0.0.1:9")
    assert isinstance(client, anthropic.AsyncAnthropic)
    async with client:
        assert client.max_retries == 0
        assert str(client.base_url).startswith("http://127.0.0.1:9")
