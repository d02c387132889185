"""``mlwa waivers``: list, grant and revoke waivers kept in the governance store.

Waivers live in the store document (``waivers``, NAME) (default NAME ``waivers``), a YAML
file in the format of :mod:`engine.governance.waivers`. ``grant`` and ``revoke`` need the governance
role (``--role`` or ``$MLWA_ROLE``), record a reason in the audit log, validate the whole
document before saving, and retry on a concurrent change so no grant is ever lost.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import click

from engine.commands._common import as_of_option, emit_json, format_option
from engine.errors import UsageError


def _date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{option} must be a date like 2026-10-01, got {value!r}") from None


@click.group(name="waivers")
@click.option("--store", "root", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Store directory (default: $MLWA_STORE, else ~/.local/share/mlwa/store).")
@click.option("--name", default="waivers", show_default=True,
              help="The waivers document in the store (collection 'waivers').")
@click.pass_context
def command(ctx: click.Context, root: Path | None, name: str) -> None:
    """Grant, list and revoke waivers (governance role to change them)."""
    ctx.ensure_object(dict)
    ctx.obj.update(root=root, name=name)


def _who(role: str | None, actor: str | None) -> tuple[str, str]:
    role = role or os.environ.get("MLWA_ROLE") or "architect"
    actor = actor or os.environ.get("MLWA_ACTOR") or os.environ.get("USER") or "unknown"
    return role, actor


@command.command("list")
@as_of_option("waiver status")
@format_option
@click.pass_context
def list_cmd(ctx: click.Context, as_of: dt.date | None, fmt: str) -> None:
    """The waivers in the store, with their status on --as-of."""
    from engine.governance.waivers import load_store_waivers

    when = as_of or dt.date.today()
    waivers = load_store_waivers(ctx.obj["name"], ctx.obj["root"])
    if fmt == "json":
        emit_json("waivers", [{**w.to_data(), "status": w.status(when)} for w in waivers])
        return
    for w in waivers:
        what = w.policy or w.practice
        focus = f" {w.focus}" if w.focus else ""
        click.echo(f"{w.id:<10} {w.status(when):<8} {w.workload:<20} {what}{focus}  "
                   f"until {w.expires}  approved by {w.approver}: {w.reason}")
    click.echo(f"{len(waivers)} waiver(s)", err=True)


@command.command("grant")
@click.option("--id", "waiver_id", required=True, help="Waiver id, unique, e.g. W-7.")
@click.option("--workload", required=True, help="Workload id, or '*' for every workload.")
@click.option("--policy", default=None, help="Policy code the waiver covers.")
@click.option("--practice", default=None, help="Or a practice id (either edition).")
@click.option("--focus", default=None, help="Only findings on this node, e.g. data_stores/raw.")
@click.option("--reason", required=True, help="Why the finding is accepted (recorded).")
@click.option("--approver", required=True, help="Who approved the waiver.")
@click.option("--created", default=None, help="Start date (default today).")
@click.option("--expires", required=True, help="End date: the waiver no longer applies from it.")
@click.option("--actor", default=None, help="Who (default $MLWA_ACTOR, else $USER).")
@click.option("--role", default=None, help="Your role (default $MLWA_ROLE); governance only.")
@click.pass_context
def grant(ctx: click.Context, waiver_id: str, workload: str, policy: str | None,
          practice: str | None, focus: str | None, reason: str, approver: str,
          created: str | None, expires: str, actor: str | None, role: str | None) -> None:
    """Add a waiver (validated, audited)."""
    from engine.governance.waivers import parse_waivers, update_store_waivers

    role, actor = _who(role, actor)
    start = _date(created, "--created") or dt.date.today()
    end = _date(expires, "--expires")
    entry: dict[str, Any] = {"id": waiver_id, "workload": workload, "reason": reason,
                             "approver": approver, "created": start.isoformat(),
                             "expires": end.isoformat() if end else expires}
    for key, value in (("policy", policy), ("practice", practice), ("focus", focus)):
        if value is not None:
            entry[key] = value
    new = parse_waivers([entry], None, "--options").waivers[0]  # check it alone first

    def change(waivers: list[Any]) -> list[Any]:
        if any(w.id == new.id for w in waivers):
            raise UsageError(f"waiver {new.id} already exists; revoke it first or pick a new id")
        return [*waivers, new]

    entry_log = update_store_waivers(ctx.obj["root"], ctx.obj["name"], change, actor=actor, role=role,
                               reason=f"grant {new.id}: {reason}")
    click.echo(f"granted waiver {new.id} until {new.expires} (audit entry {entry_log.seq})")


@command.command("revoke")
@click.argument("waiver_id")
@click.option("--reason", required=True, help="Why it is revoked (recorded).")
@click.option("--actor", default=None, help="Who (default $MLWA_ACTOR, else $USER).")
@click.option("--role", default=None, help="Your role (default $MLWA_ROLE); governance only.")
@click.pass_context
def revoke(ctx: click.Context, waiver_id: str, reason: str, actor: str | None,
           role: str | None) -> None:
    """Remove a waiver (its history stays in the store)."""
    from engine.governance.waivers import update_store_waivers

    role, actor = _who(role, actor)

    def change(waivers: list[Any]) -> list[Any]:
        if not any(w.id == waiver_id for w in waivers):
            raise UsageError(f"no waiver {waiver_id} in the store")
        return [w for w in waivers if w.id != waiver_id]

    entry = update_store_waivers(ctx.obj["root"], ctx.obj["name"], change, actor=actor, role=role,
                           reason=f"revoke {waiver_id}: {reason}")
    click.echo(f"revoked waiver {waiver_id} (audit entry {entry.seq})")


@command.command("check")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@as_of_option("waiver status")
def check(file: Path, as_of: dt.date | None) -> None:
    """Validate a waivers FILE (exit 2 with file:line on problems)."""
    from engine.governance.waivers import load_waivers

    when = as_of or dt.date.today()
    waivers = load_waivers(file)
    states = [w.status(when) for w in waivers]
    click.echo(f"{file}: {len(waivers)} waiver(s): {states.count('active')} active, "
               f"{states.count('expired')} expired, {states.count('pending')} pending")
