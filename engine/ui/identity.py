"""Who is using the app, and with which role.

Behind a reverse proxy that authenticates people, ``server.trustedUserHeaders`` maps
``X-Forwarded-Email`` and ``X-Forwarded-Groups`` into ``st.user`` (keys ``email`` and
``groups``); a member of the governance group gets the governance role. With Streamlit's
own OIDC sign-in (``st.login``, configured in ``.streamlit/secrets.toml`` under ``[auth]``)
a signed-in user's ``groups`` claim decides the same way. Without either, headers are never
trusted (anyone could send them), the local config file names the user, and that user is
read-only for governance data unless the app was started with ``mlwa app
--local-governance`` (shown in a banner on every page). The default is architect: read and
validate, never write.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engine.ui.settings import AppSettings

GOVERNANCE = "governance"
ARCHITECT = "architect"


@dataclass(frozen=True)
class Identity:
    name: str
    role: str
    via: str  # "proxy" | "oidc" | "local" | "local-governance"

    @property
    def can_write(self) -> bool:
        return self.role == GOVERNANCE


def _groups(value: Any) -> set[str]:
    if value is None:
        return set()
    if isinstance(value, list | tuple | set):
        return {str(v).strip() for v in value}
    return {g for g in re.split(r"[,\s;]+", str(value)) if g}


def resolve_identity(settings: AppSettings, trusted_headers: Mapping[str, str] | None,
                     user_info: Mapping[str, Any]) -> Identity:
    """Decide the identity from the proxy's headers (only when trusted) or the local file."""
    if trusted_headers:
        keys = {k.lower(): v for k, v in trusted_headers.items()}
        email_key = keys.get("x-forwarded-email", "email")
        groups_key = keys.get("x-forwarded-groups", "groups")
        email = user_info.get(email_key)
        if not email:
            return Identity("anonymous", ARCHITECT, "proxy")
        groups = _groups(user_info.get(groups_key))
        role = GOVERNANCE if settings.governance_group in groups else ARCHITECT
        return Identity(str(email), role, "proxy")
    if user_info.get("is_logged_in"):  # st.login (OIDC): the provider vouches for the user
        who = user_info.get("email") or user_info.get("name") or user_info.get("sub")
        if who:
            groups = _groups(user_info.get("groups"))
            role = GOVERNANCE if settings.governance_group in groups else ARCHITECT
            return Identity(str(who), role, "oidc")
    if settings.local_role == GOVERNANCE and settings.local_governance:
        return Identity(settings.local_user, GOVERNANCE, "local-governance")
    return Identity(settings.local_user, ARCHITECT, "local")


def oidc_configured() -> bool:
    """True when ``.streamlit/secrets.toml`` has an ``[auth]`` section (st.login works)."""
    import streamlit as st

    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def current_identity() -> Identity:
    """The identity for this script run (Streamlit only)."""
    import streamlit as st

    from engine.ui.settings import load_settings

    settings = load_settings()
    mapping = st.get_option("server.trustedUserHeaders") or {}
    if isinstance(mapping, str):
        import json

        mapping = json.loads(mapping) if mapping.strip() else {}
    try:
        info: Mapping[str, Any] = st.user.to_dict()
    except Exception:  # st.user is unavailable outside a session
        info = {}
    return resolve_identity(settings, mapping, info)
