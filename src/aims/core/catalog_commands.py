"""The `aims catalogs` command is shared: each module adds what it loads and its own import subcommands, in its
AppConfig.ready, so core never imports a domain app:

    catalog_commands.register_loader("risks", load_risk_catalogues, order=20)     # run by `aims catalogs load`
    catalog_commands.register_subcommand("import-atlas", help=..., arguments=add_arguments, handler=handle)

A loader is `func(write) -> None` (write(text) prints a line); a handler is `func(options: dict, write) -> None` and
raises `django.core.management.CommandError` with a clear message when nothing could be imported.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Subcommand:
    name: str
    help: str
    arguments: Callable
    handler: Callable


_LOADERS: dict[str, tuple[int, Callable]] = {}
_SUBCOMMANDS: dict[str, Subcommand] = {}


def register_loader(key: str, loader: Callable, *, order: int = 100) -> None:
    _LOADERS[key] = (order, loader)


def register_subcommand(name: str, *, help: str, arguments: Callable, handler: Callable) -> None:  # noqa: A002
    _SUBCOMMANDS[name] = Subcommand(name, help, arguments, handler)


def loaders() -> list[Callable]:
    return [loader for _order, loader in sorted(_LOADERS.values(), key=lambda entry: entry[0])]


def subcommands() -> list[Subcommand]:
    return [_SUBCOMMANDS[name] for name in sorted(_SUBCOMMANDS)]
