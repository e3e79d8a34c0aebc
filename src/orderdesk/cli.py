"""Command line: serve, scheduler, migrate, createadmin, users, stats, demo, import, openapi."""

from __future__ import annotations

import asyncio
import getpass
import json
import secrets
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn
from rich.table import Table

from orderdesk.container import Container
from orderdesk.settings import ConfigurationError, Settings
from orderdesk.telegram.cli import bot_app

app = typer.Typer(
    help="orderdesk — catalog, orders and workflows. Каталог, заказы и процессы.",
    no_args_is_help=True,
    add_completion=False,
)
users_app = typer.Typer(help="Manage users. Управление пользователями.", no_args_is_help=True)
app.add_typer(users_app, name="users")
app.add_typer(bot_app, name="bot")
console = Console()
T = TypeVar("T")


def _settings() -> Settings:
    try:
        settings = Settings()
        settings.validate_for_startup()
    except ConfigurationError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    return settings


def _run(work: Callable[[Container], Awaitable[T]], settings: Settings | None = None) -> T:
    async def main() -> T:
        container = Container.build(settings or _settings())
        try:
            return await work(container)
        finally:
            await container.close()

    return asyncio.run(main())


@app.command()
def migrate(
    action: Annotated[
        str, typer.Argument(help="upgrade | downgrade | current | revision")
    ] = "upgrade",
    revision: Annotated[
        str | None, typer.Argument(help="Target (default head / one step down)")
    ] = None,
    message: Annotated[str, typer.Option("-m", "--message", help="For `revision`")] = "",
) -> None:
    """Apply, undo or show database migrations."""
    from orderdesk.db import migrate as m

    async def work(container: Container) -> None:
        if action == "upgrade":
            await m.upgrade(container.engine, revision or "head")
        elif action == "downgrade":
            await m.downgrade(container.engine, revision or "-1")
        elif action == "current":
            pass
        elif action == "revision":
            await m.autogenerate(container.engine, message or "change")
        else:
            raise typer.BadParameter("use upgrade, downgrade, current or revision")
        current = await m.current_revision(container.engine)
        console.print(f"database at revision {current or 'base'} (head is {m.head_revision()})")

    _run(work)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes")] = 1,
    demo: Annotated[
        str | None,
        typer.Option(
            help="Load a demo blueprint (shop, facilities, vending) into an empty database"
        ),
    ] = None,
) -> None:
    """Run the HTTP service; in development the database is migrated automatically."""
    import uvicorn

    from orderdesk.db import migrate as m

    settings = _settings()

    async def prepare(container: Container) -> None:
        if not settings.is_production:
            await m.upgrade(container.engine)
        elif not await m.is_at_head(container.engine):
            console.print(
                "[red]The database is not at the latest migration: run `orderdesk migrate`.[/red]"
            )
            raise typer.Exit(2)
        if demo:
            await _load_demo(container, demo)
        if not settings.is_production:
            await _ensure_admin(container)

    _run(prepare, settings)
    console.print(f"orderdesk on http://{host}:{port}  (API docs: http://{host}:{port}/docs)")
    uvicorn.run(
        "orderdesk.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=None,
        access_log=False,
        proxy_headers=True,
        server_header=False,
    )


@app.command()
def scheduler() -> None:
    """Run periodic tasks (cron): at each tick one scheduler enqueues the job; stop with Ctrl+C."""
    from orderdesk.db import migrate as m
    from orderdesk.ops.logging import configure_logging
    from orderdesk.scheduler.runner import run_until_signalled

    settings = _settings()
    configure_logging(settings)

    async def work(container: Container) -> None:
        if not await m.is_at_head(container.engine):
            console.print(
                "[red]The database is not at the latest migration: run `orderdesk migrate`.[/red]"
            )
            raise typer.Exit(2)
        await run_until_signalled(container)

    try:
        _run(work, settings)
    except ValueError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc


async def _load_demo(container: Container, name: str, **kwargs: Any) -> None:
    from orderdesk.blueprints import load_demo

    try:
        summary = await load_demo(container, name, **kwargs)
    except ValueError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    if summary is None:
        console.print(f"demo '{name}': the database already has data, nothing loaded")
    else:
        console.print(f"demo '{name}' loaded: {summary}")


