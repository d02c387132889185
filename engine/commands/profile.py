"""``mlwa profile``: check a tailoring profile and show what it selects."""

from __future__ import annotations

from pathlib import Path

import click

from engine.commands._common import emit_json, format_option, pack_option


@click.group(name="profile")
def command() -> None:
    """Check tailoring profiles (selection, severity overrides, not-applicable practices)."""


@command.command("check")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@pack_option
@format_option
def check(file: Path, packs: tuple[Path, ...], fmt: str) -> None:
    """Validate FILE against the loaded packs; print what it selects and changes.

    Exit 0 when the profile is valid, 2 with file:line for each problem otherwise.
    """
    from engine.governance.profiles import load_profile
    from engine.policies.catalog import builtin_catalog, load_catalog

    profile = load_profile(file)
    catalog = load_catalog(packs) if packs else builtin_catalog()
    chosen = profile.select(catalog)
    if fmt == "json":
        data = profile.to_json()
        data["selected"] = [p.code for p in chosen]
        emit_json("profile-check", data)
        return
    click.echo(f"{profile.id}: {profile.title}")
    click.echo(f"  selects {len(chosen)} of {len(catalog.policies)} policies "
               f"from {len(catalog.packs)} pack(s)")
    for code, sev in sorted(profile.overrides.items()):
        was = catalog.policies[code].severity.value
        click.echo(f"  override {code}: {was} -> {sev.value}")
    for pid, reason in sorted(profile.not_applicable_practices.items()):
        click.echo(f"  not applicable {pid}: {reason}")
    click.echo("ok")
