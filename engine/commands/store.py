"""``mlwa store``: read the governance store's audit log, show versions, roll back, verify."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from engine.commands._common import emit_json, format_option


def _open(ctx: click.Context) -> Any:
    from engine.governance.store import open_store

    return open_store(ctx.obj.get("root"))


@click.group(name="store")
@click.option("--store", "root", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="Store directory (default: $MLWA_STORE, else "
              "~/.local/share/mlwa/store).")
@click.pass_context
def command(ctx: click.Context, root: Path | None) -> None:
    """The governance store: custom policies, profiles and waivers with full history."""
    ctx.ensure_object(dict)
    ctx.obj["root"] = root


@command.command("log")
@click.option("--collection", default=None, help="Only this collection (policies, waivers, ...).")
@click.option("--name", default=None, help="Only this document.")
@format_option
@click.pass_context
def log_cmd(ctx: click.Context, collection: str | None, name: str | None, fmt: str) -> None:
    """The audit log, oldest first."""
    entries = _open(ctx).log(collection, name)
    if fmt == "json":
        emit_json("store-log", [e.to_json() for e in entries])
        return
    for e in entries:
        version = (e.version or "-")[:12]
        reason = f"  {e.reason}" if e.reason else ""
        who = f"{e.actor} ({e.role}, OS user {e.user})" if e.user else f"{e.actor} ({e.role})"
        click.echo(f"{e.seq:>5}  {e.time}  {who}  {e.action:<8} "
                   f"{e.collection}/{e.name}  {version}{reason}")
    if not entries:
        click.echo("(no entries)", err=True)


@command.command("show")
@click.argument("collection")
@click.argument("name")
@click.option("--version", "version", default=None, help="A version hash or a unique prefix.")
@click.option("--history", is_flag=True, help="List the document's versions instead.")
@format_option
@click.pass_context
def show_cmd(ctx: click.Context, collection: str, name: str, version: str | None,
             history: bool, fmt: str) -> None:
    """Print a document (current version, or --version), or its --history."""
    store = _open(ctx)
    if history:
        entries = store.history(collection, name)
        if fmt == "json":
            emit_json("store-history", [e.to_json() for e in entries])
        else:
            for e in entries:
                click.echo(f"{e.seq:>5}  {e.time}  {e.action:<8} {(e.version or '-')[:12]}  "
                           f"{e.actor}  {e.reason}")
        return
    doc = store.read(collection, name, version)
    for warning in doc.warnings:
        click.echo(f"mlwa: warning: {warning}", err=True)
    if fmt == "json":
        emit_json("store-document", {"collection": doc.collection, "name": doc.name,
                                     "version": doc.version, "current": doc.current,
                                     "warnings": list(doc.warnings),
                                     "content": doc.content.decode("utf-8", "replace")})
        return
    sys.stdout.buffer.write(doc.content)
    sys.stdout.flush()


@command.command("rollback")
@click.argument("collection")
@click.argument("name")
@click.argument("version")
@click.option("--reason", required=True, help="Why; recorded in the audit log.")
@click.option("--actor", default=None, help="Who (default: $MLWA_ACTOR, else $USER).")
@click.option("--role", default=None, help="Your role (default: $MLWA_ROLE, else architect). "
              "Only governance may write.")
@click.option("--expected-version", default=None,
              help="Refuse if the current version is not this one.")
@click.pass_context
def rollback_cmd(ctx: click.Context, collection: str, name: str, version: str, reason: str,
                 actor: str | None, role: str | None, expected_version: str | None) -> None:
    """Make VERSION of a document current again (a new, audited change)."""
    role = role or os.environ.get("MLWA_ROLE") or "architect"
    actor = actor or os.environ.get("MLWA_ACTOR") or os.environ.get("USER") or "unknown"
    entry = _open(ctx).rollback(collection, name, version, actor=actor, role=role,
                                reason=reason, expected_version=expected_version)
    click.echo(f"{collection}/{name}: version {entry.version[:12]} is current again "
               f"(audit entry {entry.seq})")


@command.command("verify")
@format_option
@click.pass_context
def verify_cmd(ctx: click.Context, fmt: str) -> None:
    """Check the audit chain, every pointer and every stored version. Exit 2 on damage."""
    store = _open(ctx)
    report = store.verify()
    if fmt == "json":
        emit_json("store-verify", {"ok": report.ok, "entries": report.entries,
                                   "documents": report.documents,
                                   "objects_checked": report.objects_checked,
                                   "problems": report.problems, "notes": report.notes,
                                   "keyed": report.keyed,
                                   "repairs_on_open": store.repairs})
    else:
        for repair in store.repairs:
            click.echo(f"repaired: {repair}")
        for note in report.notes:
            click.echo(f"note: {note}")
        for problem in report.problems:
            click.echo(f"mlwa: {store.root}: {problem}", err=True)
        click.echo(f"{store.root}: {report.entries} audit entries, {report.documents} "
                   f"documents, {report.objects_checked} versions checked: "
                   f"{'ok' if report.ok else 'DAMAGED'}")
    if not report.ok:
        sys.exit(2)  # click.Exit is swallowed when standalone_mode is off


@command.command("anchor")
@format_option
@click.pass_context
def anchor_cmd(ctx: click.Context, fmt: str) -> None:
    """Print the head of the audit chain (sequence, hash, MAC) to publish elsewhere: a
    later history that does not contain it was rewritten."""
    head = _open(ctx).anchor()
    if fmt == "json":
        emit_json("store-anchor", head)
        return
    mac = f" mac={head['mac']}" if head["mac"] else " (no MAC: no audit key when written)"
    click.echo(f"{head['store']}: seq={head['seq']} hash={head['hash']}{mac} {head['time']}")


@command.command("restrict")
@click.argument("group")
@click.option("--reason", default="", help="Why; recorded in the audit log.")
@click.option("--actor", default=None, help="Who (default: $MLWA_ACTOR, else $USER).")
@click.pass_context
def restrict_cmd(ctx: click.Context, group: str, reason: str, actor: str | None) -> None:
    """Restrict writes to members of the Unix GROUP (checked at every write; the store's
    directory becomes group-owned and closed to others)."""
    actor = actor or os.environ.get("MLWA_ACTOR") or os.environ.get("USER") or "unknown"
    entry = _open(ctx).restrict_to_group(group, actor=actor, reason=reason)
    click.echo(f"writes now need membership of group {group!r} (audit entry {entry.seq})")
