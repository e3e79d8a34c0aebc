"""`orderdesk bot …`: long polling, and registering or removing the webhook."""

from __future__ import annotations

import asyncio
import signal

import typer
from rich.console import Console

from orderdesk.container import Container
from orderdesk.settings import ConfigurationError, Settings

bot_app = typer.Typer(help="The Telegram bot. Телеграм-бот.", no_args_is_help=True)
console = Console()


def _settings() -> Settings:
    try:
        settings = Settings()
        settings.validate_for_startup()
    except ConfigurationError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    if not settings.telegram_enabled:
        console.print("[red]ORDERDESK_TELEGRAM_BOT_TOKEN is not set: the bot is off.[/red]")
        raise typer.Exit(2)
    return settings


@bot_app.command("run")
def run() -> None:
    """Long-poll Telegram for updates (one runner at a time); stop with Ctrl+C."""
    from orderdesk.ops.logging import configure_logging
    from orderdesk.telegram.bot.runtime import AlreadyRunning, run_polling

    settings = _settings()
    configure_logging(settings)

    async def main() -> int:
        container = Container.build(settings)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        try:
            await run_polling(container, stop)
        except AlreadyRunning:
            console.print("[red]Another `orderdesk bot run` is polling already.[/red]")
            return 3
        finally:
            await container.close()
        return 0

    code = asyncio.run(main())
    if code:
        raise typer.Exit(code)


@bot_app.command("set-webhook")
def set_webhook() -> None:
    """Tell Telegram to POST updates to {public_url}/telegram/webhook with the secret."""
    from orderdesk.telegram.bot.runtime import set_webhook as register

    settings = _settings()
    if not settings.telegram_webhook_secret:
        console.print("[red]Set ORDERDESK_TELEGRAM_WEBHOOK_SECRET first.[/red]")
        raise typer.Exit(2)

    async def main() -> str:
        container = Container.build(settings)
        try:
            return await register(container)
        finally:
            await container.close()

    console.print(f"webhook set: {asyncio.run(main())}")


@bot_app.command("delete-webhook")
def delete_webhook() -> None:
    """Stop webhook delivery (before switching to `orderdesk bot run`)."""
    from orderdesk.telegram.bot.runtime import delete_webhook as remove

    settings = _settings()

    async def main() -> None:
        container = Container.build(settings)
        try:
            await remove(container)
        finally:
            await container.close()

    asyncio.run(main())
    console.print("webhook deleted")
