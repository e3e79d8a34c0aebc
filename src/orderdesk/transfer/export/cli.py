"""`orderdesk export`: a filtered list of items or orders to a file, with a progress bar."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from orderdesk.core.errors import AppError
from orderdesk.core.i18n import t
from orderdesk.core.permissions import Principal
from orderdesk.settings import ConfigurationError, Settings
from orderdesk.transfer.export.schemas import ExportOptions, ExportSpec, Target
from orderdesk.transfer.export.writers import ExportFormat
from orderdesk.transfer.messages_export import EXPORT_TYPE_UNKNOWN

console = Console(stderr=True)


def _filters(target: str, **given: Any) -> dict[str, Any]:
    values = {key: value for key, value in given.items() if value is not None}
    if "created_from" in values:
        values["created_from"] = values["created_from"].isoformat()
    if "created_to" in values:
        values["created_to"] = values["created_to"].isoformat()
    return values


async def _run(settings: Settings, spec: ExportSpec, output: Path, type_code: str | None) -> int:
    from orderdesk.container import Container
    from orderdesk.transfer.export import repository as repo
    from orderdesk.transfer.export import service

    container = Container.build(settings, run_jobs=False)
    try:
        async with container.read_sessions() as session:
            if type_code:
                type_id = await repo.type_id_by_code(session, spec.target, type_code)
                if type_id is None:
                    raise typer.BadParameter(
                        t(EXPORT_TYPE_UNKNOWN, spec.lang, target=spec.target, code=type_code)
                    )
                key = "item_type_id" if spec.target == "items" else "order_type_id"
                spec = spec.model_copy(update={"filters": {**spec.filters, key: type_id}})
            plan = await service.prepare(
                session=session, principal=Principal.system(), spec=spec, settings=settings
            )
            total = await service.count_rows(session, plan)
            service.check_size(plan, total, settings)
            with Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=console,
            ) as bar:
                task = bar.add_task(output.name, total=total)

                async def progress(done: int) -> None:
                    bar.update(task, completed=done)

                return await service.write_file(
                    session, plan, output, total=total, progress=progress
                )
    finally:
        await container.close()


def export_command(
    output: Annotated[Path, typer.Option("-o", "--output", help="File to write")],
    target: Annotated[str, typer.Option(help="orders | items")] = "orders",
    fmt: Annotated[
        ExportFormat, typer.Option("--format", help="csv, json, ndjson, xml, xlsx, pdf")
    ] = ExportFormat.csv,
    status: Annotated[str | None, typer.Option(help="Only this status")] = None,
    type_code: Annotated[str | None, typer.Option("--type", help="Item or order type code")] = None,
    date_from: Annotated[datetime | None, typer.Option("--from", help="Created on/after")] = None,
    date_to: Annotated[datetime | None, typer.Option("--to", help="Created before")] = None,
    q: Annotated[str | None, typer.Option("--q", help="Search text")] = None,
    delimiter: Annotated[str, typer.Option(help="CSV: , ; | or tab")] = ",",
    bom: Annotated[bool, typer.Option(help="CSV: UTF-8 BOM for Excel")] = False,
    lines: Annotated[bool, typer.Option(help="Orders: one row per line")] = True,
    lang: Annotated[str, typer.Option(help="Labels: en | ru")] = "en",
) -> None:
    """Export a filtered list of orders or items (as the system) to a file."""
    if target not in ("orders", "items") or lang not in ("en", "ru"):
        raise typer.BadParameter("--target is orders or items; --lang is en or ru")
    try:
        settings = Settings()
        settings.validate_for_startup()
        options = ExportOptions(format=fmt, delimiter=delimiter, bom=bom, lines=lines, lang=lang)
        chosen: Target = "orders" if target == "orders" else "items"
        filters = _filters(chosen, status=status, q=q, created_from=date_from, created_to=date_to)
        spec = ExportSpec(
            target=chosen, options=options, filters=filters, lang=options.lang or "en"
        )
        rows = asyncio.run(_run(settings, spec, output, type_code))
    except (ConfigurationError, ValueError) as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    except AppError as exc:
        body = exc.body()
        details = "; ".join(f"{e['field']}: {e['message']}" for e in body.get("errors", []))
        console.print(f"[red]{body.get('detail') or body['title']} {details}[/red]")
        raise typer.Exit(2) from exc
    Console().print(f"{rows} rows → {output}")
