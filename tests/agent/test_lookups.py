"""The read-only tools answer only about this conversation's customer."""

from __future__ import annotations

import json

from agent.lookups import run_lookup, search_knowledge
from tests.agent.factories import KNOWLEDGE, conversation


def test_lookup_of_the_sender_returns_their_record() -> None:
    found = run_lookup("lookup_user", {"email": "ANN@example.com"}, conversation("hi"))
    assert not found.is_error
    assert json.loads(found.content)["user"]["id"] == "usr_ann"


def test_lookup_of_anyone_else_is_refused() -> None:
    found = run_lookup("lookup_user", {"email": "bob@example.com"}, conversation("hi"))
    assert found.is_error


def test_unknown_sender_is_reported_as_no_user() -> None:
    context = conversation("hi", customer=None, sender_email="new@example.com")
    found = run_lookup("lookup_user", {"email": "new@example.com"}, context)
    assert json.loads(found.content) == {"user": None}


def test_purchases_only_for_this_customers_account() -> None:
    mine = run_lookup("list_purchases", {"user_id": "usr_ann"}, conversation("hi"))
    theirs = run_lookup("list_purchases", {"user_id": "usr_bob"}, conversation("hi"))
    assert [p["id"] for p in json.loads(mine.content)["purchases"]][:2] == ["pur_old", "pur_new"]
    assert theirs.is_error


def test_read_conversation_returns_every_message_in_order() -> None:
    found = run_lookup("read_conversation", {}, conversation("first", "second"))
    assert [m["text"] for m in json.loads(found.content)["messages"]] == ["first", "second"]


def test_search_ranks_sections_by_shared_words() -> None:
    sections = search_knowledge(KNOWLEDGE, "how do licence transfers work for a colleague")
    assert sections[0].startswith("# Licence transfers")
    assert search_knowledge(KNOWLEDGE, "weather forecast") == []
    assert search_knowledge("", "refund") == []


def test_bad_arguments_and_unknown_tools_are_errors() -> None:
    context = conversation("hi")
    assert run_lookup("search_knowledge", {"query": " "}, context).is_error
    assert run_lookup("lookup_user", {}, context).is_error
    assert run_lookup("refund_purchase", {}, context).is_error
