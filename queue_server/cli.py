"""The ``antre`` command: set up, serve and administer one hall.

Every sub-command's ``--help`` is its manual. Mistakes (a broken config, an unknown officer, a
weak password) end with a non-zero exit and a plain sentence on stderr, never a traceback.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from .config import ConfigError, HallConfig, Problem, load_config

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
        import sqlite3

        from .hall import open_hall

        try:
            hall = open_hall(self.config)
        except (OSError, sqlite3.Error) as error:
            raise ConfigError([f"database: cannot open {self.config.database} ({error})"]) from None
        self._config = hall.config  # the setup the database holds, which the browser may have changed
        return hall


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
        except (click.exceptions.Exit, click.Abort):  # RuntimeErrors too: --help, Ctrl-C
            raise
        except RuntimeError as error:
            fail(str(error))
        except Exception as error:
            if not _refused_by_the_queue(error):
                raise
            fail(error.message)


def _refused_by_the_queue(error: Exception) -> bool:
    """Whether ``error`` is the engine's QueueError. The engine (and SQLite with it) is imported here,
    only once something failed: ``antre printer-agent`` on a kiosk PC never opens the hall."""
    from .engine import QueueError

    return isinstance(error, QueueError)


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
@click.option(
    "--demo-officer",
    is_flag=True,
    help="Also make officer 'demo' (every counter) with a password generated now, kept next to the database and "
    "shown at each init while unchanged. For trying Antre out (make run uses it), not for a real hall.",
)
@click.pass_obj
def init(obj: Context, demo_officer: bool) -> None:
    """Create the hall's database, or migrate it to this version (safe to run again)."""
    from .demo import ensure_demo_officer
    from .schema import SCHEMA_VERSION

    _refuse_damaged(obj)
    hall = obj.hall()
    click.echo(f"database {obj.config.database} ready (schema version {SCHEMA_VERSION})")
    if demo_officer:
        click.echo(ensure_demo_officer(hall))
    hall.store.close()


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on; 0.0.0.0 for the whole hall network.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535), help="TCP port.")
@click.option(
    "--threads",
    default=1000,
    show_default=True,
    type=click.IntRange(8, 10000),
    help="Threads per process running requests (not WebSockets).",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    help="Server processes sharing the socket; more than 1 needs live.message_queue (Redis).  [default: live.workers, else 1]",
)
@click.pass_obj
def run(obj: Context, host: str, port: int, threads: int, workers: int | None) -> None:
    """Serve the hall: API, kiosk, displays and officer console (uvicorn, one or more processes)."""
    from .server import ServingClaim, own_url, serve

    workers = workers or obj.config.live.workers
    if workers > 1 and not obj.config.live.message_queue:
        raise ConfigError([Problem("live.message_queue", "config.option_workers_need_message_queue", {"workers": workers})])
    with ServingClaim(obj.config.database, f"http://{host}:{port}"):  # refused (exit 1, one line) while another run serves it
        _refuse_damaged(obj)
        obj.hall().store.close()
        processes = f", {workers} processes" if workers > 1 else ""
        click.echo(f"Antre serving {obj.config.name} on http://{host}:{port} (database {obj.config.database}{processes})", err=True)
        _print_entry_points(obj.config, own_url(host, port))
        _warn_without_public_url(obj.config, host, port)
        _warn_cap_not_below_threads(obj.config, threads)
        serve(obj.config_path.resolve(), host, port, threads, workers)


def _print_entry_points(config: HallConfig, base: str) -> None:
    """Where everything is: the start page first, then each screen (the start page lists the same)."""
    from .start import entry_points

    click.echo(f"  start page   {base}/", err=True)
    for point in entry_points(config):
        if point.group != "counter":
            click.echo(f"  {point.group:<12} {base}{point.path}  {point.name}".rstrip(), err=True)
    click.echo(f"  counter      {base}/display/counter/ID  (one screen per counter, ID: {', '.join(config.counters)})", err=True)


