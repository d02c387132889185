"""``mlwa validate``: check workload files against the policy packs, for people and CI."""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

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
from engine.errors import UsageError

FORMATS = ["text", "json", "sarif", "junit", "markdown", "html", "pdf"]


@click.command()
@click.argument("files", nargs=-1, required=False, type=click.Path(path_type=Path))
@click.option("--iac", "iac", multiple=True, type=click.Path(path_type=Path),
              help="Import infrastructure code (template, Terraform folder or plan, "
                   "pipeline definition; repeatable) and validate it with --overlay.")
@click.option("--overlay", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="With --iac: the hand-written part of the description.")
@click.option("--parameters", "-p", "parameters", multiple=True, metavar="FILE|K=V",
              help="With --iac: parameter values (K=V, SageMaker project config, .tfvars).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="Report format: text for people, json (docs/json.md), sarif, junit, markdown, "
                   "html, pdf.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report here (atomically) instead of standard output.")
@click.option("--fail-on", type=click.Choice(["high", "medium", "low", "none"]), default="high",
              show_default=True, help="Exit 1 when an unwaived finding is at or above this severity.")
@pack_option
@click.option("--policy", "codes", multiple=True, help="Only these policy codes (repeatable).")
@profile_option
@waivers_option
@click.option("--edition", type=click.Choice(["2023", "2025"]), default="2025", show_default=True,
              help="Which lens edition's practice ids the report shows.")
@engine_option
@as_of_option()
@click.option("--max-bytes", type=click.IntRange(min=1), default=None,
              help="Largest workload file accepted (default 2 MiB).")
@click.option("--baseline", type=str, default=None,
              help="A previous run (id or JSON report file); with --new-only only new findings count.")
@click.option("--new-only", is_flag=True, help="Fail only on findings absent from --baseline.")
@click.option("--all", "full", is_flag=True,
              help="Show every action and every finding (text and markdown show the top 10 "
                   "actions by default).")
@click.option("--record/--no-record", default=False,
              help="Record this run in the history store (see mlwa history).")
@click.option("--milestone", default=None, help="Name the recorded run as a milestone.")
@estate_option
@click.option("--cpu-limit", type=click.FloatRange(min=0.1), default=None,
              help="CPU seconds a custom pack may use per call (sandbox; default 5).")
@click.option("--memory-limit", type=click.FloatRange(min=16), default=None,
              help="Extra memory (MB) a custom pack may use (sandbox; default 1024).")
@click.option("--wall-limit", type=click.FloatRange(min=0.1), default=None,
              help="Wall-clock seconds a custom pack may take per call (sandbox; default 20).")
def command(files: tuple[Path, ...], iac: tuple[Path, ...], overlay: Path | None,
            parameters: tuple[str, ...], fmt: str, output: Path | None, fail_on: str,
            packs: tuple[Path, ...], codes: tuple[str, ...], profile: Path | None,
            waivers: Path | None, edition: str, engine: str, as_of: dt.date | None,
            max_bytes: int | None, baseline: str | None, new_only: bool, full: bool, record: bool,
            milestone: str | None, store: str | None, cpu_limit: float | None,
            memory_limit: float | None, wall_limit: float | None) -> None:
    """Validate workload FILES; print a gap report; exit 0 clean, 1 findings, 2 bad input."""
    from engine.formatters import render
    from engine.validate.validator import validate_paths

    if not files and not iac:
        raise UsageError("Missing argument 'FILES...': name workload files, or "
                         "infrastructure code with --iac")
    if (overlay or parameters) and not iac:
        raise UsageError("--overlay and --parameters go with --iac")
    imported = []
    import_notes: list[str] = []
    if iac:
        from engine.workload.iac.validation import load_imported

        wl, import_notes = load_imported(list(iac), overlay, parameters, max_bytes,
                                         as_of)
        imported.append(wl)
    if new_only and not baseline:
        raise UsageError("--new-only needs --baseline")
    when = as_of or dt.date.today()
    if cpu_limit or memory_limit or wall_limit:
        from engine.policies.custom import configure_from_options

        configure_from_options(cpu_limit, memory_limit, wall_limit)
    tailoring = read_profile(profile)
    waiver_set = read_waivers(waivers)
    report = validate_paths(list(files), packs=packs, codes=codes, engine=engine, edition=edition,
                            as_of=when, profile=tailoring, waivers=waiver_set, max_bytes=max_bytes,
                            keep_going=True, workloads=imported)
    report.notes.extend(import_notes)
    if baseline:
        from engine.estate.history import apply_baseline

        report = apply_baseline(report, baseline, new_only=new_only)
    if (record or milestone) and report.errors:
        report.notes.append(f"not recorded in the history: {len(report.errors)} input "
                            f"error{'s' if len(report.errors) != 1 else ''}")
    elif record or milestone:
        from engine.estate.history import record_run

        run_id = record_run(report, milestone=milestone, estate=store)
        report.notes.append(f"recorded as run {run_id}")
    color = fmt == "text" and output is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    if fmt == "pdf":
        from engine.formatters import render_binary

        if output is None and sys.stdout.isatty():
            raise UsageError("--format pdf writes binary data; give --output FILE.pdf "
                             "or redirect standard output")
        data = render_binary(report, fmt, edition=edition)
    else:
        data = render(report, fmt, color=color, edition=edition, full=full).encode("utf-8")
    if output is not None:
        tmp = output.with_name(f".{output.name}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, output)
    elif fmt == "pdf":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        text = data.decode("utf-8")
        click.echo(text, nl=not text.endswith("\n"))
    if fmt != "text" or output is not None:  # the text report already lists them on stdout
        for line in report.errors:
            click.echo(f"mlwa: {line}", err=True)
    if report.errors:
        sys.exit(2)
    if report.fails(fail_on):
        sys.exit(1)
