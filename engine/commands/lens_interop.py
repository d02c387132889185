"""``mlwa lens import|map|diff``: custom lenses of the Well-Architected Tool and editions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from engine.commands._common import emit_json, format_option
from engine.errors import InputError, Location

RDF_FORMATS = {".ttl": "turtle", ".jsonld": "json-ld", ".nt": "nt", ".json": "json-ld"}


def _write(output: Path, data: str) -> None:
    tmp = output.with_name(output.name + ".tmp")
    tmp.write_text(data, encoding="utf-8")
    tmp.replace(output)
    click.echo(f"wrote {output}", err=True)


def _read_answers(path: Path) -> dict[str, list[str]]:
    """Answers as ``{question_id: [choice ids]}`` from a JSON or YAML file."""
    from engine.safefile import read_text

    text = read_text(path, 4 * 1024 * 1024, what="answers file")
    try:
        if path.suffix in (".yaml", ".yml"):
            import yaml

            data: Any = yaml.safe_load(text)
        else:
            data = json.loads(text)
    except Exception as exc:
        raise InputError(f"cannot parse answers: {str(exc).splitlines()[0][:200]}",
                         Location(str(path))) from None
    if isinstance(data, dict) and isinstance(data.get("answers"), dict):
        data = data["answers"]
    if not isinstance(data, dict):
        raise InputError("answers must map question ids to lists of choice ids",
                         Location(str(path)))
    return {str(k): list(v) if isinstance(v, list) else v for k, v in data.items()}


@click.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the lens as RDF here (.ttl Turtle, .jsonld JSON-LD, .nt N-Triples).")
@click.option("--slug", help="Last segment of the lens IRI (default: from the lens name).")
@click.option("--answers", type=click.Path(dir_okay=False, path_type=Path),
              help="JSON or YAML file {question id: [choice ids]}: print the risk per question.")
@format_option
def import_command(file: Path, output: Path | None, slug: str | None, answers: Path | None,
                   fmt: str) -> None:
    """Import a Well-Architected Tool custom-lens JSON file.

    Checks the structure, the tool's limits and every risk-rule condition (errors name the
    JSON path, e.g. $.pillars[2].questions[0].riskRules[1].condition), then turns the lens
    into RDF under https://w3id.org/mlwa/lens/custom/<slug>.
    """
    from engine.interop.walens import import_lens_json, lens_to_graph, review

    lens = import_lens_json(file, slug=slug)
    if output is not None:
        rdf_format = RDF_FORMATS.get(output.suffix.lower(), "turtle")
        _write(output, lens_to_graph(lens).serialize(format=rdf_format))
    risks = review(lens, _read_answers(answers)) if answers is not None else None
    if fmt == "json":
        data = lens.summary()
        if risks is not None:
            data["review"] = risks
        emit_json("custom-lens-import", data)
        return
    s = lens.summary()
    click.echo(f"{s['name']}  <{s['iri']}>")
    click.echo(f"  {len(s['pillars'])} pillars, {s['questions']} questions, {s['choices']} "
               f"choices, {s['riskRules']} risk rules")
    for p in s["pillars"]:
        click.echo(f"  {p['id']:<28} {p['questions']:>3}  {p['name']}")
    for w in s["warnings"]:
        click.echo(f"warning: {w}", err=True)
    if risks is not None:
        click.echo("")
        for qid, risk in risks.items():
            click.echo(f"  {qid:<28} {risk}")


@click.command("map")
@click.argument("practice_id")
@format_option
def map_command(practice_id: str, fmt: str) -> None:
    """Map a practice id between the 2023 and 2025 editions (MLCOST-23 <-> MLCOST06-BP04)."""
    from engine.lens.editions import format_map, map_practice

    result = map_practice(practice_id)
    if fmt == "json":
        emit_json("lens-map", result)
    else:
        click.echo(format_map(result))


@click.command("diff")
@click.argument("old", type=click.Choice(["2023", "2025"]), metavar="OLD")
@click.argument("new", type=click.Choice(["2023", "2025"]), metavar="NEW")
@format_option
def diff_command(old: str, new: str, fmt: str) -> None:
    """Renamed, renumbered and moved practices between two editions (e.g. 2023 2025)."""
    from engine.lens.editions import diff_editions, format_diff

    result = diff_editions(old, new)
    if fmt == "json":
        emit_json("lens-diff", result)
    else:
        click.echo(format_diff(result))
