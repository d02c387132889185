"""``mlwa query``: a read-only SPARQL question to the estate store."""

from __future__ import annotations

from pathlib import Path

import click

from engine.commands._common import estate_option
from engine.errors import InputError, Location


@click.command()
@click.argument("query")
@estate_option
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv"]), default="text",
              show_default=True, help="json is SPARQL 1.1 Query Results JSON.")
def command(query: str, store: str | None, fmt: str) -> None:
    """Answer QUERY (SPARQL text, or @FILE) from the estate: the lens, every workload
    and every run, as one union graph. SELECT and ASK only; updates, SERVICE, FROM and
    GRAPH are refused. Prefixes mlwa:, lens:, pol:, practice:, question:, rdf:, rdfs:,
    skos: and xsd: are predeclared. Examples: docs/scale.md."""
    from engine.estate import render_result, run_query

    text = query
    if query.startswith("@"):
        path = Path(query[1:])
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read the query file: {exc}", Location(str(path))) from None
    result = run_query(text, store=store)
    out = render_result(result, fmt)
    click.echo(out, nl=not out.endswith("\n"))
