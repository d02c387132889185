"""2023 <-> 2025: map and diff."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from click.testing import CliRunner

from engine.cli import cli
from engine.lens.editions import diff_editions, map_practice


def test_mlcost_23_is_the_only_moved_practice() -> None:
    diff = diff_editions("2023", "2025")
    assert [(m["from"], m["to"], m["fromPhase"], m["toPhase"]) for m in diff["moved"]] == [
        ("MLCOST-23", "MLCOST06-BP04", "model-development", "monitoring")]


def test_every_practice_is_renumbered_and_summarised_by_prefix() -> None:
    diff = diff_editions("2023", "2025")
    assert diff["renumbered"]["count"] == 105
    summary = {(r["from"], r["to"]): r["count"] for r in diff["renumbered"]["byPrefix"]}
    assert summary == {("MLOE", "MLOPS"): 16, ("MLSEC", "MLSEC"): 13, ("MLREL", "MLREL"): 13,
                       ("MLPER", "MLPERF"): 18, ("MLCOST", "MLCOST"): 29, ("MLSUS", "MLSUS"): 16}
    back = diff_editions("2025", "2023")
    assert {(p["to"], p["from"]) for p in back["renumbered"]["pairs"]} == {
        (p["from"], p["to"]) for p in diff["renumbered"]["pairs"]}


def test_renamed_practices_match_the_reference_titles(practice_table: Path) -> None:
    with (practice_table).open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    cols = rows[0].keys()
    t23 = next(c for c in cols if "title" in c.lower() and "2023" in c)
    t25 = next(c for c in cols if "title" in c.lower() and "2025" in c)
    i23 = next(c for c in cols if "id" in c.lower() and "2023" in c)
    expected = {r[i23] for r in rows if r[t23] != r[t25]}
    diff = diff_editions("2023", "2025")
    assert {r["from"] for r in diff["renamed"]} == expected
    renamed = {r["from"]: r for r in diff["renamed"]}
    assert renamed["MLSEC-03"]["fromTitle"] == "Ensure least privilege access"
    assert renamed["MLSEC-03"]["toTitle"] == "Provide least privilege access"


def test_map_both_ways() -> None:
    m = map_practice("MLCOST-23")
    assert m["given"] == "2023" and m["other"]["id"] == "MLCOST06-BP04"
    assert m["editions"]["2023"]["phase"] == "model-development"
    assert m["editions"]["2025"]["phase"] == "monitoring" and m["moved"] is True
    assert map_practice("mlops01-bp01")["other"]["id"] == "MLOE-01"


def test_cli_map_and_diff() -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["lens", "map", "MLCOST06-BP04", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["data"]["other"]["id"] == "MLCOST-23"
    result = runner.invoke(cli, ["lens", "diff", "2023", "2025"])
    assert result.exit_code == 0, result.output
    assert "MLCOST-23 -> MLCOST06-BP04: model-development -> monitoring" in result.stdout
    result = runner.invoke(cli, ["lens", "map", "MLXX-99"])
    assert result.exit_code != 0
