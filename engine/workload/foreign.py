"""Recognise files that are obviously not workload descriptions, cheaply and early.

A folder of workloads often holds other JSON and YAML too (CloudFormation templates,
package manifests, CI settings, data). Reading such a file with positions (the YAML event
reader) before the schema check fails costs far more than the file is worth: 0.75 s for a
390 KB JSON document. The check here looks only at the top-level keys, before positions
are tracked, and says "not a workload description" in one line.

A file is foreign when its top level is not a mapping, or when it has no ``id`` key and
fewer than half of its top-level keys are keys of the workload format. Anything with a
top-level ``id`` goes on to the full structural check, which names every problem with its
line; so does anything the cheap look cannot read (flow-style YAML, several documents).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from functools import cache
from typing import Any

from engine.errors import InputError, Location

__all__ = ["check_json_top", "check_yaml_top", "foreign_reason", "workload_keys"]

# The patterns run over the text with a newline before and after it: a pattern that starts
# with a literal newline is searched for quickly, where ``^`` with re.M tries every position.
#: A block mapping key at column 0: plain, or quoted, followed by ':' and a space or the end.
_TOP_KEY = re.compile(r"""\n(?:"([^"\n]*)"|'([^'\n]*)'|([A-Za-z0-9_$][^\n:#]*?))[ \t]*:(?=[ \t\r\n])""")
#: The first line with content (not blank, not a comment, not a directive or document start).
_FIRST_CONTENT = re.compile(r"\n(?![ \t\r]*(?:#|\n)|%|---[ \t\r]*(?:#[^\n]*)?\n)([ \t]*)(\S)")
_DOC_MARK = re.compile(r"\n(?:---|\.\.\.)(?=[ \t\r\n])")
#: A top-level ``id`` key: such a file always gets the full check, so nothing else is read.
_TOP_ID = re.compile(r"""\n(?:id|"id"|'id')[ \t]*:(?=[ \t\r\n])""")
_SHOWN = 4


@cache
def workload_keys() -> frozenset[str]:
    """The top-level keys the bundled JSON Schema knows."""
    from engine.workload.structure import schema

    return frozenset(schema().get("properties", {}))


def foreign_reason(keys: Collection[str]) -> str | None:
    """Why a mapping with these top-level keys is not a workload description, or None."""
    if "id" in keys or not keys:
        return None
    known = workload_keys()
    if 2 * sum(1 for k in keys if k in known) >= len(keys):
        return None
    listed = list(keys)
    shown = ", ".join(f"`{k}`" for k in listed[:_SHOWN])
    more = f", … ({len(listed)} in all)" if len(listed) > _SHOWN else ""
    return (f"not a workload description: it has no `id`, and its top-level keys ({shown}{more}) "
            "are not those of the workload format (see docs/workload-format.md)")


def _raise(reason: str, filename: str | None, line: int = 1) -> None:
    raise InputError(reason, Location(filename, line, 1))


def check_json_top(data: Any, filename: str | None) -> None:
    """Refuse parsed JSON whose top level is obviously not a workload description."""
    if isinstance(data, dict):
        reason = foreign_reason(data)
        if reason:
            _raise(reason, filename)
    elif isinstance(data, list) and data:
        _raise("not a workload description: the top level is a list; a workload description "
               "is a mapping with at least `id` and `name`", filename)


def check_yaml_top(text: str, filename: str | None) -> None:
    """Refuse YAML text whose column-0 keys show it is obviously not a workload description.

    Reads lines with regular expressions only (no YAML parser): a 390 KB file takes about a
    millisecond. When the text is not one block-style document it leaves the decision to
    the parser."""
    framed = f"\n{text}\n"
    if _TOP_ID.search(framed):  # the usual case, a workload: one quick search and done
        return
    first = _FIRST_CONTENT.search(framed)
    if first is None or first.group(1):  # nothing, or indented: let the parser say what it is
        return
    if len(_DOC_MARK.findall(framed)) > 1:  # several documents: the parser refuses those itself
        return
    char = first.group(2)
    if char == "-" and framed[first.end()] in " \t\r\n":
        _raise("not a workload description: the top level is a list; a workload description "
               "is a mapping with at least `id` and `name`", filename,
               framed.count("\n", 0, first.start()) + 1)
    if char in "{[\"'&*!|>":  # flow style, anchors, tags, block scalars: the parser decides
        return
    keys = dict.fromkeys(m.group(1) or m.group(2) or (m.group(3) or "").strip()
                         for m in _TOP_KEY.finditer(framed))
    keys.pop("", None)
    reason = foreign_reason(list(keys))
    if reason:
        _raise(reason, filename)
