"""One consistent CLI (issue 22): every option of every command has help text; --engine
defaults to auto wherever it appears; --as-of, --pack, --profile and --waivers read the
same way in every command; mlwa portfolio takes --waivers and --profile."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from engine.cli import cli

REPO = Path(__file__).resolve().parents[2]


def walk(cmd: click.Command, path: str = "mlwa") -> Iterator[tuple[str, click.Command]]:
    yield path, cmd
    if isinstance(cmd, click.Group):
        ctx = click.Context(cmd, info_name=path.rsplit(" ", 1)[-1])
        for name in cmd.list_commands(ctx):
            sub = cmd.get_command(ctx, name)
            assert sub is not None, f"{path} {name} cannot be loaded"
            yield from walk(sub, f"{path} {name}")


COMMANDS = list(walk(cli))


def options(name: str) -> list[click.Option]:
    return [p for c_name, c in COMMANDS if c_name == name for p in c.params
            if isinstance(p, click.Option)]


def test_the_tree_is_walked() -> None:
    names = {n for n, _ in COMMANDS}
    assert {"mlwa validate", "mlwa portfolio", "mlwa lens export", "mlwa oscal results",
            "mlwa policies test", "mlwa history show", "mlwa diff"} <= names


def test_every_option_has_help_text() -> None:
    missing = [f"{name} {'/'.join(p.opts)}" for name, cmd in COMMANDS for p in cmd.params
               if isinstance(p, click.Option) and not p.hidden and not (p.help or "").strip()]
    assert not missing, missing


def test_engine_defaults_to_auto_everywhere() -> None:
    engines = {name: p for name, cmd in COMMANDS for p in cmd.params
               if isinstance(p, click.Option) and p.name == "engine"}
    assert {"mlwa validate", "mlwa portfolio", "mlwa oscal results",
            "mlwa policies test"} <= set(engines)
    wrong = {n: p.default for n, p in engines.items() if p.default != "auto"}
    assert not wrong, wrong


@pytest.mark.parametrize("option", ["--as-of", "--pack", "--profile", "--waivers"])
def test_shared_options_have_one_help_text(option: str) -> None:
    """Where a command takes the option, it says the same thing about it (the subject of
    --as-of, what is evaluated on that date, may differ)."""
    found = {name: p for name, cmd in COMMANDS for p in cmd.params
             if isinstance(p, click.Option) and option in p.opts}
    assert len(found) >= 2
    if option == "--as-of":
        assert all((p.help or "").endswith("on this date (default today).") and
                   p.metavar == "YYYY-MM-DD" for p in found.values()), found
        return
    helps = {name: p.help for name, p in found.items()
             if not (option == "--pack" and name == "mlwa policies new")}
    assert len(set(helps.values())) == 1, helps


def test_portfolio_takes_waivers_and_profile(tmp_path: Path) -> None:
    gov = REPO / "examples" / "governance"
    base = [sys.executable, "-m", "engine", "portfolio", str(REPO / "examples" / "churn-batch.yaml"),
            "--no-store", "--workers", "1", "--as-of", "2026-11-30", "--format", "json",
            "--fail-on", "none"]
    plain = subprocess.run(base, capture_output=True, text=True, cwd=REPO, timeout=300,
                           check=False)
    waived = subprocess.run([*base, "--waivers", str(gov / "waivers.yaml"), "--profile",
                             str(gov / "prod-profile.yaml"), "--pack", str(gov / "acme-pack")],
                            capture_output=True, text=True, cwd=REPO, timeout=300, check=False)
    assert plain.returncode == 0 and waived.returncode == 0, waived.stderr
    before = json.loads(plain.stdout)["data"]["totals"]
    after = json.loads(waived.stdout)["data"]["totals"]
    assert before["waived"] == 0 and after["waived"] >= 1
    bad = subprocess.run([*base, "--waivers", str(tmp_path / "none.yaml")], capture_output=True,
                         text=True, cwd=REPO, timeout=300, check=False)
    assert bad.returncode == 2 and "none.yaml" in bad.stderr


def test_a_bad_date_is_one_usage_error_everywhere() -> None:
    for args in (["validate", "examples/starter.yaml"], ["portfolio", "examples/starter.yaml"],
                 ["oscal", "results", "examples/starter.yaml"],
                 ["waivers", "check", "examples/governance/waivers.yaml"]):
        out = subprocess.run([sys.executable, "-m", "engine", *args, "--as-of", "2026-13-01"],
                             capture_output=True, text=True, cwd=REPO, timeout=120, check=False)
        assert out.returncode == 2, args
        assert "'--as-of': must be a date like 2026-11-30, got '2026-13-01'" in out.stderr, args


def test_store_means_the_estate_with_one_help_wherever_runs_are_kept(tmp_path: Path) -> None:
    """--store on the commands that write or read runs is the estate store, with one help
    text; mlwa validate --record takes it too (it wrote to the default estate only)."""
    estate = {name: p.help for name, cmd in COMMANDS for p in cmd.params
              if isinstance(p, click.Option) and "--store" in p.opts and p.metavar == "PATH|URL"}
    assert {"mlwa validate", "mlwa portfolio", "mlwa query", "mlwa diff",
            "mlwa history show"} <= set(estate)
    assert len(set(estate.values())) == 1, estate
    env = {**__import__("os").environ, "MLWA_HISTORY": str(tmp_path / "history"),
           "MLWA_ESTATE": str(tmp_path / "default-estate")}
    out = subprocess.run([sys.executable, "-m", "engine", "validate", "examples/starter.yaml",
                          "--engine", "fast", "--as-of", "2026-11-30", "--fail-on", "none",
                          "--record", "--store", str(tmp_path / "chosen")],
                         capture_output=True, text=True, cwd=REPO, timeout=300, check=False,
                         env=env)
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "chosen").is_dir() and not (tmp_path / "default-estate").exists()