def _warn_without_public_url(config: HallConfig, host: str, port: int) -> None:
    """Printed QR codes need an address phones reach; without ``public_url`` they get the bind address."""
    from .server import own_url

    if config.public_url is None:
        click.echo(
            f"antre: warning: public_url is not set; tickets' QR codes point to {own_url(host, port)}. "
            "Set public_url in the config to the address phones on the hall network reach.",
            err=True,
        )


def _warn_cap_not_below_threads(config: HallConfig, threads: int) -> None:
    """Each connection may run a request in a process's ``--threads`` pool; one address's share must
    leave threads to everyone else."""
    per_address = config.connections.per_address
    if per_address >= threads:
        click.echo(
            f"antre: warning: connections.per_address ({per_address}) is not below --threads ({threads}): "
            "one address can still keep every request thread busy",
            err=True,
        )


def _refuse_damaged(obj: Context) -> None:
    """A damaged page passes opening the file and then fails every request that reads it: stop here instead."""
    from .backup import damage

    problem = damage(obj.config.database)
    if problem is None:
        return
    backups = f" (the daily backups are in {obj.config.backup.folder})" if obj.config.backup else ""
    fail(
        f"database {obj.config.database} is damaged: {problem}. Nothing was started. Restore the latest backup{backups} with "
        f"'antre --config {obj.config_path} restore BACKUP_FILE'; the damaged file is kept beside it as .before-restore."
    )


@main.command("backup")
@click.argument("dest", type=click.Path())  # a string: a trailing / means a folder to create
@click.pass_obj
def backup_command(obj: Context, dest: str) -> None:
    """Copy the hall's database to DEST while the hall runs (DEST: a file, or a folder for a time-stamped file).

    The copy is one consistent moment, made without stopping issuing, and it is checked (PRAGMA
    integrity_check) before it is reported done.
    """
    import sqlite3

    from .backup import backup

    try:
        copy = backup(obj.config.database, dest)
    except (OSError, sqlite3.Error) as error:
        fail(f"backup to {dest} failed: {error}")
    click.echo(f"backup written: {copy.summary()} in {copy.seconds:.1f} s")


