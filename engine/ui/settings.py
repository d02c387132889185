"""Where the app reads its settings: a small TOML file, then the environment.

The file is ``$MLWA_APP_CONFIG`` if set, else ``~/.config/mlwa/app.toml``::

    [user]                      # the local user, when no trusted proxy names one
    name = "gina"
    role = "governance"         # or "architect" (the default)

    [proxy]
    governance_group = "mlwa-governance"   # group in X-Forwarded-Groups that grants writes

    [portfolio]
    root = "/srv/workloads"     # folders the Portfolio page may read (nothing outside it)

    [limits]
    zip_entries = 500
    zip_total_mb = 64

``mlwa app --store DIR --role ROLE`` passes ``MLWA_STORE`` and ``MLWA_APP_ROLE`` to the
server process; ``MLWA_APP_ROLE`` overrides the file's role for the local user only.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.errors import InputError

ROLES = ("architect", "governance")
DEFAULT_GOVERNANCE_GROUP = "mlwa-governance"


def config_path(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    explicit = env.get("MLWA_APP_CONFIG")
    if explicit:
        return Path(explicit).expanduser()
    return Path(env.get("HOME", "~")).expanduser() / ".config" / "mlwa" / "app.toml"


@dataclass(frozen=True)
class AppSettings:
    local_user: str = "local"
    local_role: str = "architect"
    governance_group: str = DEFAULT_GOVERNANCE_GROUP
    portfolio_root: Path | None = None
    store_root: Path | None = None
    zip_entries: int = 500
    zip_total_bytes: int = 64 * 1024 * 1024
    file_bytes: int = 2 * 1024 * 1024
    source: str = "defaults"  # which file the settings came from, for the sidebar
    # `mlwa app --local-governance`: the local user may hold the governance role without
    # a sign-in (shown in a banner). Without it, a local user is read-only for governance.
    local_governance: bool = False


def _table(data: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = data.get(name, {})
    if not isinstance(value, Mapping):
        raise InputError(f"[{name}] must be a table in the app config")
    return value


def load_settings(env: Mapping[str, str] | None = None) -> AppSettings:
    """Read the config file (if any) and the environment; refuse unknown roles."""
    env = os.environ if env is None else env
    path = config_path(env)
    data: Mapping[str, Any] = {}
    source = "defaults"
    if path.is_file():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise InputError(f"{path}: cannot read the app config: {exc}") from None
        source = str(path)
    user, proxy = _table(data, "user"), _table(data, "proxy")
    portfolio, limits = _table(data, "portfolio"), _table(data, "limits")
    role = str(env.get("MLWA_APP_ROLE") or user.get("role") or "architect").strip().lower()
    if role not in ROLES:
        raise InputError(f"unknown role {role!r} in the app config; use one of {', '.join(ROLES)}")
    name = str(user.get("name") or env.get("MLWA_ACTOR") or env.get("USER") or "local")
    root = portfolio.get("root") or env.get("MLWA_PORTFOLIO_ROOT")
    store = env.get("MLWA_STORE")
    return AppSettings(
        local_user=name, local_role=role,
        governance_group=str(proxy.get("governance_group") or DEFAULT_GOVERNANCE_GROUP),
        portfolio_root=Path(str(root)).expanduser().resolve() if root else None,
        store_root=Path(store).expanduser() if store else None,
        zip_entries=int(limits.get("zip_entries", 500)),
        zip_total_bytes=int(limits.get("zip_total_mb", 64)) * 1024 * 1024,
        file_bytes=int(limits.get("file_mb", 2)) * 1024 * 1024,
        source=source,
        local_governance=env.get("MLWA_APP_LOCAL_GOVERNANCE") == "1",
    )
