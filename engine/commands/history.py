"""``mlwa history``: recorded validation runs and milestones."""

from __future__ import annotations

import json
import sys

import click

from engine.commands._common import estate_option


@click.group()
def command() -> None:
    """Recorded validation runs (mlwa validate --record, --milestone NAME; mlwa portfolio
    --record). Runs live in $MLWA_HISTORY (default ~/.local/share/mlwa/history)."""


@command.command("list")
@click.option("--workload", default=None, help="Only runs that include this workload id.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format.")
def list_(workload: str | None, fmt: str) -> None:
    """List runs, newest first."""
    from engine.estate.history import list_runs

    runs = list_runs(workload=workload)
    if fmt == "json":
        json.dump({"schema": "mlwa/history", "version": "1", "data": runs}, sys.stdout, indent=1)
        sys.stdout.write("\n")
        return
    if not runs:
        click.echo("no recorded runs" + (f" for workload {workload}" if workload else ""))
        return
    for r in runs:
        f = r["findings"]
        ws = r["workloads"]
        shown = ", ".join(ws[:3]) + (f" +{len(ws) - 3}" if len(ws) > 3 else "")
        ms = f"  [{r['milestone']}]" if r.get("milestone") else ""
        click.echo(f"{r['id']}  {r['timestamp']}  {r['engine']:<9} high {f['high']:<3} "
                   f"medium {f['medium']:<3} low {f['low']:<3} {shown}{ms}")


@command.command("show")
@click.argument("run")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format.")
@estate_option
def show(run: str, fmt: str, store: str | None) -> None:
    """Show RUN (id, id prefix, milestone name or `latest`; a portfolio run id from the
    estate store)."""
    from engine.estate.history import load_run

    doc = load_run(run, store=store)
    if fmt == "json":
        json.dump(doc, sys.stdout, indent=1, ensure_ascii=False)
        sys.stdout.write("\n")
        return
    click.echo(f"run {doc['id']}" + (f" (milestone {doc['milestone']})" if doc.get("milestone") else ""))
    click.echo(f"recorded {doc.get('timestamp')}, engine {doc.get('engine')}, lens edition "
               f"{doc.get('lensEdition')}, as of {doc.get('asOf')}")
    packs = ", ".join(f"{k} {v}" for k, v in (doc.get("packs") or {}).items())
    click.echo(f"packs: {packs or '-'}")
    for w in doc.get("workloads", []):
        c = w.get("counts", {})
        high = sorted(q for q, r in (w.get("questions") or {}).items() if str(r).upper() == "HIGH")
        click.echo(f"workload {w['workload']} ({w.get('file')}, sha256 {str(w.get('contentHash'))[:12]}): "
                   f"high {c.get('high', 0)}, medium {c.get('medium', 0)}, low {c.get('low', 0)}; "
                   f"high-risk questions: {', '.join(high) or 'none'}")
    for f in doc.get("findings", []):
        loc = f.get("location") or {}
        where = f"{loc.get('file')}:{loc.get('line')}" if loc.get("line") else (loc.get("file") or "")
        waived = " (waived)" if f.get("waived") else ""
        click.echo(f"  {f.get('severity', ''):<6} {f.get('policy')} {f.get('focusLabel')} "
                   f"{f.get('path') or ''} {where}: {f.get('message')}{waived}")
    for line in doc.get("errors", []):
        click.echo(f"  input error: {line}")
