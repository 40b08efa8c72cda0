"""The ``antre`` command: set up, serve and administer one hall.

Every sub-command's ``--help`` is its manual. Mistakes (a broken config, an unknown officer, a
weak password) end with a non-zero exit and a plain sentence on stderr, never a traceback.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path

import click

from .config import ConfigError, HallConfig, load_config
from .engine import QueueError

DEFAULT_CONFIG = "config.yaml"


class Context:
    def __init__(self, config_path: Path):
        self.config_path = config_path
        self._config: HallConfig | None = None

    @property
    def config(self) -> HallConfig:
        if self._config is None:
            self._config = load_config(self.config_path)
        return self._config

    def hall(self):
        from .app import open_hall

        try:
            return open_hall(self.config)
        except (OSError, sqlite3.Error) as error:
            raise ConfigError([f"database: cannot open {self.config.database} ({error})"]) from None


def fail(message: str, code: int = 1) -> None:
    click.echo(f"antre: {message}", err=True)
    sys.exit(code)


class AntreGroup(click.Group):
    """Turns the errors a user can cause into one clear line instead of a traceback."""

    def main(self, *args, **kwargs):
        """Click's usage errors (a bad option, a missing argument) become one line too."""
        try:
            return super().main(*args, standalone_mode=False, **kwargs)
        except click.ClickException as error:
            where = f" (see '{error.ctx.command_path} --help')" if getattr(error, "ctx", None) else ""
            fail(f"{error.format_message()}{where}", error.exit_code)
        except click.Abort:
            fail("aborted")

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ConfigError as error:
            for problem in error.problems:
                click.echo(f"antre: config: {problem}", err=True)
            sys.exit(2)
        except QueueError as error:
            fail(error.message)
        except (click.exceptions.Exit, click.Abort):  # RuntimeErrors too: --help, Ctrl-C
            raise
        except RuntimeError as error:
            fail(str(error))


@click.group(cls=AntreGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=lambda: os.environ.get("ANTRE_CONFIG", DEFAULT_CONFIG),
    show_default="$ANTRE_CONFIG or config.yaml",
    help="The hall's config file.",
)
@click.pass_context
def main(ctx: click.Context, config_path: Path) -> None:
    """Antre: queue management and counter displays for a public service hall.

    \b
    Typical set-up of a hall:
      antre --config config.yaml init
      echo 'a-long-password' | antre --config config.yaml officer add admin --role admin
      antre --config config.yaml run --host 0.0.0.0
    """
    ctx.obj = Context(config_path)


@main.command()
@click.pass_obj
def init(obj: Context) -> None:
    """Create the hall's database, or migrate it to this version (safe to run again)."""
    from .schema import SCHEMA_VERSION

    hall = obj.hall()
    hall.store.close()
    click.echo(f"database {obj.config.database} ready (schema version {SCHEMA_VERSION})")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on; 0.0.0.0 for the whole hall network.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535), help="TCP port.")
@click.option("--threads", default=1000, show_default=True, type=click.IntRange(8, 10000), help="Threads: bounds open displays and phones.")
@click.pass_obj
def run(obj: Context, host: str, port: int, threads: int) -> None:
    """Serve the hall: API, kiosk, displays and officer console (gunicorn, one process)."""
    from .server import serve

    obj.hall().store.close()
    click.echo(f"Antre serving {obj.config.name} on http://{host}:{port} (database {obj.config.database})", err=True)
    serve(obj.config_path.resolve(), host, port, threads)


@main.group()
def officer() -> None:
    """Manage officer and admin accounts."""


@officer.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(["officer", "admin"]), default="officer", show_default=True)
@click.option("--counters", default="", help="Comma-separated counter ids this officer may serve, e.g. 1,2.")
@click.pass_obj
def officer_add(obj: Context, username: str, role: str, counters: str) -> None:
    """Add an officer; the password is read from stdin (one line)."""
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        fail("no password on stdin: pipe one line, e.g. echo 'secret-pass' | antre officer add NAME")
    ids = [c.strip() for c in counters.split(",") if c.strip()]
    added = obj.hall().accounts.add(username, password, role, ids)
    where = ", ".join(added["counters"]) or "all counters"
    click.echo(f"added {added['role']} {added['username']} ({where})")


@officer.command("list")
@click.pass_obj
def officer_list(obj: Context) -> None:
    """List officers with their role, counters and whether they may log in."""
    officers = obj.hall().accounts.list()
    if not officers:
        click.echo("no officers yet; add one with: antre officer add USERNAME --role admin")
    for o in officers:
        state = "active" if o["active"] else "disabled"
        counters = ",".join(o["counters"]) or "-"
        click.echo(f"{o['username']:<20} {o['role']:<8} {state:<9} counters: {counters}")


@officer.command("disable")
@click.argument("username")
@click.pass_obj
def officer_disable(obj: Context, username: str) -> None:
    """Stop an officer from logging in; their open sessions end at once."""
    obj.hall().accounts.disable(username)
    click.echo(f"disabled {username}")


if __name__ == "__main__":
    main()
