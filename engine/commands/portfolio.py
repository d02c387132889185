"""``mlwa portfolio``: validate many workload files at once, in bounded memory."""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path
from typing import Any

import click

from engine.commands._common import (
    as_of_option,
    engine_option,
    estate_option,
    pack_option,
    profile_option,
    read_profile,
    read_waivers,
    waivers_option,
)
from engine.errors import InputError, UsageError

FORMATS = ["text", "json", "sarif", "junit", "markdown", "html"]


@click.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="text and json print the portfolio summary; the others render the full "
                   "report as `mlwa validate` does.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report here (atomically) instead of standard output.")
@click.option("--fail-on", type=click.Choice(["high", "medium", "low", "none"]), default="high",
              show_default=True, help="Exit 1 when an unwaived finding is at or above this severity.")
@engine_option
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Local worker processes (default: the number of CPUs).")
@click.option("--scheduler", default=None, metavar="tcp://HOST:PORT",
              help="Run the chunks on this Dask distributed scheduler instead.")
@click.option("--chunk-size", type=click.IntRange(min=1), default=200, show_default=True,
              help="Files per chunk (what one worker loads and validates at a time).")
@estate_option
@click.option("--no-store", is_flag=True, help="Do not write workloads and the run to the estate.")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="In the estate a workload is its id and its file's path relative to this "
                   "folder (default: the current folder); keep it the same from run to run.")
@click.option("--record", is_flag=True, help="Also record the run in the history folder.")
@click.option("--milestone", default=None, help="Name the run as a milestone.")
@click.option("--strict", is_flag=True, help="Exit 2 when any file has an input error.")
@click.option("--progress/--no-progress", default=None,
              help="Progress bar on stderr (default: only when stderr is a terminal).")
@click.option("--top", type=click.IntRange(min=1), default=50, show_default=True,
              help="Workloads listed in the text summary.")
@pack_option
@profile_option
@waivers_option
@click.option("--policy", "codes", multiple=True, help="Only these policy codes (repeatable).")
@click.option("--edition", type=click.Choice(["2023", "2025"]), default="2025", show_default=True,
              help="Which lens edition's practice ids the report shows.")
@as_of_option()
@click.option("--max-bytes", type=click.IntRange(min=1), default=None,
              help="Largest workload file accepted (default 2 MiB).")
def command(inputs: tuple[str, ...], fmt: str, output: Path | None, fail_on: str, engine: str,
            workers: int | None, scheduler: str | None, chunk_size: int, store: str | None,
            no_store: bool, root: Path | None, record: bool, milestone: str | None, strict: bool,
            progress: bool | None, top: int, packs: tuple[Path, ...], profile: Path | None,
            waivers: Path | None, codes: tuple[str, ...], edition: str, as_of: dt.date | None,
            max_bytes: int | None) -> None:
    """Validate every workload file in the folders, globs or files INPUTS.

    Files with input errors are listed and do not stop the run: the exit code follows the
    findings (0 clean, 1 at or above --fail-on) unless --strict, which exits 2 for them.
    When no workload at all was validated (no file found, or every file had an error),
    one line says so and the exit code is 2.
    """
    from engine.estate.portfolio import (
        PortfolioOptions,
        render_summary,
        run_portfolio,
        shared_ids,
        summary_json,
    )

    if store and no_store:
        raise UsageError("--store and --no-store exclude each other")
    read_profile(profile)  # bad files stop the run here, before any worker starts (exit 2)
    read_waivers(waivers)
    options = PortfolioOptions(engine=engine, edition=edition,
                               as_of=(as_of or dt.date.today()).isoformat(),
                               packs=tuple(str(p) for p in packs),
                               codes=tuple(c.upper() for c in codes), max_bytes=max_bytes,
                               root=os.path.abspath(root) if root is not None else None,
                               profile=str(profile) if profile else None,
                               waivers=str(waivers) if waivers else None)
    show = sys.stderr.isatty() if progress is None else progress
    full = fmt not in ("text", "json")
    with _progress(show) as hook:
        result = run_portfolio(inputs, options, workers=workers, scheduler=scheduler,
                               chunk_size=chunk_size, store=store, use_store=not no_store,
                               keep_reports=full, milestone=milestone,
                               record=record or milestone is not None, progress=hook)
    nothing = result.nothing_validated(inputs)
    if nothing is not None and not result.bugs:
        result.close()
        raise InputError(nothing)
    clash = shared_ids(result.summaries) if full else None
    if clash is not None:
        result.close()
        raise InputError(clash)
    try:
        if fmt == "text":
            color = output is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ
            text = render_summary(result, top=top, color=color)
        elif fmt == "json":
            import json

            text = json.dumps({"schema": "mlwa/portfolio", "version": "1",
                               "data": summary_json(result)}, indent=1, ensure_ascii=False) + "\n"
        else:
            from engine.formatters import render

            text = render(result.report(), fmt, edition=edition)
    finally:
        result.close()
    if output is not None:
        tmp = output.with_name(f".{output.name}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, output)
    else:
        click.echo(text, nl=not text.endswith("\n"))
    if fmt != "text" or output is not None:
        for line in result.errors:
            click.echo(f"mlwa: {line}", err=True)
        for line in result.bugs:
            click.echo(f"mlwa: internal error (a bug in mlwa): {line}", err=True)
    if result.bugs:
        sys.exit(3)
    if strict and result.errors:
        sys.exit(2)
    if result.fails(fail_on):
        sys.exit(1)


class _progress:
    """A rich progress bar on stderr, or nothing."""

    def __init__(self, show: bool) -> None:
        self.show = show
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> Any:
        if not self.show:
            return None
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self._bar = Progress(TextColumn("validating"), BarColumn(), MofNCompleteColumn(),
                             TimeElapsedColumn(), TimeRemainingColumn(),
                             console=Console(stderr=True), transient=False)
        self._bar.start()
        self._task = self._bar.add_task("portfolio", total=None)

        def hook(done: int, total: int) -> None:
            self._bar.update(self._task, completed=done, total=total)

        return hook

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()
