"""`support-agent apps add|list`: register products, refuse conflicts, never print a secret."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest

from console.cli import main
from workflows.store import create_engine, session_factory
from workflows.store.crud import get_app

SECRET = "whsec-do-not-print-me"


def _add(
    *,
    app_id: str = "notes",
    inboxes: tuple[str, ...] = ("inb_notes", "inb_notes_vip"),
    url: str = "https://notes.example/support/",
    variable: str | None = "NOTES_SECRET",
) -> list[str]:
    """An `apps add` command line."""
    args = ["apps", "add", "--id", app_id, "--name", "Notes", "--integration-url", url]
    for inbox in inboxes:
        args += ["--inbox", inbox]
    return args + (["--integration-secret-env", variable] if variable else [])


ADD = _add()


@pytest.fixture
def database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A migrated SQLite file the command reads from DATABASE_URL, and the secret to register."""
    monkeypatch.chdir(tmp_path)
    url = f"sqlite+aiosqlite:///{tmp_path / 'apps.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("NOTES_SECRET", SECRET)
    assert main(["db", "upgrade"]) == 0
    return url


async def _stored_secret(url: str, app_id: str) -> str | None:
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            app = await get_app(session=session, id=app_id)
            return app.integration_secret if app else None
    finally:
        await engine.dispose()


def test_add_registers_the_app_and_list_shows_it_without_the_secret(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    added = main(
        [
            *ADD,
            "--slack-channel",
            "C123",
            "--approver",
            "U1",
            "--approver",
            "U2",
            "--auto-refund-max-cents",
            "1500",
            "--auto-refund-max-age-days",
            "7",
            "--no-auto-magic-link",
        ]
    )
    listed = main(["apps", "list"])
    output = capsys.readouterr()

    assert (added, listed) == (0, 0)
    assert SECRET not in output.out + output.err
    header, row = output.out.splitlines()[1:]
    assert header.split() == [
        "ID",
        "NAME",
        "INBOXES",
        "INTEGRATION",
        "SLACK",
        "APPROVERS",
        "POLICY",
    ]
    assert row.split()[:6] == [
        "notes",
        "Notes",
        "inb_notes,inb_notes_vip",
        "https://notes.example/support",
        "C123",
        "U1,U2",
    ]
    assert "refunds<=$15.00/7d auto; login links need approval" in row
    assert asyncio.run(_stored_secret(database_url, "notes")) == SECRET


def test_list_hides_credentials_in_an_integration_url(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    url = "https://support:hunter2@notes.example/api"
    assert main(_add(url=url)) == 0
    capsys.readouterr()

    assert main(["apps", "list"]) == 0
    out = capsys.readouterr().out
    assert "hunter2" not in out
    assert "https://notes.example/api" in out


def test_the_secret_can_come_from_standard_input(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("piped-secret\n"))

    assert main(_add(variable=None)) == 0
    assert asyncio.run(_stored_secret(database_url, "notes")) == "piped-secret"


def test_an_empty_secret_is_refused(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("NOTES_SECRET", "")

    assert main(ADD) == 1
    assert "no integration secret: $NOTES_SECRET is empty" in capsys.readouterr().err
    assert asyncio.run(_stored_secret(database_url, "notes")) is None


def test_a_duplicate_id_is_refused(database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(ADD) == 0
    capsys.readouterr()

    assert main(_add(inboxes=("inb_other",))) == 1
    assert "an app with id 'notes' already exists" in capsys.readouterr().err


def test_an_inbox_of_another_app_is_refused(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(ADD) == 0
    capsys.readouterr()

    assert main(_add(app_id="other")) == 1
    assert "inbox inb_notes already belongs to app 'notes'" in capsys.readouterr().err
    assert asyncio.run(_stored_secret(database_url, "other")) is None


def test_the_demo_app_needs_no_secret(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    demo = ["apps", "add", "--id", "demo2", "--name", "Demo", "--inbox", "inb_d"]

    assert main([*demo, "--integration-url", "builtin:demo"]) == 0
    assert "added app demo2 (Demo) for inboxes inb_d" in capsys.readouterr().out


@pytest.mark.parametrize(
    "change",
    [
        ["--id", "../etc"],
        ["--integration-url", "ftp://notes.example"],
        ["--auto-refund-max-cents", "-1"],
    ],
)
def test_bad_arguments_are_refused_by_the_parser(
    database_url: str, change: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main([*ADD, *change])

    assert exited.value.code == 2
    assert change[0] in capsys.readouterr().err


def test_an_unmigrated_database_is_refused_with_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")

    assert main(["apps", "list"]) == 1
    assert "run `support-agent db upgrade` first" in capsys.readouterr().err


def test_list_says_when_nothing_is_registered(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()

    assert main(["apps", "list"]) == 0
    assert capsys.readouterr().out.startswith("no apps registered")


async def _stored_app(url: str, app_id: str) -> tuple[dict[str, object], list[str]]:
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            app = await get_app(session=session, id=app_id)
            assert app is not None
            return app.triage, app.banned_phrases
    finally:
        await engine.dispose()


def test_add_keeps_the_apps_triage_routes_languages_and_banned_phrases(
    database_url: str,
) -> None:
    extra = ["--route", "personal=skip", "--route", "foreign_language=draft"]
    extra += ["--language", "en", "--language", "DE", "--banned-phrase", "no worries"]

    assert main([*ADD, *extra]) == 0

    triage, banned = asyncio.run(_stored_app(database_url, "notes"))
    assert triage == {
        "languages": ["en", "de"],
        "routes": {"personal": "skip", "foreign_language": "draft"},
    }
    assert banned == ["no worries"]


def test_add_refuses_a_route_it_does_not_know(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*ADD, "--route", "spam=reply"]) == 1

    assert "--route: routes.spam" in capsys.readouterr().err
