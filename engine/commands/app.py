"""``mlwa app``: start the web app on 127.0.0.1 (offline: no usage statistics, headless)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click

from engine.errors import UsageError

ROLES = ("architect", "governance")


def app_script() -> Path:
    """app.py beside the engine package (a checkout or an editable install), else the
    packaged entry point (an installed wheel has no app.py)."""
    checkout = Path(__file__).resolve().parents[2] / "app.py"
    if checkout.is_file():
        return checkout
    packaged = Path(__file__).resolve().parents[1] / "ui" / "serve.py"
    if not packaged.is_file():
        raise UsageError(f"the web app was not found at {checkout} or {packaged}; reinstall mlwa")
    return packaged


def streamlit_argv(script: Path, port: int) -> list[str]:
    return [sys.executable, "-m", "streamlit", "run", str(script),
            "--server.address", "127.0.0.1", "--server.port", str(port),
            "--server.headless", "true", "--browser.gatherUsageStats", "false"]


@click.command(name="app")
@click.option("--port", type=click.IntRange(1, 65535), default=8501, show_default=True,
              help="Port on 127.0.0.1.")
@click.option("--store", "store", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Governance store directory (default: $MLWA_STORE, else ~/.local/share/mlwa/store).")
@click.option("--role", type=click.Choice(ROLES), default=None,
              help="Role of the local user (default: the app config file, else architect). "
                   "Ignored behind a trusted proxy, whose headers decide.")
@click.option("--local-governance", is_flag=True,
              help="Let the local user (no sign-in) hold the governance role given by --role "
                   "or the config file; the app shows a banner. Without it, only a signed-in "
                   "user (st.login or a trusted proxy) may change governance data.")
def command(port: int, store: Path | None, role: str | None, local_governance: bool) -> None:
    """Start the web app on 127.0.0.1 (see docs/app.md)."""
    try:
        import streamlit  # noqa: F401
    except ImportError:
        raise UsageError("the web app needs the app extra: pip install 'mlwa[app]'") from None
    script = app_script()
    env = dict(os.environ)
    if store is not None:
        env["MLWA_STORE"] = str(store.expanduser().resolve())
    if role is not None:
        env["MLWA_APP_ROLE"] = role
    env["MLWA_APP_LOCAL_GOVERNANCE"] = "1" if local_governance else "0"
    click.echo(f"mlwa app: http://127.0.0.1:{port}  (Ctrl-C to stop)", err=True)
    argv = streamlit_argv(script, port)
    os.chdir(script.parent)
    if hasattr(os, "execve"):  # become the server: signals reach it, nothing is orphaned
        os.execve(argv[0], argv, env)
    sys.exit(subprocess.call(argv, env=env))  # pragma: no cover (platforms without exec)
