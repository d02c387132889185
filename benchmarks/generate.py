"""Generate realistic workload files for benchmarks and differential tests.

Each workload starts from one of the example workloads, gets its own id and name, and
receives a few *injected faults* (a fact flipped or removed, such as encryption turned off
or autoscaling dropped) chosen by a seeded random generator, so runs are reproducible and
the manifest says which faults each file carries.

    python benchmarks/generate.py OUT_DIR --count 1000 [--seed 7] [--faults 3]
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ("fraud-detection", "churn-batch", "genai-rag", "starter")

# (name, path, new value); "*" means every item of a list, None as value deletes the key.
FAULTS: tuple[tuple[str, tuple[str, ...], Any], ...] = (
    ("store-unencrypted", ("data_stores", "*", "encryption", "at_rest"), False),
    ("store-no-tls", ("data_stores", "*", "encryption", "in_transit"), False),
    ("store-no-versioning", ("data_stores", "*", "versioning"), False),
    ("store-public", ("data_stores", "*", "access", "public_access_blocked"), False),
    ("store-no-lineage", ("data_stores", "*", "lineage"), None),
    ("store-no-retention", ("data_stores", "*", "retention"), None),
    ("notebook-root", ("notebooks", "*", "root_access"), True),
    ("notebook-internet", ("notebooks", "*", "direct_internet_access"), True),
    ("training-no-isolation", ("training_jobs", "*", "network", "network_isolation"), False),
    ("training-spot-no-checkpoints", ("training_jobs", "*", "checkpoints"), None),
    ("training-no-experiment", ("training_jobs", "*", "experiment"), None),
    ("endpoint-no-autoscaling", ("endpoints", "*", "autoscaling"), None),
    ("endpoint-no-capture", ("endpoints", "*", "data_capture"), None),
    ("endpoint-no-vpc", ("endpoints", "*", "network"), None),
    ("endpoint-single-instance", ("endpoints", "*", "instance_count"), 1),
    ("no-attestations", ("attestations",), None),
    ("no-owner", ("owner",), None),
)


def load_templates(names: tuple[str, ...] = TEMPLATES) -> dict[str, dict[str, Any]]:
    out = {}
    for name in names:
        path = ROOT / "examples" / f"{name}.yaml"
        if path.exists():
            out[name] = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not out:
        raise SystemExit("no example workloads found under examples/")
    return out


def _apply(doc: Any, path: tuple[str, ...], value: Any) -> bool:
    """Apply one fault; return whether anything changed."""
    if not path:
        return False
    head, rest = path[0], path[1:]
    if head == "*":
        if not isinstance(doc, list):
            return False
        return any([_apply(item, rest, value) for item in doc])
    if not isinstance(doc, dict) or head not in doc:
        return False
    if not rest:
        if value is None:
            del doc[head]
        else:
            doc[head] = value
        return True
    return _apply(doc[head], rest, value)


def generate(count: int, *, seed: int = 7, faults: int = 3,
             templates_used: tuple[str, ...] = TEMPLATES) -> Iterator[tuple[str, dict[str, Any], list[str]]]:
    """Yield (file stem, workload document, injected fault names)."""
    rng = random.Random(seed)
    templates = load_templates(templates_used)
    names = sorted(templates)
    weights = [4 if n == "fraud-detection" else 2 if n != "starter" else 1 for n in names]
    for i in range(count):
        template = rng.choices(names, weights)[0]
        doc = copy.deepcopy(templates[template])
        doc["id"] = f"wl-{i:06d}"
        doc["name"] = f"{templates[template].get('name', template)} #{i}"
        injected = []
        for name, path, value in rng.sample(FAULTS, k=min(faults, len(FAULTS))):
            if _apply(doc, path, value):
                injected.append(name)
        yield f"wl-{i:06d}", doc, injected


def write(out: Path, count: int, *, seed: int = 7, faults: int = 3,
          templates: tuple[str, ...] = TEMPLATES) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    manifest = {}
    for stem, doc, injected in generate(count, seed=seed, faults=faults, templates_used=templates):
        (out / f"{stem}.yaml").write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
        manifest[stem] = injected
    path = out / "manifest.json"
    path.write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path)
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--faults", type=int, default=3)
    ap.add_argument("--templates", default=",".join(TEMPLATES),
                    help="examples to start from (starter alone gives ~50-triple workloads)")
    args = ap.parse_args(argv)
    manifest = write(args.out, args.count, seed=args.seed, faults=args.faults,
                     templates=tuple(args.templates.split(",")))
    print(f"wrote {args.count} workloads and {manifest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
