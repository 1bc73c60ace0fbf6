"""The periodic-job registry (Huey): modules register reminders and deadline clocks with `@periodic`."""

from __future__ import annotations

import time
from collections.abc import Callable

from huey import crontab as huey_crontab
from huey.contrib.djhuey import db_periodic_task

from . import context

PERIODIC_TASKS: dict[str, dict] = {}


def crontab(minute="*", hour="*", day="*", month="*", day_of_week="*", strict=False):
    """Huey's crontab, remembering its fields so `aims tasks list` can show when each job runs."""
    schedule = huey_crontab(minute=minute, hour=hour, day=day, month=month, day_of_week=day_of_week, strict=strict)
    schedule.spec = f"{minute} {hour} {day} {month} {day_of_week}"
    return schedule


def periodic(name: str, schedule, description: str = "") -> Callable:
    """Register a periodic job under a stable name. Later modules use this for reminders and deadline clocks.

    The job runs as the system actor "job:<name>", so the ledger shows which job made each change. `run_now`
    in the registry runs it the same way outside Huey (`aims tasks run NAME`).
    """

    def decorator(func):
        def run():
            with context.bound(system_actor=f"job:{name}", request_id=f"job-{name}-{int(time.time())}"[:64]):
                return func()

        run.__name__ = func.__name__
        run.__doc__ = func.__doc__
        task = db_periodic_task(schedule, name=f"aims.{name}")(run)
        PERIODIC_TASKS[name] = {
            "task": task, "func": func, "run_now": run, "schedule": schedule,
            "schedule_text": getattr(schedule, "spec", "custom"), "description": description,
        }
        return task

    return decorator


def run_periodic(name: str):
    """Run one registered periodic job now, in this process, as its system actor."""
    try:
        entry = PERIODIC_TASKS[name]
    except KeyError:
        raise LookupError(name) from None
    return entry["run_now"]()
