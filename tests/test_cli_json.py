"""Every JSON envelope a command emits is documented in docs/cli-json.md."""

from __future__ import annotations

import re

from tests.conftest import REPO


def test_every_emitted_kind_is_documented() -> None:
    emitted = set()
    for path in (REPO / "engine" / "commands").glob("*.py"):
        emitted.update(re.findall(r'emit_json\(\s*"([a-z0-9-]+)"', path.read_text(encoding="utf-8")))
    doc = (REPO / "docs" / "cli-json.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([a-z0-9-]+)` \|", doc, flags=re.M))
    assert emitted, "no emit_json calls found"
    assert emitted <= documented, sorted(emitted - documented)
    assert documented <= emitted, sorted(documented - emitted)
