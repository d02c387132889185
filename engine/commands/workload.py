"""``mlwa workload``: check, show and scaffold workload descriptions."""

from __future__ import annotations

import re
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
@click.option("--kind", type=click.Choice(["batch", "real-time", "genai-rag", "self-managed"]),
              default=None, help="The kind of system: a commented starter for it. Asked in a "
                                 "terminal when not given; elsewhere the generic template.")
@click.option("--id", "wid", default=None, help="Workload id (lower-case letters, digits, - . _).")
@click.option("--name", default=None, help="Human-readable name.")
@click.option("--stage", type=click.Choice(["idea", "experimentation", "development", "pilot",
                                            "production", "retired"]),
              default=None, help="Lifecycle stage (default development).")
@click.option("--region", default=None, help="Main AWS Region (default eu-west-1).")
@click.option("--team", default=None, help="Owning team (default my-team).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Write to this file instead of standard output "
                                 "(never overwrites).")
@click.option("--ask/--no-ask", default=None,
              help="Ask the questions (default: when --kind is not given and this is a "
                   "terminal).")
def new(kind: str | None, wid: str | None, name: str | None, stage: str | None,
        region: str | None, team: str | None, output: Path | None, ask: bool | None) -> None:
    """Write a commented starter description for a new workload.

    With --kind (or the answers to a few questions in a terminal) the starter fits the
    kind of system: batch, real-time, genai-rag or self-managed. Then run
    `mlwa validate FILE` for the plan of what to add.
    """
    from engine.errors import UsageError
    from engine.workload import template_text
    from engine.workload.starters import ID_RE, KINDS, REGION_RE, starter_text

    interactive = ask if ask is not None else (
        kind is None and sys.stdin.isatty() and sys.stdout.isatty())
    if interactive:
        click.echo("A few questions; press Enter to keep the [default].")
        for key, text in KINDS.items():
            click.echo(f"  {key:<13} {text}")
        kind = kind or click.prompt("Kind of system", type=click.Choice(list(KINDS)),
                                    default="batch")
        name = name or click.prompt("Name", default="My ML workload")
        wid = wid or click.prompt("Id", default=_slug(name))
        stage = stage or click.prompt("Lifecycle stage", default="development",
                                      type=click.Choice(["idea", "experimentation",
                                                         "development", "pilot",
                                                         "production", "retired"]))
        region = region or click.prompt("Main AWS Region", default="eu-west-1")
        team = team or click.prompt("Owning team", default="my-team")
        if output is None:
            output = Path(click.prompt("Write to file", default=f"{wid}.yaml"))
    if kind is None:
        if any((wid, name, stage, region, team)):
            raise UsageError("--id, --name, --stage, --region and --team need --kind "
                             "(batch, real-time, genai-rag or self-managed)")
        text = template_text()
    else:
        name = name or "My ML workload"
        wid = wid or _slug(name)
        if not ID_RE.match(wid):
            raise UsageError(f"--id {wid!r}: use lower-case letters, digits, '-', '.' and '_'"
                             ", starting with a letter or digit")
        if region and not REGION_RE.match(region):
            raise UsageError(f"--region {region!r} is not an AWS Region code such as eu-west-1")
        if team is not None and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", team):
            raise UsageError(f"--team {team!r}: use letters, digits, '-', '.' and '_'")
        text = starter_text(kind, id=wid, name=name, stage=stage or "development",
                            region=region or "eu-west-1", team=team or "my-team",
                            file=str(output) if output else "workload.yaml")
    if output is None:
        sys.stdout.write(text)
        return
    if output.exists():
        raise InputError("the file exists already; choose another name",
                         Location(str(output)))
    output.write_text(text, encoding="utf-8")
    click.echo(f"wrote {output}; next: mlwa validate {output}")


def _slug(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return slug or "my-workload"


@command.command("schema")
def schema() -> None:
    """Print the JSON Schema (draft 2020-12) of workload descriptions."""
    from engine.workload import schema_text

    sys.stdout.write(schema_text())


@command.command("import")
@click.argument("sources", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--overlay", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="A hand-written workload file with what the code does not say (id, "
                   "owners, business goal, attestations); merged, conflicts reported.")
@click.option("--parameters", "-p", "parameters", multiple=True, metavar="FILE|K=V",
              help="Parameter values (repeatable): K=V, a SageMaker project config "
                   "({\"Parameters\": {...}}), a CloudFormation parameter list, or .tfvars.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Write the description here (atomically; replaced when "
                                 "it exists) instead of standard output.")
@click.option("--summary", "summary_fmt", type=click.Choice(["text", "json"]),
              default="text", show_default=True,
              help="Format of the import summary (standard error, or standard output "
                   "with --output).")
@_max_bytes_option
def import_(sources: tuple[Path, ...], overlay: Path | None, parameters: tuple[str, ...],
            output: Path | None, summary_fmt: str, max_bytes: int) -> None:
    """Build a workload description from infrastructure code.

    SOURCES are CloudFormation templates (YAML or JSON, cdk synth output), Terraform
    folders or `terraform show -json` plans, SageMaker pipeline definitions, Kubernetes
    manifests, or folders holding them. Every imported component carries a provenance
    block (file, line, resource address), so findings point at the infrastructure code.
    Resources no mapping knows are listed in the summary, never dropped.
    """
    import os

    from engine.workload import load_workload_text
    from engine.workload.iac import import_sources

    result = import_sources(list(sources), overlay=overlay, parameters=parameters,
                            max_bytes=max_bytes)
    try:
        load_workload_text(result.text, filename=str(output or "<imported>"),
                           max_bytes=max(max_bytes, len(result.text.encode()) + 1))
    except InputError as exc:
        if overlay is None:
            raise
        from engine.workload.iac.validation import overlay_problem

        raise overlay_problem(result, exc) from None
    if output is not None:
        tmp = output.with_name(f".{output.name}.tmp")
        tmp.write_text(result.text, encoding="utf-8")
        os.replace(tmp, output)
    else:
        sys.stdout.write(result.text)
    echo = click.echo if output is not None else (lambda m: click.echo(m, err=True))
    if summary_fmt == "json":
        from engine.commands._common import emit_json

        emit_json("import-summary", result.summary(),
                  stream=sys.stdout if output is not None else sys.stderr)
    else:
        for line in result.summary_lines():
            echo(line)
        if output is not None:
            echo(f"wrote {output}")
    for line in result.conflicts:
        click.echo(f"mlwa: warning: {line}", err=True)
