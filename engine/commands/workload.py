"""``mlwa workload``: check, show and scaffold workload descriptions."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from engine.commands._common import as_of_option
from engine.errors import InputError, Location, Problem

_MAX_BYTES_HELP = "Largest file accepted, in bytes (default 2 MiB)."


def _max_bytes_option(f: click.decorators.FC) -> click.decorators.FC:
    from engine.workload import DEFAULT_MAX_BYTES

    return click.option("--max-bytes", type=click.IntRange(min=1),
                        default=DEFAULT_MAX_BYTES, show_default=True,
                        help=_MAX_BYTES_HELP)(f)


@click.group("workload")
def command() -> None:
    """Check, show and scaffold workload descriptions (YAML, JSON, Turtle, JSON-LD)."""


@command.command("check")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(dir_okay=False, path_type=Path))
@_max_bytes_option
@click.option("--quiet", "-q", is_flag=True, help="Print nothing when every file is fine.")
def check(files: tuple[Path, ...], max_bytes: int, quiet: bool) -> None:
    """Check the structure of workload FILES (schema, names, references).

    Prints one line per problem as FILE:LINE:COLUMN: PATH: message and exits 2 when any
    file has a problem.
    """
    from engine.workload import load_workload

    problems: list[Problem] = []
    for path in files:
        try:
            wl = load_workload(path, max_bytes=max_bytes)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        if not quiet:
            click.echo(f"{path}: ok ({wl.format}, {len(wl.graph)} triples, "
                       f"{sum(1 for _ in wl.locations)} nodes)")
    if problems:
        raise InputError(f"{len(problems)} problem(s)", problems[0].location, problems)


@command.command("show")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["ttl", "jsonld", "nt"]), default="ttl",
              show_default=True, help="RDF serialisation to print.")
@as_of_option("attestation ages and mlwa:assessedOn")
@_max_bytes_option
def show(file: Path, fmt: str, as_of: Any, max_bytes: int) -> None:
    """Print the RDF graph a workload FILE becomes."""
    from engine.vocab import PREFIXES
    from engine.workload import load_workload

    wl = load_workload(file, max_bytes=max_bytes, as_of=as_of)
    for prefix in ("mlwa", "xsd", "lens"):
        wl.graph.bind(prefix, PREFIXES[prefix])
    rdf_format = {"ttl": "turtle", "jsonld": "json-ld", "nt": "nt"}[fmt]
    text = wl.graph.serialize(format=rdf_format)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


@command.command("new")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Write to this file instead of standard output "
                                 "(never overwrites).")
def new(output: Path | None) -> None:
    """Print a commented template for a new workload description."""
    from engine.workload import template_text

    text = template_text()
    if output is None:
        sys.stdout.write(text)
        return
    if output.exists():
        raise InputError("the file exists already; choose another name",
                         Location(str(output)))
    output.write_text(text, encoding="utf-8")
    click.echo(f"wrote {output}")


@command.command("schema")
def schema() -> None:
    """Print the JSON Schema (draft 2020-12) of workload descriptions."""
    from engine.workload import schema_text

    sys.stdout.write(schema_text())
