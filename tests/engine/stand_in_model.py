"""A model provider played by a local server, and a function that asks it through
`step.ai.infer`, which the engine (not the app) must call."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import inngest
from inngest.experimental.ai import anthropic
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

KEY = "sk-ant-api03-do-not-log-me"
ANSWER = {"id": "msg_1", "type": "message", "content": [{"type": "text", "text": "Hi there!"}]}


@dataclass
class Provider:
    """Plays the model provider: records each request, answers as told."""

    status: int = 200
    body: bytes | None = None
    requests: list[dict[str, Any]] = field(default_factory=list)
    origin: str = ""  # where it is served, once it is

    def app(self) -> Starlette:
        async def answer(request: Request) -> Response:
            self.requests.append(
                {
                    "path": request.url.path,
                    "query": request.url.query,
                    "headers": dict(request.headers),
                    "body": await request.json(),
                }
            )
            if self.body is not None:
                return Response(self.body, status_code=self.status)
            return JSONResponse(ANSWER, status_code=self.status)

        return Starlette(routes=[Route("/{path:path}", answer, methods=["POST"])])


def anthropic_adapter(origin: str) -> anthropic.Adapter:
    return anthropic.Adapter(auth_key=KEY, base_url=f"{origin}/v1", model="claude-test")


async def _after() -> str:
    return "after"


def asker(client: inngest.Inngest, adapter: Any) -> inngest.Function[Any]:
    """`t/ask`: one model call, then a step; returns both, or the model call's error."""

    @client.create_function(fn_id="asker", trigger=inngest.TriggerEvent(event="t/ask"), retries=1)
    async def ask(ctx: inngest.Context) -> Any:
        try:
            answer = await ctx.step.ai.infer(
                "ask-model", adapter=adapter, body={"messages": [{"role": "user", "content": "hi"}]}
            )
        except inngest.StepError as error:
            return {"error": error.name}
        after = await ctx.step.run("after", _after)
        return {"answer": answer, "after": after}

    return ask
