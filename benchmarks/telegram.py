"""Telegram benchmark: `--part webhook` (updates/s through /telegram/webhook vs bare aiogram) and
`--part notifications` (events → deliveries → sends at Telegram's own rate, duplicates counted).

Run:  .venv/bin/python benchmarks/telegram.py --part webhook [--updates 4000] [--concurrency 32]
      .venv/bin/python benchmarks/telegram.py --part notifications [--events 10000]
Without --part both run, each with its defaults. The other options go to the part.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import telegram_notifications, telegram_webhook  # noqa: E402

PARTS = {"webhook": telegram_webhook.main, "notifications": telegram_notifications.main}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--part", choices=sorted(PARTS), action="append")
    args, rest = parser.parse_known_args()
    for part in args.part or sorted(PARTS):
        sys.argv = [f"benchmarks/telegram_{part}.py", "--part", part, *rest]
        PARTS[part]()


if __name__ == "__main__":
    main()
