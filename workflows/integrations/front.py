"""A small client of Front's Core API: read conversations, write drafts, comments and tags.

It never sends a message: there is deliberately no method for the endpoints that do. Retries are
left to the durable engine, which retries the whole step, so every failure is raised at once.
"""

from __future__ import annotations

import email.policy
import math
import re
from email.parser import BytesHeaderParser
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

import httpx

from workflows.errors import IntegrationError, RateLimited

DEFAULT_RETRY_AFTER = 1.0
PAGE_SIZE = 100
# Front answers 301 for a conversation merged into another; a chain of merges is followed this far.
MAX_MERGES_FOLLOWED = 3
REDIRECT_STATUSES = frozenset({301, 302, 307, 308})
CONVERSATION_PATH = re.compile(r"/conversations/([^/]+)(/.*)?")
# An email's header section is a few kilobytes; anything past this is not headers.
MAX_HEADER_BYTES = 256 * 1024
FRONT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def _segment(value: str) -> str:
    """One path segment: ids come from webhooks, and a '/' in one must not change the path."""
    return quote(value, safe="")


def _retry_after(header: str | None) -> float:
    """Seconds from a `retry-after` header; a missing or unreadable one means a short default."""
    try:
        seconds = float(header) if header is not None else DEFAULT_RETRY_AFTER
    except ValueError:
        return DEFAULT_RETRY_AFTER
    return seconds if math.isfinite(seconds) and seconds >= 0 else DEFAULT_RETRY_AFTER


def _detail(response: httpx.Response) -> str:
    """Front's own explanation of an error (`_error.message`), shortened; may be empty."""
    try:
        error = response.json().get("_error") or {}
        detail = str(error.get("message") or error.get("title") or "")
    except (ValueError, AttributeError):
        detail = ""
    return detail[:200]


def _surviving_path(path: str, location: str | None, what: str) -> str:
    """The same endpoint on the conversation a redirect names, as a path on our own host.

    Only the conversation id is read from the Location, whatever host it names (Front's links
    name a per-company host): nothing is ever sent to a URL this client did not build.
    """
    asked = CONVERSATION_PATH.fullmatch(path)
    target = CONVERSATION_PATH.fullmatch(urlsplit(location or "").path)
    if (
        asked is None
        or target is None
        or target.group(2) != asked.group(2)
        or not FRONT_ID.fullmatch(target.group(1))
    ):
        raise IntegrationError(
            f"{what} was redirected somewhere other than a merged conversation; refused",
            retryable=False,
        )
    return f"/conversations/{target.group(1)}{asked.group(2) or ''}"


