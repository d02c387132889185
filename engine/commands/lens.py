"""``mlwa lens``: browse, query, check and export the ML Lens knowledge graph."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from engine.cli import LazyGroup
from engine.commands._common import emit_json, format_option
from engine.errors import InputError, Location, UsageError

# Interoperability sub-commands live in their own module (Well-Architected Tool lenses,
# edition mapping); they are imported only when used.
LENS_LAZY: dict[str, tuple[str, str]] = {
    "import": ("engine.commands.lens_interop:import_command",
               "Import a Well-Architected Tool custom-lens JSON file."),
    "map": ("engine.commands.lens_interop:map_command",
            "Map a practice id between the 2023 and 2025 editions."),
    "diff": ("engine.commands.lens_interop:diff_command",
             "Renamed, renumbered and moved practices between two editions."),
}

PHASE_SHORT = {"business-goal": "goal", "problem-framing": "framing", "data-processing": "data",
               "model-development": "model", "deployment": "deploy", "monitoring": "monitor"}
PILLAR_SHORT = {"operational-excellence": "Operational excellence", "security": "Security",
                "reliability": "Reliability", "performance-efficiency": "Performance efficiency",
                "cost-optimization": "Cost optimization", "sustainability": "Sustainability"}
EXPORT_FORMATS = ["ttl", "jsonld", "owl", "nt", "graphml", "wa-lens-json"]


@click.group(cls=LazyGroup, lazy=LENS_LAZY)
def command() -> None:
    """Browse, query, check and export the ML Lens knowledge graph."""


def _lens() -> Any:
    from engine.lens.ontology import load_lens

    return load_lens()


def _edition_option() -> Any:
    return click.option("--edition", type=click.Choice(["2023", "2025"]), default="2025",
                        show_default=True, help="Which edition's ids, titles and phases to use.")


@command.command()
@_edition_option()
@format_option
def overview(edition: str, fmt: str) -> None:
    """The pillar × phase matrix of practice counts and the design-principle coverage."""
    from engine.lens.ontology import PHASE_ORDER

    lens = _lens()
    matrix = lens.matrix(edition)
    coverage = lens.principle_coverage()
    if fmt == "json":
        emit_json("lens-overview", {
            "edition": edition,
            "practices": len(lens.practices),
            "questions": len(lens.questions),
            "pillars": {p.slug: sum(matrix[p.slug].values()) for p in lens.pillars},
            "matrix": matrix,
            "principles": coverage,
        })
        return
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title=f"ML Lens ({edition} edition): {len(lens.practices)} best practices, "
                        f"{len(lens.questions)} questions (2025)")
    table.add_column("pillar \\ phase")
    for ph in PHASE_ORDER:
        table.add_column(PHASE_SHORT[ph], justify="right")
    table.add_column("total", justify="right", style="bold")
    for p in lens.pillars:
        row = matrix[p.slug]
        table.add_row(PILLAR_SHORT[p.slug], *[str(row[ph] or "·") for ph in PHASE_ORDER], str(sum(row.values())))
    totals = [sum(matrix[p][ph] for p in matrix) for ph in PHASE_ORDER]
    table.add_row("total", *[str(t) for t in totals], str(sum(totals)), style="bold")
    console.print(table)
    ptable = Table(title="Design principles: practices serving each")
    ptable.add_column("principle")
    ptable.add_column("practices", justify="right")
    for pr in lens.principles:
        ptable.add_row(pr.label, str(coverage[pr.slug]))
    console.print(ptable)


@command.command()
@click.argument("practice_id")
@_edition_option()
@format_option
def show(practice_id: str, edition: str, fmt: str) -> None:
    """One practice, by its id in either edition (MLOE-01 or MLOPS01-BP01)."""
    lens = _lens()
    p = lens.practice(practice_id)
    if fmt == "json":
        emit_json("lens-practice", p.to_json())
        return
    q = lens.question_by_id[p.question]
    lines = [
        f"{p.id2025}  (2023: {p.id2023})",
        f"  {p.title(edition)}",
        "",
        f"  pillar      {lens.pillar_by_slug[p.pillar].label}",
        f"  phase       {lens.phase_by_slug[p.phase2025].label} (2025)"
        + ("" if p.phase2023 == p.phase2025 else
           f"; {lens.phase_by_slug[p.phase2023].label} (2023)"),
        f"  question    {q.id}: {q.title}",
        f"  risk        {p.risk} when absent",
        f"  principles  {', '.join(lens.principle_by_slug[s].label for s in p.principles)}",
        f"  related     {', '.join(p.related) or '-'}",
        "",
        *("  " + line for line in _wrap(p.description, 86)),
        "",
        f"  {p.source2025}",
        f"  {p.source2023}",
    ]
    if p.title2023 != p.title2025:
        lines.insert(2, f"  2023 title: {p.title2023}")
    click.echo("\n".join(lines))


def _wrap(text: str, width: int) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width) or [""]


@command.command("list")
@click.option("--pillar", help="Pillar slug, e.g. security.")
@click.option("--phase", help="Lifecycle phase slug, e.g. deployment.")
@click.option("--principle", help="Design principle slug, e.g. enable-automation.")
@click.option("--question", help="2025 question id, e.g. MLSEC03.")
@click.option("--risk", type=click.Choice(["high", "medium", "not-stated"]),
              help="Only practices whose risk, if left out, is this.")
@_edition_option()
@format_option
def list_(pillar: str | None, phase: str | None, principle: str | None, question: str | None,
          risk: str | None, edition: str, fmt: str) -> None:
    """Practices filtered by pillar, phase, principle, question or risk."""
    lens = _lens()
    found = lens.select(pillar=pillar, phase=phase, principle=principle, question=question,
                        risk=risk, edition=edition)
    if fmt == "json":
        emit_json("lens-practices", [p.to_json() for p in found])
        return
    for p in found:
        click.echo(f"{p.id(edition):<14} {p.risk:<10} {p.phase(edition):<18} {p.title(edition)}")
    click.echo(f"{len(found)} practices", err=True)


@command.command()
@click.argument("sparql")
@format_option
def query(sparql: str, fmt: str) -> None:
    """Run a read-only SPARQL SELECT or ASK over the lens graph.

    SPARQL may be the query itself or @FILE. Common prefixes (mlwa, lens, skos, rdfs, ...)
    are added when the query declares none. Updates, SERVICE, FROM and GRAPH are refused.
    """
    text = _read_arg(sparql)
    columns, rows = _lens().query(text)
    if fmt == "json":
        emit_json("sparql-results", {"columns": columns, "rows": rows})
        return
    click.echo("\t".join(columns))
    for row in rows:
        click.echo("\t".join("" if v is None else str(v) for v in row))


def _read_arg(value: str) -> str:
    if value.startswith("@"):
        path = Path(value[1:])
        from engine.safefile import read_text

        return read_text(path, 1_000_000, what="query file")
    return value


@command.command()
@click.option("--no-reasoner", is_flag=True, help="Skip the HermiT consistency check.")
@format_option
def check(no_reasoner: bool, fmt: str) -> None:
    """Check the lens graph: integrity shapes, counts, and OWL consistency (HermiT)."""
    from engine.lens.check import run_checks

    result = run_checks(reasoner=not no_reasoner)
    if fmt == "json":
        emit_json("lens-check", result.to_json())
    else:
        for item in result.items:
            mark = "ok  " if item.ok else "FAIL"
            click.echo(f"{mark} {item.name}: {item.detail}")
    if not result.ok:
        sys.exit(1)


def _custom_lens(ref: str) -> Any:
    """A custom lens named by ``--lens``: a Well-Architected Tool custom-lens JSON file, or
    an RDF file written by ``mlwa lens import -o`` (Turtle, JSON-LD, N-Triples)."""
    from engine.interop.walens import graph_to_lens, import_lens_json

    path = Path(ref)
    if not path.is_file():
        raise UsageError(f"--lens {ref!r}: neither 'ml-lens' nor a lens file (custom-lens JSON, "
                         "or the .ttl/.jsonld/.nt that `mlwa lens import -o` writes)")
    if path.suffix.lower() == ".json":
        return import_lens_json(path)
    from rdflib import Graph

    fmt = {".ttl": "turtle", ".jsonld": "json-ld", ".nt": "nt"}.get(path.suffix.lower())
    if fmt is None:
        raise UsageError(f"--lens {ref!r}: a lens file ends in .json, .ttl, .jsonld or .nt")
    graph = Graph()
    try:
        graph.parse(path, format=fmt)
    except Exception as exc:  # rdflib raises many kinds for bad syntax
        raise InputError(f"cannot read this RDF file: {' '.join(str(exc).split())[:300]}",
                         Location(ref)) from None
    return graph_to_lens(graph)


@command.command()
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), default="ttl",
              show_default=True, help="Output format; a custom lens exports as ttl, jsonld, nt "
                                      "or wa-lens-json.")
@click.option("--lens", "lens_ref", default="ml-lens", show_default=True, metavar="ID|FILE",
              help="Which lens: ml-lens (the built-in ML Lens), or a custom lens as its "
                   "Well-Architected Tool JSON file or the RDF file `mlwa lens import -o` wrote.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write here instead of standard output.")
def export(fmt: str, lens_ref: str, output: Path | None) -> None:
    """Export a lens (Turtle, JSON-LD, OWL as RDF/XML, N-Triples, GraphML, WA Tool lens JSON)."""
    from engine.lens.ontology import lens_graph

    if lens_ref != "ml-lens":
        lens = _custom_lens(lens_ref)
        if fmt == "wa-lens-json":
            import json

            from engine.interop.walens import export_custom_lens

            data = json.dumps(export_custom_lens(lens), indent=2, ensure_ascii=False) + "\n"
        elif fmt in ("ttl", "jsonld", "nt"):
            from engine.interop.walens import lens_to_graph

            data = lens_to_graph(lens).serialize(
                format={"ttl": "turtle", "jsonld": "json-ld", "nt": "nt"}[fmt])
        else:
            raise UsageError(f"--format {fmt} exports the ML Lens only; a custom lens exports "
                             "as ttl, jsonld, nt or wa-lens-json")
    elif fmt == "wa-lens-json":
        try:
            from engine.interop.walens import export_lens_json
        except ModuleNotFoundError:
            raise UsageError("the wa-lens-json exporter is not installed") from None
        data = export_lens_json()
    elif fmt == "graphml":
        import io

        import networkx as nx

        buf = io.BytesIO()
        nx.write_graphml(_lens().to_networkx(), buf)
        data = buf.getvalue().decode("utf-8")
    else:
        rdf_format = {"ttl": "turtle", "jsonld": "json-ld", "owl": "xml", "nt": "nt"}[fmt]
        data = lens_graph().serialize(format=rdf_format)
    if output:
        tmp = output.with_name(output.name + ".tmp")
        tmp.write_text(data, encoding="utf-8")
        tmp.replace(output)
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(data, nl=not data.endswith("\n"))
