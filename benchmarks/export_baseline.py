"""transfer.py's export baseline and PostgreSQL CPU: bare `COPY … TO STDOUT` of the export's
rows, and the CPU of a database's backends (PostgreSQL on this machine, read from /proc)."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

EXPORT_COLUMNS = """o.number, ot.code, o.status, o.channel, coalesce(u.username, u.email, u.phone),
    u.display_name, un.code, o.external_source, o.external_ref, o.currency, o.subtotal,
    o.vat_amount, o.total, o.note, o.starts_at, o.ends_at, o.created_at, o.updated_at,
    l.position, l.sku, l.name, l.measure_unit, l.quantity, l.unit_price, l.coefficient, l.amount"""


async def copy_out(dsn: str, type_code: str, output: Path) -> dict[str, Any]:
    """Bare `COPY (SELECT …) TO STDOUT (FORMAT csv)` of the export's rows and columns: values as
    PostgreSQL prints them, no formatting, escaping or paging — the floor for the export."""
    import asyncpg

    conn = await asyncpg.connect(dsn)
    await conn.execute("SET jit = off")
    query = f"""SELECT {EXPORT_COLUMNS}
    FROM orders o JOIN order_types ot ON ot.id = o.order_type_id
    LEFT JOIN users u ON u.id = o.customer_id LEFT JOIN units un ON un.id = o.unit_id
    LEFT JOIN order_lines l ON l.order_id = o.id
    WHERE ot.code = '{type_code}' ORDER BY o.id, l.position, l.id"""  # noqa: S608
    pid = await conn.fetchval("SELECT pg_backend_pid()")
    before = process_cpu(pid)
    started = time.perf_counter()
    status = await conn.copy_from_query(query, output=output, format="csv", header=True)
    seconds = time.perf_counter() - started
    after = process_cpu(pid)
    await conn.close()
    cpu = None if before is None or after is None else after - before
    return {"seconds": seconds, "rows": int(status.split()[-1]), "pg_cpu": cpu}


def process_cpu(pid: int) -> float | None:
    """A local process's CPU seconds (user + system), None where /proc cannot tell."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def backend_cpu(dsn: str, database: str) -> float | None:
    """CPU seconds of the database's backends but this query's (PostgreSQL on this machine)."""
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        pids = await conn.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
            database,
        )
    finally:
        await conn.close()
    found = [process_cpu(row["pid"]) for row in pids]
    return None if not found or None in found else sum(x for x in found if x is not None)