@main.command("restore")
@click.argument("src", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_obj
def restore_command(obj: Context, src: Path) -> None:
    """Replace the hall's database with the backup SRC; stop the server first.

    SRC is checked before anything changes. The database it replaces is kept beside it as
    DATABASE.before-restore (numbered if that exists).
    """
    import sqlite3

    from .backup import restore

    try:
        copy = restore(obj.config.database, src)
    except (OSError, sqlite3.Error) as error:
        fail(f"restore from {src} failed: {error}")
    click.echo(f"restored {src} into {copy.summary()}")
    if copy.previous is not None:
        click.echo(f"the database it replaced is kept as {copy.previous}")
    click.echo(f"start the server again: antre --config {obj.config_path} run")


@main.group("config")
def config_group() -> None:
    """The hall's setup (agencies, services, counters, kiosks, displays, hours, ...) as YAML.

    \b
    The setup lives in the hall's database: config.yaml seeds a new hall, and the administration
    pages change it while the hall runs. Keep it under version control with:
      antre config export > setup.yaml
      antre config import setup.yaml
    config.yaml's machine keys (database, public_url, printer, auth, backup, issuing, connections)
    are not part of it and stay in config.yaml.
    """


@config_group.command("export")
@click.pass_obj
def config_export(obj: Context) -> None:
    """Write the hall's current setup as YAML on stdout."""
    from .setup import to_yaml

    hall = obj.hall()
    click.echo(to_yaml(hall.setup.document()), nl=False)
    hall.store.close()


@config_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_obj
def config_import(obj: Context, file: Path) -> None:
    """Validate FILE (a setup, or a whole config.yaml) and make it the hall's setup.

    On any problem, one line per problem and nothing applied. A running server shows the new setup on
    every screen within a few seconds; tickets already issued keep their number and place.
    """
    from .config import read_yaml
    from .setup import MACHINE_KEYS

    data = read_yaml(file.resolve())
    if not isinstance(data, dict):
        raise ConfigError([f"{file}: the file must hold a mapping of keys (hall, services, counters, ...)"])
    kept = [key for key in data if key in MACHINE_KEYS]
    if kept:
        click.echo(f"note: {', '.join(kept)}: the machine's keys stay as config.yaml has them; not imported", err=True)
    hall = obj.hall()
    hall.setup.replace(data, officer_id=None, source="import", what=f"imported {file.name}")
    click.echo(f"imported {file}: setup version {hall.setup.version}")
    hall.store.close()


@main.group()
def officer() -> None:
    """Manage officer and admin accounts."""


@officer.command("add")
@click.argument("username")
@click.option(
    "--role",
    type=click.Choice(["officer", "admin", "agency_admin"]),
    default="officer",
    show_default=True,
    help="admin: the hall admin (everything); agency_admin: one agency's services, counters and officers (needs --agency).",
)
@click.option("--counters", default="", help="Comma-separated counter ids this officer may serve, e.g. 1,2.")
@click.option("--agency", help="The agency, by official or short name: required for agency_admin.")
@click.pass_obj
def officer_add(obj: Context, username: str, role: str, counters: str, agency: str | None) -> None:
    """Add an officer; the password is read from stdin (one line)."""
    password = _password_from_stdin("officer add NAME")
    ids = [c.strip() for c in counters.split(",") if c.strip()]
    added = obj.hall().accounts.add(username, password, role, ids, agency)
    where = ", ".join(added["counters"]) or ("all counters" if role == "admin" else f"the counters of {added['agency']}")
    click.echo(f"added {added['role']} {added['username']} ({where})")


def _password_from_stdin(command: str) -> str:
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        fail(f"no password on stdin: pipe one line, e.g. echo 'secret-pass' | antre {command}")
    return password


@officer.command("list")
@click.pass_obj
def officer_list(obj: Context) -> None:
    """List officers with their role, counters, agency and whether they may log in."""
    officers = obj.hall().accounts.list()
    if not officers:
        click.echo("no officers yet; add one with: antre officer add USERNAME --role admin")
    for o in officers:
        state = "active" if o["active"] else "disabled"
        counters = ",".join(o["counters"]) or "-"
        agency = f"  agency: {o['agency']}" if o["agency"] else ""
        click.echo(f"{o['username']:<20} {o['role']:<8} {state:<9} counters: {counters}{agency}")


@officer.command("disable")
@click.argument("username")
@click.pass_obj
def officer_disable(obj: Context, username: str) -> None:
    """Stop an officer from logging in; their open sessions end at once. The last active hall admin
    cannot be disabled."""
    obj.hall().accounts.disable(username)
    click.echo(f"disabled {username}")


@officer.command("enable")
@click.argument("username")
@click.pass_obj
def officer_enable(obj: Context, username: str) -> None:
    """Let a disabled officer log in again, with the password they had."""
    obj.hall().accounts.enable(username)
    click.echo(f"enabled {username}")


@officer.command("password")
@click.argument("username")
@click.pass_obj
def officer_password(obj: Context, username: str) -> None:
    """Set an officer's password, read from stdin (one line, at least 8 characters); their open
    sessions end. For a one-time password the officer must change, use the administration's reset."""
    password = _password_from_stdin("officer password NAME")
    obj.hall().accounts.set_password(username, password)
    click.echo(f"password of {username} set; their sessions ended")


@main.command()
@click.argument("number")
@click.argument("counter")
@click.option("--save", "save_to", type=click.Path(dir_okay=False, path_type=Path), help="Write the WAV here instead of playing it.")
@click.pass_obj
def say(obj: Context, number: str, counter: str, save_to: Path | None) -> None:
    """Speak one call as the hall would, e.g. `antre say A012 1` (COUNTER: an id from the config, or a name)."""
    from .announce import say_once

    obj.hall().store.close()  # the counters' names as the hall's setup has them now
    try:
        click.echo(say_once(obj.config, number, counter, save_to))
    except (ValueError, OSError) as error:  # a malformed number, an unwritable --save file; voice and player errors are RuntimeErrors
        fail(str(error))


def _hours(ctx: click.Context, param: click.Parameter, value: str | None):
    """`07:30-16:00` → (time, time); anything else is a usage error naming the option."""
    if value is None:
        return None
    from datetime import time

    try:
        opens, closes = (time.fromisoformat(part.strip()) for part in value.split("-"))
    except ValueError:
        raise click.BadParameter(f"{value!r} is not HH:MM-HH:MM, e.g. 07:30-16:00") from None
    if opens >= closes:
        raise click.BadParameter(f"{value!r}: the end must come after the start")
    return opens, closes


@main.command()
@click.option("--seed", default=1, show_default=True, type=int, help="Seed of every random draw: the same seed gives the same day.")
@click.option("--days", default=1, show_default=True, type=click.IntRange(1, 250), help="Working days to play (weekends are skipped).")
@click.option("--date", "first_day", type=click.DateTime(["%Y-%m-%d"]), default="2026-11-02", show_default=True, help="First day.")
@click.option("--hours", callback=_hours, help="Arrival window HH:MM-HH:MM; default hall.opening_hours, else 07:30-16:00.")
@click.option("--load", default=0.7, show_default=True, type=click.FloatRange(0.05, 3.0), help="Visitors relative to capacity.")
@click.option("--no-breaks", is_flag=True, help="Officers take no lunch or prayer pauses.")
@click.option("--into", type=click.Path(dir_okay=False, path_type=Path), help="Keep the history in this new SQLite file.")
@click.pass_obj
def simulate(obj: Context, seed: int, days: int, first_day, hours, load: float, no_breaks: bool, into: Path | None) -> None:
    """Play a synthetic hall day through the real engine and measure the wait estimate.

    \b
    Visitors arrive per service with a morning peak (some with priority), officers call, serve
    (lognormal service times), pause for lunch and prayer, mark no-shows and transfer; some
    visitors give up. The clock is simulated: a full day of the demo hall takes seconds.
    Prints per service: tickets, called, mean and p90 wait, the mean absolute error of the
    estimate given at issue against the wait that happened, the same for a naive baseline
    (people ahead x the hall's mean service time / open counters), and how often the wait
    fell inside the estimate's range.

    \b
      antre simulate --seed 7
      antre simulate --days 20 --into data/history.db
    """
    from .simulate import Scenario
    from .simulate import simulate as play

    if into is not None and into.exists():
        fail(f"--into: {into} already exists; the simulator fills a new database, give a new file name")
    scenario = Scenario(seed=seed, first_day=first_day.date(), days=days, hours=hours, load=load, breaks=not no_breaks)
    result = play(obj.config, scenario, into)
    click.echo(f"{obj.config.name}: {days} simulated day(s) from {first_day.date()}, seed {seed}, load {load}")
    click.echo(result.table())
    if into is not None:
        click.echo(f"history kept in {into}")


@main.group()
def reports() -> None:
    """The reports' tables, kept from the event log."""


@reports.command("rebuild")
@click.pass_obj
def reports_rebuild(obj: Context) -> None:
    """Recompute the reports' tables from the whole event log, exactly, replacing them at once.

    \b
    The server keeps them up to date by itself, a second or so behind every commit, and a hall
    upgraded from a version without reports fills them at its first report. Run this after
    restoring an old backup by hand-copying the database, after changing a service's target wait
    and wanting old events without a recorded target to follow it, or whenever a report looks
    wrong: it is safe while the server runs (reports read the old tables until the new ones are
    committed in one transaction) and takes seconds for a year of history.
    """
    import time

    hall = obj.hall()
    started = time.perf_counter()
    events = hall.summaries.rebuild()
    click.echo(f"reports rebuilt from {events} events in {time.perf_counter() - started:.1f} s")
    hall.store.close()


@main.command("printer-agent-key")
@click.argument("kiosk")
@click.pass_obj
def printer_agent_key(obj: Context, kiosk: str) -> None:
    """Make the key a kiosk's printer-agent logs in with (replaces its earlier key); shown once."""
    from antre.printer.agent_namespace import issue_agent_key

    hall = obj.hall()  # the hall's setup: a kiosk added in the administration counts
    found = hall.config.kiosks.get(kiosk)
    if found is None or found.printer != "agent":
        fail(f"kiosk {kiosk!r} is not configured with printer: agent (config kiosks)")
    click.echo(issue_agent_key(hall.store, kiosk))


@main.command("kiosk-key")
@click.argument("kiosk")
@click.pass_obj
def kiosk_key(obj: Context, kiosk: str) -> None:
    """Make the key kiosk KIOSK issues tickets with (replaces its earlier key); shown once.

    On the kiosk PC open /kiosk/pair?id=KIOSK&key=KEY once: the browser keeps the key."""
    from antre.queue_server.issuing_access import new_kiosk_key

    hall = obj.hall()  # the hall's setup: a kiosk added in the administration counts
    if kiosk not in hall.config.kiosks:
        fail(f"kiosk {kiosk!r} is not in the config (kiosks: {', '.join(hall.config.kiosks) or 'none'})")
    click.echo(new_kiosk_key(hall.store, kiosk))


@main.command("survey-key")
@click.argument("counter")
@click.pass_obj
def survey_key(obj: Context, counter: str) -> None:
    """Make the key of the survey tablet beside counter COUNTER (replaces its earlier key); shown once.

    On the tablet open /survey/pair?counter=COUNTER&key=KEY once: the browser keeps the key, and the
    tablet offers the survey for each ticket that counter completes."""
    from antre.queue_server.skm.tablet import new_tablet_key

    hall = obj.hall()  # the hall's setup: a counter added in the administration counts
    if counter not in hall.config.counters:
        fail(f"counter {counter!r} is not in the config (counters: {', '.join(hall.config.counters) or 'none'})")
    click.echo(new_tablet_key(hall.store, counter))


@main.command("printer-agent")
@click.option("--server", required=True, help="The hall server, e.g. http://192.168.1.10:5000.")
@click.option("--kiosk", required=True, help="This kiosk's id (config kiosks, with printer: agent).")
@click.option(
    "--key", envvar="ANTRE_AGENT_KEY", required=True, help="From 'antre printer-agent-key KIOSK' on the server; or $ANTRE_AGENT_KEY."
)
@click.option(
    "--printer",
    "printer_spec",
    help="file:/dev/usb/lp0, usb:VID:PID (hex), serial:/dev/ttyUSB0[:BAUD], network:HOST[:PORT] or dummy; default: the config's printer.",
)
@click.option(
    "--state",
    "state_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File of printed job ids [default: ~/.local/state/antre/agent-KIOSK.ids].",
)
@click.pass_obj
def printer_agent(obj: Context, server: str, kiosk: str, key: str, printer_spec: str | None, state_file: Path | None) -> None:
    """Print a kiosk's tickets on a printer attached to this PC (USB, serial, file); runs until stopped."""
    import logging
    import signal

    from antre.printer.agent import PrinterAgent, parse_printer
    from antre.printer.connections import open_connection

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    try:
        section = parse_printer(printer_spec) if printer_spec else obj.config.printer
    except ValueError as error:
        fail(str(error))
    state_file = state_file or Path.home() / ".local" / "state" / "antre" / f"agent-{kiosk}.ids"
    agent = PrinterAgent(server, kiosk, key, open_connection(section, Path.cwd()), state_file)
    signal.signal(signal.SIGTERM, lambda *_: agent.stop())
    click.echo(f"printer-agent for kiosk {kiosk}: {agent.connection.name}, server {server}", err=True)
    try:
        agent.run()
    except KeyboardInterrupt:
        agent.stop()


if __name__ == "__main__":
    main()
