"""``mlwa oscal``: the lens, tailorings and validation runs as OSCAL documents."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from engine.commands._common import as_of_option, engine_option, pack_option

_output = click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
                       help="Write here instead of standard output.")
_no_check = click.option("--no-check", is_flag=True,
                         help="Skip the check against compliance-trestle's OSCAL models.")


def _emit(document: dict[str, Any], output: Path | None, check: bool) -> None:
    from engine.interop.oscal import dumps, validate_oscal

    if check:
        validate_oscal(document)
    text = dumps(document)
    if output is None:
        click.echo(text, nl=False)
        return
    tmp = output.with_name(output.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(output)
    click.echo(f"wrote {output}", err=True)


@click.group()
def command() -> None:
    """Export OSCAL catalog, profile and assessment results."""


@command.command()
@pack_option
@_output
@_no_check
def catalog(packs: tuple[Path, ...], output: Path | None, no_check: bool) -> None:
    """The ML Lens and the policies that check it as an OSCAL catalog."""
    from engine.interop.oscal import export_catalog
    from engine.policies.catalog import builtin_catalog, load_catalog

    cat = load_catalog(list(packs)) if packs else builtin_catalog()
    _emit(export_catalog(cat.policies.values()), output, not no_check)


@command.command()
@click.option("--control", "controls", multiple=True,
              help="Practice id to include (either edition; repeatable). Default: all.")
@click.option("--title", help="Profile title.")
@click.option("--catalog-href", default="mlwa-ml-lens-catalog.json", show_default=True,
              help="Where the profile finds the catalog.")
@_output
@_no_check
def profile(controls: tuple[str, ...], title: str | None, catalog_href: str,
            output: Path | None, no_check: bool) -> None:
    """A tailoring profile that imports the catalog (all controls or the given ones)."""
    from engine.interop.oscal import export_profile

    _emit(export_profile(list(controls), title, catalog_href=catalog_href), output,
          not no_check)


@command.command()
@click.argument("files", nargs=-1, required=True,
                type=click.Path(dir_okay=False, path_type=Path))
@pack_option
@engine_option
@as_of_option()
@_output
@_no_check
def results(files: tuple[Path, ...], packs: tuple[Path, ...], engine: str, as_of: Any,
            output: Path | None, no_check: bool) -> None:
    """Validate workload files and write the run as OSCAL assessment results."""
    from engine.interop.oscal import export_results
    from engine.validate.validator import validate_paths

    report = validate_paths(list(files), packs=list(packs), engine=engine, as_of=as_of)
    _emit(export_results(report, base_dir=output.parent if output else None), output,
          not no_check)