async def _ensure_admin(container: Container) -> None:
    """Create an `admin` with a random password if no administrator exists, and print it."""
    from orderdesk.auth import bootstrap

    password = secrets.token_urlsafe(12)
    if await bootstrap.ensure_admin(container, username="admin", password=password):
        console.print(
            f"[bold]administrator created: admin / {password}[/bold]  (change it after login)"
        )


@app.command()
def worker() -> None:
    """Run background jobs until SIGTERM (server shape; needs ORDERDESK_REDIS_URL)."""
    import signal

    import uvloop

    from orderdesk.ops.logging import configure_logging

    settings = _settings()
    configure_logging(settings)
    if not settings.redis_url:
        console.print(
            "[red]The worker takes jobs from Redis: set ORDERDESK_REDIS_URL. Without Redis "
            "`orderdesk serve` runs jobs itself.[/red]"
        )
        raise typer.Exit(2)

    async def main() -> None:
        container = Container.build(settings, run_jobs=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        try:
            await container.jobs.work(stop)
        finally:
            await container.close()

    uvloop.run(main())


@app.command()
def createadmin(
    username: Annotated[str | None, typer.Option(help="Login name")] = None,
    password: Annotated[str | None, typer.Option(help="Password (prompted when omitted)")] = None,
) -> None:
    """Create an administrator (interactive, or --username U --password P for scripts)."""
    from orderdesk.auth import bootstrap
    from orderdesk.core.errors import AppError

    if username is None:
        username = _prompt("Username: ")
    if password is None:
        password = _prompt_password()

    async def work(container: Container) -> None:
        await bootstrap.create_admin(container, username=username, password=password)

    try:
        _run(work)
    except AppError as exc:
        console.print(f"[red]{_error_text(exc)}[/red]")
        raise typer.Exit(1) from exc
    console.print(f"administrator {username} created")


def _prompt(label: str) -> str:
    if not sys.stdin.isatty():
        console.print("[red]No terminal: pass --username and --password.[/red]")
        raise typer.Exit(2)
    return input(label).strip()


def _prompt_password() -> str:
    if not sys.stdin.isatty():
        console.print("[red]No terminal: pass --password.[/red]")
        raise typer.Exit(2)
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Repeat password: "):
        console.print("[red]Passwords differ.[/red]")
        raise typer.Exit(1)
    return first


def _error_text(exc: Any) -> str:
    body = exc.body()
    fields = "; ".join(f"{e['field']}: {e['message']}" for e in body.get("errors", []))
    return " ".join(filter(None, [body.get("title"), body.get("detail"), fields]))


@users_app.command("list")
def users_list(
    role: Annotated[str | None, typer.Option(help="Only this role")] = None,
    status: Annotated[str | None, typer.Option(help="pending, active or blocked")] = None,
) -> None:
    """List users."""
    from orderdesk.auth import bootstrap

    rows = _run(lambda c: bootstrap.list_users(c, role=role, status=status))
    table = Table("id", "username", "name", "role", "status", "unit", "telegram")
    for row in rows:
        table.add_row(
            str(row["id"]),
            row["username"] or "",
            row["display_name"],
            row["role"],
            row["status"],
            str(row["unit_id"] or ""),
            str(row["telegram_id"] or ""),
        )
    console.print(table)


def _user_change(user: str, **change: Any) -> None:
    from orderdesk.auth import bootstrap
    from orderdesk.core.errors import AppError

    try:
        row = _run(lambda c: bootstrap.change_user(c, user, **change))
    except AppError as exc:
        console.print(f"[red]{_error_text(exc)}[/red]")
        raise typer.Exit(1) from exc
    console.print(f"{row['username'] or row['id']}: role={row['role']} status={row['status']}")


@users_app.command("set-role")
def users_set_role(
    user: Annotated[str, typer.Argument(help="Username or id")],
    role: Annotated[str, typer.Argument(help="admin, manager, staff or customer")],
) -> None:
    """Change a user's role."""
    _user_change(user, role=role)


USER_HELP = "Username, id or Telegram id (id:N / tg:N when digits could mean either)"


@users_app.command("block")
def users_block(user: Annotated[str, typer.Argument(help=USER_HELP)]) -> None:
    """Block a user; their sessions end at once."""
    _user_change(user, status="blocked")


@users_app.command("unblock")
def users_unblock(user: Annotated[str, typer.Argument(help=USER_HELP)]) -> None:
    """Unblock (or approve) a user."""
    _user_change(user, status="active")


@users_app.command("approve")
def users_approve(user: Annotated[str, typer.Argument(help=USER_HELP)]) -> None:
    """Approve a pending user."""
    _user_change(user, status="active")


TelegramId = Annotated[int, typer.Argument(min=1, max=2**53 - 1, help="Telegram user id")]


@users_app.command("make-admin")
def users_make_admin(
    telegram_id: TelegramId,
    super_admin: Annotated[
        bool,
        typer.Option(
            "--super",
            help="Role admin (FOK's super admin: also manages users, units, order types, audit). "
            "Without it: role manager (FOK's admin: every order and the catalog, no user "
            "management).",
        ),
    ] = False,
) -> None:
    """Make a Telegram user an administrator (manager, or admin with --super); creates unknown ones.

    A new user starts without a password: they log in through the bot, the Mini App or a
    one-time link (/login in the bot).
    """
    from orderdesk.auth import bootstrap

    row, created = _admin_call(
        lambda c: bootstrap.make_admin(c, telegram_id, super_admin=super_admin)
    )
    verb = "created" if created else "updated"
    console.print(f"tg:{telegram_id} ({row['display_name']}) {verb}: role={row['role']}")


@users_app.command("remove-admin")
def users_remove_admin(telegram_id: TelegramId) -> None:
    """Make an admin or manager a customer again (the last active admin stays)."""
    from orderdesk.auth import bootstrap

    row = _admin_call(lambda c: bootstrap.remove_admin(c, telegram_id))
    console.print(f"tg:{telegram_id} ({row['display_name']}): role={row['role']}")


@users_app.command("list-admins")
def users_list_admins() -> None:
    """List admins and managers with their Telegram ids."""
    from orderdesk.auth import bootstrap

    rows = _run(bootstrap.list_admins)
    table = Table("id", "telegram", "username", "name", "role", "status")
    for row in rows:
        table.add_row(
            str(row["id"]),
            str(row["telegram_id"] or ""),
            row["username"] or "",
            row["display_name"],
            row["role"],
            row["status"],
        )
    console.print(table)


def _admin_call(work: Callable[[Container], Awaitable[T]]) -> T:
    from orderdesk.core.errors import AppError

    try:
        return _run(work)
    except AppError as exc:
        console.print(f"[red]{_error_text(exc)}[/red]")
        raise typer.Exit(1) from exc


@app.command()
def stats(
    tz: Annotated[str, typer.Option(help="Time zone whose midnight starts 'today'")] = "UTC",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables")] = False,
) -> None:
    """Orders today / 7 / 30 days: counts by status, revenue, top items."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from orderdesk.analytics.service import order_stats
    from orderdesk.core.permissions import Principal

    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise typer.BadParameter(f"unknown time zone {tz!r}", param_hint="--tz") from exc

    async def work(container: Container) -> Any:
        async with container.read_sessions() as session:
            return await order_stats(
                session, principal=Principal.system(), now=datetime.now(UTC), tz=zone
            )

    result = _run(work)
    if as_json:
        sys.stdout.write(json.dumps(_stats_json(result), ensure_ascii=False, indent=2) + "\n")
        return
    _print_stats(result)


def _stats_json(result: Any) -> dict[str, Any]:
    from dataclasses import asdict

    return json.loads(json.dumps(asdict(result), default=str))  # type: ignore[no-any-return]


def _print_stats(result: Any) -> None:
    titles = {"today": "today / сегодня", "7d": "7 days / 7 дней", "30d": "30 days / 30 дней"}
    for period in result.periods:
        revenue = ", ".join(f"{amount} {cur}" for cur, amount in period.revenue.items()) or "0"
        console.print(
            f"[bold]{titles[period.key]}[/bold]: {period.orders} orders, revenue {revenue}"
        )
        statuses = Table("status", "orders")
        for status, count in period.by_status.items():
            statuses.add_row(status, str(count))
        console.print(statuses)
        if period.top_items:
            top = Table("item", "sku", "quantity", "amount", "orders")
            for item in period.top_items:
                top.add_row(
                    item.name, item.sku, str(item.quantity), str(item.amount), str(item.orders)
                )
            console.print(top)


@app.command()
def demo(
    blueprint: Annotated[str, typer.Option(help="shop, facilities or vending")] = "shop",
    items: Annotated[int, typer.Option(min=0, max=100_000, help="Catalog size")] = 1000,
    orders: Annotated[int, typer.Option(min=0, max=1_000_000, help="Orders over 90 days")] = 10_000,
    seed: Annotated[int, typer.Option(help="Random seed")] = 1,
    sample_files: Annotated[
        Path | None,
        typer.Option(help="vending: also write sample source files (CSV, XLSX) to this folder"),
    ] = None,
) -> None:
    """Load a blueprint's types, workflows and demo data into an empty database."""
    from orderdesk.db import migrate as m

    if sample_files is not None:
        _write_sample_files(blueprint, sample_files, seed)

    async def work(container: Container) -> None:
        if not container.settings.is_production:
            await m.upgrade(container.engine)
        await _load_demo(container, blueprint, items=items, orders=orders, seed=seed)

    _run(work)


def _write_sample_files(blueprint: str, directory: Path, seed: int) -> None:
    from orderdesk.blueprints.vending_files import write_sample_files

    if blueprint != "vending":
        console.print("[red]--sample-files: only the vending blueprint has sample files.[/red]")
        raise typer.Exit(2)
    for path in write_sample_files(directory, seed=seed):
        console.print(f"sample file: {path}")


def _export_command() -> None:
    from orderdesk.transfer.export.cli import export_command

    app.command("export")(export_command)


_export_command()


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="The file to import")],
    target: Annotated[str, typer.Option(help="items, orders or users")],
    type_: Annotated[str | None, typer.Option("--type", help="Item or order type code")] = None,
    profile: Annotated[str | None, typer.Option(help="A saved import profile")] = None,
    mode: Annotated[str, typer.Option(help="insert, upsert or skip")] = "insert",
    key: Annotated[str | None, typer.Option(help="Key for upsert/skip: sku, number, …")] = None,
    partial: Annotated[bool, typer.Option(help="Commit valid rows even if some fail")] = False,
    dry_run: Annotated[bool, typer.Option(help="Validate and count; commit nothing")] = False,
    report: Annotated[
        Path | None, typer.Option(help="Where to write the error report (CSV)")
    ] = None,
) -> None:
    """Import items, orders or customers from a file, with a progress bar."""
    from pydantic import ValidationError

    from orderdesk.core.errors import AppError
    from orderdesk.transfer.importing.command import import_file
    from orderdesk.transfer.importing.schemas import ImportOptions

    try:
        options = ImportOptions.model_validate(
            {"target": target, "type": type_, "profile": profile, "mode": mode, "key": key,
             "partial": partial, "dry_run": dry_run}
        )  # fmt: skip
    except ValidationError as exc:
        raise typer.BadParameter(str(exc)) from exc
    report_path = report or file.with_name(f"{file.stem}-errors.csv")
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), console=console) as bar:
        task = bar.add_task("0", total=None)

        async def progress(done: int, counts: dict[str, int]) -> None:
            bar.update(task, description=f"{done} rows, {counts.get('rejected', 0)} rejected")

        try:
            outcome = _run(
                lambda c: import_file(c, file, options, progress=progress, report_path=report_path)
            )
        except AppError as exc:
            console.print(f"[red]{_error_text(exc)}[/red]")
            raise typer.Exit(1) from exc
    if outcome.duplicate_of:
        console.print(f"[yellow]{outcome.duplicate_of['message']}[/yellow]")
    counts = ", ".join(f"{name}: {value}" for name, value in outcome.counts.items())
    console.print(f"import {outcome.import_id} {outcome.status}{' (dry run)' if dry_run else ''}")
    console.print(counts)
    if outcome.report_path:
        console.print(f"error report: {outcome.report_path}")
    if outcome.error:
        console.print(f"[red]{outcome.error}[/red]")
        raise typer.Exit(1)


@app.command()
def openapi(
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="File (default stdout)")
    ] = None,
) -> None:
    """Print the OpenAPI specification."""
    from orderdesk.app import create_app

    spec = json.dumps(create_app(Settings()).openapi(), ensure_ascii=False, indent=2)
    if output:
        output.write_text(spec, encoding="utf-8")
    else:
        sys.stdout.write(spec + "\n")


def main() -> None:
    app()
