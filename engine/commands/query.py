"""``mlwa query``: a read-only SPARQL question to the estate store."""

from __future__ import annotations

from pathlib import Path

import click

from engine.commands._common import estate_option


@click.command()
@click.argument("query")
@estate_option
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv"]), default="text",
              show_default=True, help="json is SPARQL 1.1 Query Results JSON.")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=30.0, show_default=True,
              metavar="SECONDS", help="Stop the query after this many seconds (wall and CPU; "
              "for a server URL, the HTTP timeout: set the server's own, e.g. oxigraph serve "
              "--timeout-s).")
@click.option("--max-rows", type=click.IntRange(min=1), default=10_000, show_default=True,
              help="Refuse an answer with more rows than this.")
def command(query: str, store: str | None, fmt: str, timeout: float, max_rows: int) -> None:
    """Answer QUERY (SPARQL text, or @FILE) from the estate: the lens, every workload
    and every run, as one union graph. SELECT and ASK only; updates, SERVICE, FROM and
    GRAPH are refused. Prefixes mlwa:, lens:, pol:, practice:, question:, rdf:, rdfs:,
    skos: and xsd: are predeclared. Examples: docs/scale.md."""
    from engine.estate.store import render_result, run_query

    text = query
    if query.startswith("@"):
        path = Path(query[1:])
        from engine.safefile import read_text

        text = read_text(path, 1_000_000, what="query file")
    result = run_query(text, store=store, timeout=timeout, max_rows=max_rows)
    out = render_result(result, fmt)
    click.echo(out, nl=not out.endswith("\n"))
