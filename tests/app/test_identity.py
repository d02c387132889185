"""Who the user is: trusted proxy headers only when configured, else the local file."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import InputError
from engine.ui.identity import resolve_identity
from engine.ui.settings import AppSettings, load_settings

MAPPING = {"X-Forwarded-Email": "email", "X-Forwarded-Groups": "groups"}


def test_default_is_an_architect(tmp_path: Path) -> None:
    s = load_settings({"MLWA_APP_CONFIG": str(tmp_path / "missing.toml"), "USER": "bob"})
    ident = resolve_identity(s, {}, {})
    assert (ident.name, ident.role, ident.can_write) == ("bob", "architect", False)


def test_local_file_names_user_and_role(tmp_path: Path) -> None:
    cfg = tmp_path / "app.toml"
    cfg.write_text('[user]\nname = "gina"\nrole = "governance"\n[portfolio]\nroot = "/srv/w"\n')
    s = load_settings({"MLWA_APP_CONFIG": str(cfg)})
    ident = resolve_identity(s, {}, {"email": "ignored@example.com"})
    # Issue 16: a role written in a file is a claim; without --local-governance (or a
    # sign-in) the local user is read-only for governance data.
    assert (ident.name, ident.role, ident.via) == ("gina", "architect", "local")
    assert s.portfolio_root == Path("/srv/w").resolve()
    s = load_settings({"MLWA_APP_CONFIG": str(cfg), "MLWA_APP_LOCAL_GOVERNANCE": "1"})
    ident = resolve_identity(s, {}, {})
    assert (ident.name, ident.role, ident.via) == ("gina", "governance", "local-governance")


def test_oidc_sign_in_decides_by_groups() -> None:
    s = AppSettings(local_role="governance", local_governance=False)
    gov = resolve_identity(s, {}, {"is_logged_in": True, "email": "g@example.com",
                                   "groups": ["mlwa-governance"]})
    arch = resolve_identity(s, {}, {"is_logged_in": True, "email": "a@example.com"})
    out = resolve_identity(s, {}, {"is_logged_in": False, "email": "x@example.com"})
    assert (gov.role, gov.via) == ("governance", "oidc")
    assert (arch.role, arch.via) == ("architect", "oidc")
    assert (out.role, out.via) == ("architect", "local")


def test_role_override_from_mlwa_app(tmp_path: Path) -> None:
    s = load_settings({"MLWA_APP_CONFIG": str(tmp_path / "none.toml"), "MLWA_APP_ROLE": "governance"})
    assert s.local_role == "governance"


def test_bad_role_or_file_is_an_input_error(tmp_path: Path) -> None:
    cfg = tmp_path / "app.toml"
    cfg.write_text('[user]\nrole = "admin"\n')
    with pytest.raises(InputError, match="unknown role"):
        load_settings({"MLWA_APP_CONFIG": str(cfg)})
    cfg.write_text("[user\n")
    with pytest.raises(InputError):
        load_settings({"MLWA_APP_CONFIG": str(cfg)})


def test_proxy_groups_grant_governance() -> None:
    s = AppSettings(local_role="governance")
    gov = resolve_identity(s, MAPPING, {"email": "g@example.com", "groups": "a, mlwa-governance"})
    arch = resolve_identity(s, MAPPING, {"email": "a@example.com", "groups": "mlwa-governance-x"})
    anon = resolve_identity(s, MAPPING, {})
    assert (gov.role, gov.via) == ("governance", "proxy")
    assert arch.role == "architect"  # no prefix match, and the local role does not leak in
    assert (anon.name, anon.role) == ("anonymous", "architect")
