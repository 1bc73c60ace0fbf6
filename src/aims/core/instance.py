"""Who is using a data directory: `aims serve` and `aims worker` hold a shared lock on a file in it for as long as they
run, and `aims restore` refuses to start unless it can take that lock exclusively.

An advisory file lock (flock) is released by the kernel when the process ends, however it ends (kill -9 included),
so a crash never leaves a stale "running" mark behind.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

LOCK_NAME = "aims.running"
_held: list[int] = []


def _open(data_dir: Path) -> int:
    return os.open(Path(data_dir) / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)


def hold(data_dir: Path) -> None:
    """Mark this process (and the children it forks) as running on `data_dir` until it exits."""
    descriptor = _open(data_dir)
    fcntl.flock(descriptor, fcntl.LOCK_SH)
    _held.append(descriptor)


class Running(Exception):
    """Another process serves or works on this data directory."""


def exclusive(data_dir: Path) -> int:
    """Take the lock exclusively (no serve or worker may start meanwhile); raise Running if one runs now."""
    descriptor = _open(data_dir)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(descriptor)
        raise Running(str(data_dir)) from None
    return descriptor


def release(descriptor: int) -> None:
    os.close(descriptor)
