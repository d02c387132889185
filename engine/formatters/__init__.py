"""Output formats for a :class:`~engine.validate.report.Report`: one module per format.

Every module exposes ``render(report, *, edition=None, color=False, policies=None) -> str``;
:func:`render` picks one by name. Modules are imported on first use so that importing the
package (and ``mlwa --help``) stays cheap.

May import: the report model (validate.report), the lens and the core: formatters read
results, they never validate. A new report format is one module here.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from engine.errors import UsageError

if TYPE_CHECKING:
    from engine.validate.report import Report

FORMATS: tuple[str, ...] = ("text", "json", "sarif", "junit", "markdown", "html")

# File name suffix per format, for callers that write reports to disk.
SUFFIXES: Mapping[str, str] = {"text": ".txt", "json": ".json", "sarif": ".sarif",
                               "junit": ".xml", "markdown": ".md", "html": ".html",
                               "pdf": ".pdf"}


def render(report: Report, fmt: str, *, color: bool = False, edition: str | None = None,
           policies: Mapping[str, Any] | None = None, full: bool = False) -> str:
    """Render ``report`` as ``fmt`` (one of :data:`FORMATS`).

    ``edition`` ("2023" or "2025", default the report's) decides which edition's practice
    ids and titles are shown. ``color`` only affects ``text``. ``policies`` optionally maps
    policy codes to catalogue entries (anything with ``title``, ``rationale`` and
    ``remediation``) so that SARIF rules can carry each policy's rationale. ``full`` asks
    the formats that abridge (text, markdown) for every action and finding.
    """
    if fmt not in FORMATS:
        raise UsageError(f"unknown output format {fmt!r}; choose one of {', '.join(FORMATS)}")
    module = importlib.import_module(f"engine.formatters.{fmt}")
    if policies is None and report.policy_index:
        policies = report.policy_index
    out: str = module.render(report, color=color, edition=edition, policies=policies,
                             full=full)
    return out


BINARY_FORMATS: tuple[str, ...] = ("pdf",)


def render_binary(report: Report, fmt: str, *, edition: str | None = None,
                  policies: Mapping[str, Any] | None = None) -> bytes:
    """Render ``report`` as a binary format (one of :data:`BINARY_FORMATS`): ``pdf``."""
    if fmt not in BINARY_FORMATS:
        raise UsageError(f"unknown binary format {fmt!r}; choose one of "
                         f"{', '.join(BINARY_FORMATS)}")
    module = importlib.import_module(f"engine.formatters.{fmt}")
    if policies is None and report.policy_index:
        policies = report.policy_index
    out: bytes = module.render_bytes(report, edition=edition, policies=policies)
    return out


__all__ = ["BINARY_FORMATS", "FORMATS", "SUFFIXES", "render", "render_binary"]
