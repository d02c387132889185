"""``mlwa diff``: what changed between two recorded runs."""

from __future__ import annotations

import click


@click.command()
@click.argument("run_a")
@click.argument("run_b")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text",
              show_default=True)
def command(run_a: str, run_b: str, fmt: str) -> None:
    """Compare RUN_A with RUN_B (ids, prefixes, milestones, `latest`, or JSON reports):
    new, fixed and unchanged findings, and risk changes per question and pillar."""
    from engine.history import diff_runs, load_run, render_diff

    out = render_diff(diff_runs(load_run(run_a), load_run(run_b)), fmt)
    click.echo(out, nl=not out.endswith("\n"))
