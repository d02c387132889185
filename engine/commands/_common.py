"""Helpers every sub-command shares: output formats and JSON emission."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

JSON_SCHEMA_VERSION = "1"

format_option = click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
    help="Output format; json has a documented, stable shape (docs/cli-json.md).",
)


def emit_json(kind: str, data: Any, stream: Any = None) -> None:
    """Write ``{"mlwa": version, "kind": kind, "data": data}`` to stdout (or ``stream``)."""
    out = stream or sys.stdout
    envelope = {"schema": f"mlwa/{kind}", "version": JSON_SCHEMA_VERSION, "data": data}
    json.dump(envelope, out, indent=2, ensure_ascii=False, sort_keys=False)
    out.write("\n")


# ------------------------------------------------------------------------------ shared options
# One spelling, one meaning, one help text for the options many commands take (issue 22).

ENGINES = ["auto", "fast", "reference"]

engine_option = click.option(
    "--engine", type=click.Choice(ENGINES), default="auto", show_default=True,
    help="SHACL engine; auto = fast with a gate to the reference engine.")


def _as_of(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    import datetime as dt

    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise click.BadParameter(f"must be a date like 2026-11-30, got {value!r}") from None


def as_of_option(what: str = "attestation ages and waiver expiry") -> Any:
    """``--as-of DATE`` given to the command as a ``datetime.date`` (None when absent)."""
    return click.option("--as-of", default=None, metavar="YYYY-MM-DD", callback=_as_of,
                        help=f"Evaluate {what} on this date (default today).")


pack_option = click.option(
    "--pack", "packs", multiple=True, type=click.Path(file_okay=False, path_type=Path),
    help="An extra policy pack folder, used beside the built-in pack (repeatable).")


def read_profile(path: Path | None) -> Any:
    """The tailoring profile at ``path`` (None: none)."""
    if path is None:
        return None
    from engine.governance.profiles import load_profile

    return load_profile(path)


def read_waivers(path: Path | None) -> Any:
    """The waivers file at ``path`` (None: none)."""
    if path is None:
        return None
    from engine.governance.waivers import load_waivers

    return load_waivers(path)


profile_option = click.option(
    "--profile", type=click.Path(path_type=Path, dir_okay=False),
    help="A tailoring profile (YAML): selection, severity overrides, not-applicable practices.")
waivers_option = click.option(
    "--waivers", type=click.Path(path_type=Path, dir_okay=False),
    help="A waivers file (YAML) kept by governance.")


estate_option = click.option(
    "--store", default=None, metavar="PATH|URL",
    help="Estate store: a folder (default $MLWA_ESTATE or ~/.local/share/mlwa/estate) or a "
         "SPARQL 1.1 endpoint URL.")
