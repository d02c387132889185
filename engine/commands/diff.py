"""``mlwa diff``: what changed between two recorded runs."""

from __future__ import annotations

import click

from engine.commands._common import estate_option


@click.command()
@click.argument("run_a")
@click.argument("run_b")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text",
              show_default=True, help="Output format.")
@estate_option
def command(run_a: str, run_b: str, fmt: str, store: str | None) -> None:
    """Compare RUN_A with RUN_B (ids, prefixes, milestones, `latest`, or JSON reports):
    new, fixed and unchanged findings, and risk changes per question and pillar. A run id
    of `mlwa portfolio` is read from the estate store when it was not recorded."""
    from engine.estate.history import diff_runs, load_run, render_diff

    out = render_diff(diff_runs(load_run(run_a, store=store), load_run(run_b, store=store)), fmt)
    click.echo(out, nl=not out.endswith("\n"))
