"""`support-agent users`: passwords from a hidden prompt or stdin only, hashed, never shown."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest

from console.cli import main
from console.web.passwords import verify_password
from workflows.store import create_engine, session_factory
from workflows.store.models import ConsoleUser
from workflows.store.users import get_user_by_email

PASSWORD = "a long enough password"


@pytest.fixture
def database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(tmp_path)
    url = f"sqlite+aiosqlite:///{tmp_path / 'users.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["db", "upgrade"]) == 0
    return url


def _stored(url: str, email: str) -> ConsoleUser | None:
    async def read() -> ConsoleUser | None:
        engine = create_engine(url)
        try:
            async with session_factory(engine)() as session:
                return await get_user_by_email(session=session, email=email)
        finally:
            await engine.dispose()

    return asyncio.run(read())


def test_add_reads_the_password_from_stdin_and_stores_only_its_hash(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{PASSWORD}\n"))

    code = main(["users", "add", "--email", "Lee@Example.com", "--role", "approver"])

    assert code == 0
    assert capsys.readouterr().out == "added approver lee@example.com\n"
    user = _stored(database_url, "lee@example.com")
    assert user is not None
    assert user.role == "approver"
    assert PASSWORD not in user.password_hash
    assert user.password_hash.startswith("$argon2id$")
    assert verify_password(user.password_hash, PASSWORD)


def test_add_asks_twice_at_a_hidden_prompt_on_a_terminal(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = iter([PASSWORD, "something else entirely"])
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("getpass.getpass", lambda _prompt: next(answers))

    code = main(["users", "add", "--email", "lee@example.com", "--role", "viewer"])

    assert code == 1
    assert "the two passwords differ" in capsys.readouterr().err
    assert _stored(database_url, "lee@example.com") is None


def test_a_password_is_never_a_flag(database_url: str) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["users", "add", "--email", "a@example.com", "--role", "viewer", "--password", "x"])

    assert exit_.value.code == 2


@pytest.mark.parametrize(
    ("args", "stdin", "refusal"),
    [
        (["--email", "a@example.com", "--role", "viewer"], "short\n", "at least 10"),
        (["--email", "not-an-email", "--role", "viewer"], f"{PASSWORD}\n", "not an email"),
    ],
)
def test_add_refuses_a_short_password_or_a_bad_email(
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    stdin: str,
    refusal: str,
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))

    assert main(["users", "add", *args]) == 1
    assert refusal in capsys.readouterr().err


def test_add_refuses_an_email_that_exists_and_list_shows_roles_only(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{PASSWORD}\n"))
    assert main(["users", "add", "--email", "lee@example.com", "--role", "admin"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{PASSWORD}\n"))
    capsys.readouterr()

    assert main(["users", "add", "--email", "LEE@example.com", "--role", "viewer"]) == 1
    assert "already exists" in capsys.readouterr().err
    assert main(["users", "list"]) == 0
    listing = capsys.readouterr().out
    assert listing == "lee@example.com  admin\n"


def test_users_needs_a_migrated_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")

    assert main(["users", "list"]) == 1
    assert "db upgrade" in capsys.readouterr().err
