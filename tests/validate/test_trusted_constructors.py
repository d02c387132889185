"""The shortcuts that build frozen results without their ``__init__`` or ``__new__`` must make
exactly what the ``__init__`` makes: same fields (no more, no fewer), equal and same hash."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import SH

from engine.policies.catalog import builtin_catalog
from engine.shacl.base import RawResult, make_raw
from engine.validate.report import Finding, finding_from_fields
from engine.validate.validator import Validator
from engine.workload import load_workload

ROOT = Path(__file__).resolve().parents[2]


def test_make_raw_equals_init() -> None:
    args = (URIRef("urn:x"), URIRef("urn:p"), Literal(3), BNode("s"), SH.MinCountConstraintComponent,
            SH.Violation, ("m",), BNode("c"))
    fast, slow = make_raw(*args), RawResult(*args)
    assert type(fast) is RawResult and fast == slow and hash(fast) == hash(slow)
    assert fast._asdict() == slow._asdict() == dict(zip(RawResult._fields, args, strict=True))
    assert fast._replace(value=None).value is None and fast.value == Literal(3)


def test_findings_of_a_report_are_complete_dataclasses() -> None:
    """Every finding ``Validator`` makes carries every field of ``Finding`` and nothing else,
    and equals the one the dataclass ``__init__`` makes from the same values."""
    v = Validator(builtin_catalog().select(), engine="fast")
    wl = load_workload(ROOT / "examples" / "starter.yaml")
    report = v.validate(wl)
    assert report.findings
    names = {f.name for f in dataclasses.fields(Finding)}
    for f in report.findings:
        assert set(vars(f)) == names
        again = Finding(**vars(f))
        assert again == f and hash(again) == hash(f)


def test_finding_from_fields_equals_init() -> None:
    values = {f.name: (f.default if f.default is not dataclasses.MISSING else f"v-{f.name}")
              for f in dataclasses.fields(Finding)}
    fast = finding_from_fields(dict(values))
    assert fast == Finding(**values) and hash(fast) == hash(Finding(**values))


def test_finding_order_does_not_depend_on_hashing() -> None:
    """Two rules of one policy can fire on the same node, path and value with different
    messages; the report orders them the same in every process (string hashing, and with
    it set order, changes from one process to the next)."""
    import os
    import subprocess
    import sys

    code = ("import json; from engine.validate.validator import validate_paths; "
            "r = validate_paths(['examples/churn-batch.yaml', 'examples/starter.yaml'], "
            "engine='fast'); "
            "print(json.dumps([[f.policy, f.message, f.focus] for w in r.workloads "
            "for f in w.findings]))")
    outs = set()
    for seed in ("1", "2", "3", "4"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        outs.add(subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True,
                                capture_output=True, text=True).stdout)
    assert len(outs) == 1


def test_finding_order_does_not_depend_on_the_engines_order() -> None:
    """The same when the engine yields its results in another order."""
    import random

    v = Validator(builtin_catalog().select(), engine="fast")
    ties = 0
    for name in ("starter", "churn-batch", "genai-rag"):
        wl = load_workload(ROOT / "examples" / f"{name}.yaml")
        raw = list(v.prepared.validate(wl.graph))
        want = v.report_for(wl, raw).findings
        ties += len(want) - len({(f.line, f.policy, f.focus_label, f.path, f.value) for f in want})
        for seed in range(5):
            shuffled = raw[:]
            random.Random(seed).shuffle(shuffled)
            assert v.report_for(wl, shuffled).findings == want, (name, seed)
    assert ties  # the examples hold findings that only the message or component tells apart
