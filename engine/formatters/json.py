"""JSON: :meth:`Report.to_json`, the documented and versioned contract (docs/json.md).

Practice ids in the JSON are always 2025 ids (with ``edition`` telling which edition's
phases were used); ``edition`` here is accepted for a uniform signature only.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from engine.formatters._common import resolve_edition
from engine.validate.report import Report


def render(report: Report, *, edition: str | None = None, color: bool = False,
           policies: Mapping[str, Any] | None = None, full: bool = False) -> str:
    resolve_edition(report, edition)
    return json.dumps(report.to_json(), indent=2, sort_keys=False, ensure_ascii=False) + "\n"
