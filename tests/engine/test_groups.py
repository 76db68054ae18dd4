"""A run's group of handed-over ops, as kept in its `planned` column."""

from __future__ import annotations

from workflows.engine.groups import Group, step_name


def test_a_bare_list_left_by_an_older_engine_reads_as_a_group_that_waits_for_all() -> None:
    group = Group.load(["a", "b"])
    assert group == Group(steps={"a": None, "b": None}, race=False)


def test_a_group_keeps_its_step_names_and_mode_across_a_save() -> None:
    saved = Group(steps={"a": "wait-for-decision"}, race=True).dump()
    assert Group.load(saved) == Group(steps={"a": "wait-for-decision"}, race=True)
    assert step_name(saved, "a") == "wait-for-decision"
    assert step_name(None, "a") is None
    assert Group.load(None) is None
