"""``mlwa policies``: the catalogue, one policy's documentation, the authors' test runner."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from engine.commands._common import emit_json, engine_option, format_option, pack_option


@click.group()
def command() -> None:
    """List, show, test and scaffold policies."""


def _catalog(packs: tuple[Path, ...]):  # type: ignore[no-untyped-def]
    from engine.policies.catalog import builtin_catalog, load_catalog

    return load_catalog(packs) if packs else builtin_catalog()


@command.command("list")
@pack_option
@click.option("--pillar", "pillars", multiple=True,
              help="Only policies of this pillar slug, e.g. security (repeatable).")
@click.option("--phase", "phases", multiple=True,
              help="Only policies of this lifecycle phase slug, e.g. deployment (repeatable).")
@click.option("--severity", "severities", multiple=True,
              type=click.Choice(["high", "medium", "low"]),
              help="Only policies of this severity (repeatable).")
@click.option("--kind", type=click.Choice(["automated", "attestation"]),
              help="Only automated checks or only attestation policies.")
@format_option
def list_(packs: tuple[Path, ...], pillars: tuple[str, ...], phases: tuple[str, ...],
          severities: tuple[str, ...], kind: str | None, fmt: str) -> None:
    """The policy catalogue, rendered from each policy's metadata."""
    cat = _catalog(packs)
    chosen = [p for p in cat.select(pillars=pillars, phases=phases, severities=severities,
                                    include_deprecated=True)
              if kind is None or p.kind.value == kind]
    if fmt == "json":
        emit_json("policies", [p.to_json() for p in chosen])
        return
    for p in chosen:
        status = "" if p.status.value == "stable" else f" [{p.status.value}]"
        click.echo(f"{p.code:<13} {p.severity.value:<7} {p.kind.value:<12} "
                   f"{','.join(p.practices):<28} {p.title}{status}")
    click.echo(f"{len(chosen)} policies in {len(cat.packs)} pack(s)", err=True)


_EVIDENCE_WORD = {"structure": "verified (cross-linked structure shows it)",
                  "declaration": "declared (only a self-declared flag or free text says so)"}


@command.command()
@click.argument("code")
@pack_option
@format_option
def show(code: str, packs: tuple[Path, ...], fmt: str) -> None:
    """One policy: its documentation, its SHACL and its cases as examples."""
    from engine.validate.cases import load_cases

    pol = _catalog(packs).get(code)
    try:
        cases = load_cases(pol)
    except Exception:
        cases = []
    if fmt == "json":
        data = pol.to_json()
        data["shacl"] = pol.turtle()
        data["source"] = pol.source_text() if pol.source_format == "yaml" else None
        data["cases"] = cases
        emit_json("policy", data)
        return
    import yaml

    from engine.lens.ontology import load_lens

    lens = load_lens()
    out = [f"{pol.code}: {pol.title}",
           f"  severity {pol.severity.value} · {pol.kind.value} · {pol.status.value} · pack {pol.pack}",
           "  implements " + "; ".join(f"{p} {lens.practice(p).title2025}" for p in pol.practices),
           "", "Why", f"  {pol.rationale}", "", "How to fix", f"  {pol.remediation}", "",
           "Evidence", f"  a pass is {_EVIDENCE_WORD[pol.evidence.value]}", ""]
    out += ["Silence",
            f"  needs: {pol.needs_text}",
            "  when absent in a production or serving workload: "
            + ("a gap (a finding)" if pol.when_absent == "gap" else "not assessed"),
            "  early-stage workload: not assessed"
            + (f" (assessed from stage {pol.assessed_from})" if pol.assessed_from else ""), ""]
    if pol.source_format == "yaml":
        out += ["Compact form", *("  " + ln for ln in pol.source_text().splitlines()), ""]
    out += ["SHACL", *("  " + ln for ln in pol.turtle().splitlines()), ""]
    for case in cases:
        verdict = "passes" if case.get("expect") == "pass" else "fails"
        out.append(f"Example that {verdict}: {case.get('name', '')}")
        body = yaml.safe_dump(case.get("workload"), sort_keys=False).rstrip()
        out += ["  " + ln for ln in body.splitlines()]
        for f in case.get("failures") or []:
            out.append(f"  -> fails at {f.get('focus', 'workload')} {f.get('path') or ''}".rstrip())
        out.append("")
    click.echo("\n".join(out))


@command.command()
@click.argument("pack_dirs", nargs=-1, type=click.Path(path_type=Path, file_okay=False))
@click.option("--policy", "codes", multiple=True, help="Only these policy codes.")
@engine_option
@click.option("--cpu-limit", type=click.FloatRange(min=0.1), default=None,
              help="Sandbox CPU seconds per custom-policy run (default 5, $MLWA_SANDBOX_CPU_SECONDS).")
@click.option("--memory-limit", type=click.FloatRange(min=16), default=None,
              help="Sandbox extra memory in MB (default 1024, $MLWA_SANDBOX_MEMORY_MB).")
@click.option("--wall-limit", type=click.FloatRange(min=0.1), default=None,
              help="Sandbox wall-clock seconds (default 20, $MLWA_SANDBOX_WALL_SECONDS).")
@format_option
def test(pack_dirs: tuple[Path, ...], codes: tuple[str, ...], engine: str,
         cpu_limit: float | None, memory_limit: float | None, wall_limit: float | None,
         fmt: str) -> None:
    """Run policy cases, SHACL-SHACL meta-validation and the safety lint (like `opa test`).

    With no PACK_DIRS, tests the built-in pack. Custom packs are linted on load and their
    cases run in a sandboxed child with CPU, memory and wall-time limits.
    """
    from engine.policies.catalog import Catalog, builtin_catalog, load_pack
    from engine.policies.custom import configure_from_options
    from engine.validate.cases import check_case_files, format_results, sandboxed_pack_tests

    if pack_dirs:
        packs = [load_pack(d) for d in pack_dirs]
        policies = list(Catalog(tuple(packs)).policies.values())  # duplicate codes: clear error
    else:
        policies = list(builtin_catalog().policies.values())
    if codes:
        wanted = {c.upper() for c in codes}
        policies = [p for p in policies if p.code in wanted]
    check_case_files(policies)
    configure_from_options(cpu_limit, memory_limit, wall_limit)
    reports = sandboxed_pack_tests(policies, engine=engine)
    text, ok = format_results(reports)
    if fmt == "json":
        emit_json("policy-tests", [{"policy": r.policy, "ok": r.ok, "problems": r.problems,
                                    "cases": [c.__dict__ for c in r.results]} for r in reports])
    else:
        click.echo(text)
    if not ok:
        sys.exit(1)


# `mlwa policies new` lives in its own module (engine/commands/policies_authoring.py).
from engine.commands.policies_authoring import new as _new  # noqa: E402

command.add_command(_new)
