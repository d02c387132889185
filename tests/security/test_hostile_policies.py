"""Hostile custom policies: each is refused or stopped within the bound with exit 2, one
``mlwa:`` line, no traceback and 0 connections to a 127.0.0.1 listener, through both
``mlwa policies test`` (fast engine) and ``mlwa validate --pack`` (issue 16, holes 1 and 6).
The texts differ from the issue's own example."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.security.conftest import Listener, assert_refused, copy_acme, mlwa

WORKLOAD = """id: w
name: W
model_registries:
  - name: fraud
    versions: [{version: "3", status: approved}]
endpoints: [{name: api, model: fraud/3}]
"""

# Turtle string escapes (\\r, \\u2028) put the raw character into the SPARQL text.
SELECTS = {
    "cr-escape": 'SELECT $this WHERE {{ $this mlwa:servesModel ?v # c\\rSERVICE <{url}> '
                 '{{ ?a ?b ?c }} }}',
    "cr-escape-silent": 'SELECT $this WHERE {{ $this ?p ?o #\\r service silent <{url}>{{ ?o ?q ?r }} }}',
    "u2028-escape": 'SELECT $this WHERE {{ $this ?p ?o #\\u2028SERVICE <{url}> {{ ?a ?b ?c }} }}',
    "sparql-escape": 'SELECT $this WHERE {{ $this ?p ?o # \\\\u000DSERVICE <{url}> {{ ?a ?b ?c }} }}',
    "nested-exists": 'SELECT $this WHERE {{ $this ?p ?o FILTER NOT EXISTS {{ {{ #\\r\\r\n'
                     'SERVICE <{url}> {{ ?o ?b ?c }} }} }} }}',
}


def _policy(select: str) -> str:
    src = (Path(__file__).resolve().parents[2] / "examples" / "governance" / "acme-pack"
           / "ACME-REL-002.ttl").read_text(encoding="utf-8")
    start = src.index('sh:select """') + len('sh:select ')
    end = src.index('""" ]', start) + 3
    return src[:start] + '"' + select.replace('"', '\\"') + '"' + src[end:]


@pytest.mark.parametrize("name", sorted(SELECTS))
def test_smuggled_service_in_a_policy_is_refused(tmp_path: Path, listener: Listener,
                                                  name: str) -> None:
    pack = copy_acme(tmp_path)
    (pack / "ACME-REL-002.ttl").write_text(_policy(SELECTS[name].format(url=listener.url)),
                                           encoding="utf-8")
    workload = tmp_path / "w.yaml"
    workload.write_text(WORKLOAD, encoding="utf-8")
    assert_refused(mlwa("policies", "test", str(pack), "--engine", "fast"), "ACME-REL-002")
    assert_refused(mlwa("validate", str(workload), "--pack", str(pack), "--engine", "fast"),
                   "ACME-REL-002")
    assert listener.connections == 0


@pytest.mark.parametrize("pattern", ["^a*a*a*a*a*a*a*a*a*b$", "^([0-9]+ ?)+$", "^\\\\w+\\\\w+\\\\w+!$"])
def test_a_slow_regex_is_refused_before_it_runs(tmp_path: Path, pattern: str) -> None:
    pack = copy_acme(tmp_path)
    src = (pack / "ACME-REL-002.ttl").read_text(encoding="utf-8")
    extra = (f'\npol:ACME-REL-002 sh:property [ sh:path mlwa:name ; '
             f'sh:pattern "{pattern}" ] .\n')
    (pack / "ACME-REL-002.ttl").write_text(src + extra, encoding="utf-8")
    out = mlwa("policies", "test", str(pack))
    assert_refused(out, "ACME-REL-002")
    assert out.seconds < 60