class FrontClient:
    """Front's Core API over one `httpx.AsyncClient`, authenticated with a bearer token."""

    def __init__(
        self,
        *,
        api_url: str,
        token: str,
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._token = token
        self._http = httpx.AsyncClient(
            base_url=api_url,
            headers={"authorization": f"Bearer {token}", "accept": "application/json"},
            timeout=timeout,
            transport=transport,
        )
        self._tag_ids: dict[str, str] = {}

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> FrontClient:
        return self

    async def __aexit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def list_messages(self, conversation_id: str) -> list[dict[str, Any]]:
        """Every message of the conversation, as Front lists them (newest first)."""
        return await self._list(f"/conversations/{_segment(conversation_id)}/messages")

    async def message_headers(self, message_id: str) -> dict[str, str]:
        """An email's headers, from its EML (Front's JSON has none); empty for other channels.

        Only the header section is read from the stream, so attachments are never downloaded.
        """
        path = f"/messages/{_segment(message_id)}"
        what = f"Front GET {path} (EML headers)"
        try:
            async with self._http.stream(
                "GET", path, headers={"accept": "message/rfc822"}, follow_redirects=False
            ) as response:
                if response.status_code >= 300:
                    await response.aread()
                    if response.status_code == 429 or response.status_code >= 500:
                        self._answer(response, what, missing_ok=False)
                    # No EML (another channel, a message gone): triage reads the words alone.
                    return {}
                section = bytearray()
                async for chunk in response.aiter_bytes():
                    section.extend(chunk)
                    if b"\r\n\r\n" in section or b"\n\n" in section:
                        break
                    if len(section) > MAX_HEADER_BYTES:
                        break
        except httpx.HTTPError as exc:
            message = f"{what} failed: {type(exc).__name__}: {exc}"
            raise IntegrationError(self._redact(message), retryable=True) from exc
        headers = BytesHeaderParser(policy=email.policy.default).parsebytes(bytes(section))
        return {name.lower(): str(value) for name, value in headers.items()}

    async def conversation_inboxes(self, conversation_id: str) -> list[dict[str, Any]]:
        """The inboxes the conversation is listed in."""
        return await self._list(f"/conversations/{_segment(conversation_id)}/inboxes")

    async def inbox_channels(self, inbox_id: str) -> list[dict[str, Any]]:
        """The channels of an inbox; a reply draft names one of them."""
        return await self._list(f"/inboxes/{_segment(inbox_id)}/channels")

    async def create_draft(self, conversation_id: str, *, body: str, channel_id: str) -> str:
        """Save a reply draft every teammate can see; returns its id."""
        # Front's default mode is private: a draft only its author (our token) could see.
        payload = {"body": body, "channel_id": channel_id, "mode": "shared"}
        draft = await self._request(
            "POST", f"/conversations/{_segment(conversation_id)}/drafts", json=payload
        )
        if not isinstance(draft, dict) or not isinstance(draft.get("id"), str):
            raise IntegrationError("Front created a draft but named no id", retryable=False)
        return str(draft["id"])

    async def draft_version(self, draft_id: str) -> str | None:
        """The draft's current version; None when it was sent (or deleted)."""
        draft = await self._request("GET", f"/messages/{_segment(draft_id)}", missing_ok=True)
        if not isinstance(draft, dict) or not draft.get("draft_mode"):
            return None
        return str(draft.get("version") or "")

    async def delete_draft(self, draft_id: str, *, version: str | None = None) -> None:
        """Delete a draft at `version`, else at its latest; one already gone or sent is left."""
        if version is None:
            draft = await self._request("GET", f"/messages/{_segment(draft_id)}", missing_ok=True)
            # A draft that was sent is a message now, and no longer ours to delete.
            if not isinstance(draft, dict) or not draft.get("draft_mode"):
                return
            version = str(draft.get("version") or "")
        # Front refuses the deletion when the version is not the draft's latest.
        await self._request(
            "DELETE", f"/drafts/{_segment(draft_id)}", json={"version": version}, missing_ok=True
        )

    async def add_comment(self, conversation_id: str, body: str) -> None:
        """Leave a comment for teammates on the conversation."""
        await self._request(
            "POST", f"/conversations/{_segment(conversation_id)}/comments", json={"body": body}
        )

    async def add_tag(self, conversation_id: str, tag_name: str) -> None:
        """Tag the conversation by name, creating the tag the first time it is used."""
        tag_id = await self._tag_id(tag_name)
        try:
            await self._request(
                "POST",
                f"/conversations/{_segment(conversation_id)}/tags",
                json={"tag_ids": [tag_id]},
            )
        except IntegrationError as error:
            if not error.retryable:
                # The tag may have been deleted in Front since it was cached.
                self._tag_ids.pop(tag_name, None)
            raise

    async def _tag_id(self, name: str) -> str:
        if name in self._tag_ids:
            return self._tag_ids[name]
        tags = await self._list("/tags")
        for tag in tags:
            self._tag_ids.setdefault(str(tag.get("name")), str(tag.get("id")))
        if name not in self._tag_ids:
            # Front compares tag names without case, so "Refund" already is "refund".
            same = [t for t in tags if str(t.get("name")).casefold() == name.casefold()]
            if same:
                self._tag_ids[name] = str(same[0].get("id"))
        if name not in self._tag_ids:
            # POST /tags is Front's legacy endpoint (a team tag); a company tag is seen by all.
            created = await self._request("POST", "/company/tags", json={"name": name})
            if not isinstance(created, dict) or not isinstance(created.get("id"), str):
                raise IntegrationError("Front created a tag but named no id", retryable=False)
            self._tag_ids[name] = created["id"]
        return self._tag_ids[name]

    async def _list(self, path: str) -> list[dict[str, Any]]:
        """All results of a listing, following `_pagination.next` to the last page."""
        results: list[dict[str, Any]] = []
        params: dict[str, str] = {"limit": str(PAGE_SIZE)}
        while True:
            page = await self._request("GET", path, params=params)
            page = page if isinstance(page, dict) else {}
            results.extend(r for r in page.get("_results") or [] if isinstance(r, dict))
            next_url = (page.get("_pagination") or {}).get("next")
            if not next_url:
                return results
            # The link names Front's per-company host; only its query is kept, so the token is
            # only ever sent to the configured api_url.
            next_params = dict(parse_qsl(urlsplit(str(next_url)).query))
            if next_params == params:
                raise IntegrationError(f"Front GET {path} links a page to itself", retryable=False)
            params = next_params

    async def _request(
        self,
        method: str,
        path: str,
        *,
        json: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
        missing_ok: bool = False,
    ) -> Any:
        """One call; the parsed JSON answer (None when empty, or 404 with `missing_ok`).

        A merged conversation answers 301 naming the conversation it was merged into; the same
        call is made again there, on the configured host only.
        """
        what = f"Front {method} {path}"
        for _ in range(MAX_MERGES_FOLLOWED + 1):
            response = await self._send(method, path, json=json, params=params, what=what)
            if response.status_code not in REDIRECT_STATUSES:
                return self._answer(response, what, missing_ok=missing_ok)
            path = _surviving_path(path, response.headers.get("location"), what)
        raise IntegrationError(
            f"{what} was redirected more than {MAX_MERGES_FOLLOWED} times", retryable=False
        )

    async def _send(
        self,
        method: str,
        path: str,
        *,
        json: dict[str, Any] | None,
        params: dict[str, str] | None,
        what: str,
    ) -> httpx.Response:
        try:
            # Redirects are never followed by httpx: it would turn a POST into a GET, and the
            # token must not travel to whatever host a Location names.
            return await self._http.request(
                method, path, json=json, params=params, follow_redirects=False
            )
        except httpx.TimeoutException as exc:
            raise IntegrationError(self._redact(f"{what} timed out"), retryable=True) from exc
        except httpx.HTTPError as exc:
            message = f"{what} failed: {type(exc).__name__}: {exc}"
            raise IntegrationError(self._redact(message), retryable=True) from exc

    def _answer(self, response: httpx.Response, what: str, *, missing_ok: bool) -> Any:
        status = response.status_code
        if status == 404 and missing_ok:
            return None
        if status < 300:
            return self._json(response, what)
        detail = _detail(response)
        message = self._redact(f"{what} answered {status}" + (f": {detail}" if detail else ""))
        if status == 429:
            raise RateLimited(
                message, retry_after=_retry_after(response.headers.get("retry-after"))
            )
        raise IntegrationError(message, retryable=status >= 500)

    def _json(self, response: httpx.Response, what: str) -> Any:
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError as exc:
            raise IntegrationError(f"{what} answered with no JSON", retryable=True) from exc

    def _redact(self, message: str) -> str:
        return message.replace(self._token, "[token]") if self._token else message
