"""The `orderdesk` console script, run as a real process.

These tests always use a temporary SQLite file, also in the PostgreSQL run: they check the
command line itself, and the database layer is covered on both servers elsewhere.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from orderdesk.db import migrate

ADMIN_PASSWORD = "Steady-Anchor-2024"  # noqa: S105
TIMEOUT_S = 120  # a safety net against a hung process, not a speed assertion


def orderdesk_executable() -> str:
    beside_python = Path(sys.executable).with_name("orderdesk")
    found = str(beside_python) if beside_python.exists() else shutil.which("orderdesk")
    assert found, "the orderdesk console script is not installed"
    return found


class Cli:
    """The console script with its own environment, working directory and SQLite file."""

    def __init__(self, workdir: Path, **extra_env: str) -> None:
        self.workdir = workdir
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("ORDERDESK_")}
        self.env.update(
            ORDERDESK_DATABASE_URL=f"sqlite+aiosqlite:///{workdir / 'cli.db'}",
            ORDERDESK_ARGON2_TIME_COST="1",
            ORDERDESK_ARGON2_MEMORY_COST_KIB="64",
            ORDERDESK_LOG_LEVEL="WARNING",
            COLUMNS="200",
            NO_COLOR="1",
            **extra_env,
        )

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603
            [orderdesk_executable(), *args],
            env=self.env,
            cwd=self.workdir,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            check=False,
        )


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path)


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture
def migrated(cli: Cli) -> Cli:
    ok(cli("migrate", "upgrade"))
    return cli


def user_line(listing: str, username: str) -> str:
    [line] = [line for line in listing.splitlines() if f" {username} " in line]
    return line


def test_migrate_upgrade_then_current_reports_head(cli: Cli) -> None:
    before = ok(cli("migrate", "current"))
    upgraded = ok(cli("migrate", "upgrade"))
    current = ok(cli("migrate", "current"))
    assert "database at revision base" in before
    head = migrate.head_revision()
    assert f"database at revision {head} (head is {head})" in upgraded
    assert current == upgraded


def test_migrate_with_unknown_action_fails(cli: Cli) -> None:
    result = cli("migrate", "sideways")
    assert result.returncode != 0
    assert "upgrade, downgrade, current or revision" in result.stdout + result.stderr


def test_createadmin_then_users_list_shows_the_admin(migrated: Cli) -> None:
    created = ok(migrated("createadmin", "--username", "boss", "--password", ADMIN_PASSWORD))
    assert "administrator boss created" in created
    line = user_line(ok(migrated("users", "list")), "boss")
    assert "admin" in line
    assert "active" in line


def test_set_role_block_and_unblock_change_the_user(migrated: Cli) -> None:
    ok(migrated("createadmin", "--username", "boss", "--password", ADMIN_PASSWORD))
    ok(migrated("createadmin", "--username", "chief", "--password", ADMIN_PASSWORD))

    assert "chief: role=manager status=active" in ok(
        migrated("users", "set-role", "chief", "manager")
    )
    assert "chief: role=manager status=blocked" in ok(migrated("users", "block", "chief"))
    assert "blocked" in user_line(ok(migrated("users", "list", "--status", "blocked")), "chief")
    assert "chief: role=manager status=active" in ok(migrated("users", "unblock", "chief"))
    managers = ok(migrated("users", "list", "--role", "manager"))
    assert " chief " in managers
    assert " boss " not in managers


def test_last_admin_cannot_be_demoted_from_the_command_line(migrated: Cli) -> None:
    ok(migrated("createadmin", "--username", "boss", "--password", ADMIN_PASSWORD))
    result = migrated("users", "set-role", "boss", "staff")
    assert result.returncode == 1
    assert "The last active administrator cannot be demoted or blocked." in result.stdout
    assert "admin" in user_line(ok(migrated("users", "list")), "boss")


def test_changing_an_unknown_user_fails(migrated: Cli) -> None:
    result = migrated("users", "block", "ghost")
    assert result.returncode == 1
    assert "User ghost not found." in result.stdout


def test_createadmin_with_weak_password_fails_with_the_policy_message(
    migrated: Cli,
) -> None:
    result = migrated("createadmin", "--username", "boss", "--password", "password123")
    assert result.returncode == 1
    assert "password: This password is too common" in result.stdout
    assert " boss " not in ok(migrated("users", "list"))


def test_createadmin_without_terminal_or_password_fails_clearly(migrated: Cli) -> None:
    result = migrated("createadmin", "--username", "boss")
    assert result.returncode != 0
    assert "No terminal: pass --password." in result.stdout
    assert " boss " not in ok(migrated("users", "list"))


def test_createadmin_without_terminal_or_username_fails_clearly(
    migrated: Cli,
) -> None:
    result = migrated("createadmin", "--password", ADMIN_PASSWORD)
    assert result.returncode != 0
    assert "No terminal: pass --username and --password." in result.stdout


def test_openapi_prints_the_specification_as_json(cli: Cli) -> None:
    spec = json.loads(ok(cli("openapi")))
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/orders" in spec["paths"]
    assert "/api/v1/users/{user_id}" in spec["paths"]


def test_openapi_writes_to_a_file(cli: Cli, tmp_path: Path) -> None:
    target = tmp_path / "spec.json"
    ok(cli("openapi", "--output", str(target)))
    assert "/api/v1/auth/login" in json.loads(target.read_text(encoding="utf-8"))["paths"]


def test_unsafe_production_settings_stop_the_command_listing_problems(
    cli: Cli,
) -> None:
    cli.env.update(ORDERDESK_ENVIRONMENT="production", ORDERDESK_DEBUG="true")
    result = cli("migrate", "current")
    assert result.returncode == 2
    for problem in ("development secret", "ORDERDESK_DEBUG", "SQLITE_IN_PRODUCTION"):
        assert problem in result.stdout


def test_scheduler_refuses_an_unmigrated_database(cli: Cli) -> None:
    result = cli("scheduler")
    assert result.returncode == 2
    assert "orderdesk migrate" in result.stdout


def test_scheduler_refuses_an_override_of_an_unknown_task(migrated: Cli) -> None:
    migrated.env["ORDERDESK_SCHEDULE_OVERRIDES"] = '{"no.such.task": "* * * * *"}'
    result = migrated("scheduler")
    assert result.returncode == 2
    assert "unknown tasks" in result.stdout
