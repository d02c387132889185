"""Helpers every sub-command shares: output formats and JSON emission."""

from __future__ import annotations

import json
import sys
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
