"""The ``mlwa`` command line: a thin shell over the ``engine`` API.

Sub-commands live in ``engine/commands/<name>.py`` and are imported only when used, so
``mlwa --help`` stays fast. Errors are mapped to exit codes in one place:
0 clean, 1 findings at or above ``--fail-on``, 2 usage or input error, 3 a bug in mlwa.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import traceback
from typing import Any

import click

from engine import __version__

# name -> (module, one-line help). The help is repeated here so --help never imports.
COMMANDS: dict[str, tuple[str, str]] = {
    "lens": ("engine.commands.lens", "Browse, query, check and export the ML Lens knowledge graph."),
    "workload": ("engine.commands.workload", "Check, show and scaffold workload descriptions."),
    "validate": ("engine.commands.validate", "Validate workload files against the policy packs."),
    "policies": ("engine.commands.policies", "List, show, test and scaffold policies."),
    "profile": ("engine.commands.profile", "Check tailoring profiles."),
    "waivers": ("engine.commands.waivers", "Grant, list and revoke waivers."),
    "store": ("engine.commands.store", "The governance store: log, show, rollback."),
    "portfolio": ("engine.commands.portfolio", "Validate many workloads at once."),
    "query": ("engine.commands.query", "Ask the estate store a read-only SPARQL question."),
    "history": ("engine.commands.history", "Recorded validation runs and milestones."),
    "diff": ("engine.commands.diff", "Compare two recorded runs."),
    "oscal": ("engine.commands.oscal", "Export OSCAL catalog, profile and assessment results."),
    "app": ("engine.commands.app", "Start the web app on 127.0.0.1."),
}

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT, EXIT_BUG = 0, 1, 2, 3


def _available(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


class LazyGroup(click.Group):
    """A group whose sub-commands are imported on first use.

    ``lazy`` maps a name to ``(module, help)`` or ``(module:attribute, help)``; the
    attribute defaults to ``command``. Entries whose module is not installed are hidden.
    """

    def __init__(self, *args: Any, lazy: dict[str, tuple[str, str]] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = COMMANDS if lazy is None else lazy

    def list_commands(self, ctx: click.Context) -> list[str]:
        eager = set(super().list_commands(ctx))
        lazy = {n for n, (target, _) in self.lazy.items() if _available(target.split(":")[0])}
        return sorted(eager | lazy)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        eager = super().get_command(ctx, cmd_name)
        if eager is not None:
            return eager
        entry = self.lazy.get(cmd_name)
        if entry is None or not _available(entry[0].split(":")[0]):
            return None
        module_name, _, attr = entry[0].partition(":")
        module = importlib.import_module(module_name)
        command: click.Command = getattr(module, attr or "command")
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for n in self.list_commands(ctx):
            if n in self.lazy:
                rows.append((n, self.lazy[n][1]))
            else:
                cmd = super().get_command(ctx, n)
                rows.append((n, cmd.get_short_help_str() if cmd else ""))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mlwa")
def cli() -> None:
    """mlwa: the AWS Well-Architected Machine Learning Lens as a knowledge graph and policy engine.

    Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage or input error,
    3 an internal error (a bug in mlwa).
    """


def main(argv: list[str] | None = None) -> Any:
    from engine.errors import InputError

    try:
        return cli.main(args=argv, prog_name="mlwa", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("mlwa: aborted", err=True)
        sys.exit(EXIT_INPUT)
    except click.UsageError as exc:
        # the command's usage line, then one line saying what is wrong
        if exc.ctx is not None:
            click.echo(exc.ctx.get_usage(), err=True)
        click.echo(f"mlwa: {' '.join(exc.format_message().split())}", err=True)
        sys.exit(EXIT_INPUT)
    except click.ClickException as exc:
        click.echo(f"mlwa: {exc.format_message()}", err=True)
        sys.exit(EXIT_INPUT)
    except InputError as exc:
        for line in exc.lines():
            click.echo(f"mlwa: {line}", err=True)
        sys.exit(EXIT_INPUT)
    except BrokenPipeError:
        sys.exit(EXIT_OK)
    except KeyboardInterrupt:
        sys.exit(130)
    except SystemExit:
        raise
    except BaseException:
        traceback.print_exc()
        click.echo("mlwa: internal error: this is a bug in mlwa; please report it with the "
                   "traceback above", err=True)
        sys.exit(EXIT_BUG)
