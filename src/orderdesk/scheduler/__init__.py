"""Periodic jobs declared in code with cron expressions; `orderdesk scheduler` enqueues them."""

from orderdesk.scheduler.handlers import HANDLERS
from orderdesk.scheduler.tasks import PeriodicTask, periodic_tasks

__all__ = ["HANDLERS", "PeriodicTask", "periodic_tasks"]
