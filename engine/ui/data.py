"""Cached resources and derived tables for the pages.

The lens and the built-in catalogue are loaded once per server (``st.cache_resource``);
tables derived from them are ``st.cache_data``. Anything that depends on the governance
store takes the store's *generation* (its audit-log length) as an argument, so a change
to the store makes new cache entries; :func:`store_changed` also clears the caches.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import streamlit as st

from engine.lens.ontology import PHASE_ORDER, PILLAR_ORDER

if TYPE_CHECKING:
    from engine.governance.store import Store
    from engine.lens.ontology import Lens
    from engine.policies.catalog import Catalog
    from engine.validate.report import Report

EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "examples"
ENGINES = ("auto", "fast", "reference")


@st.cache_resource(show_spinner="Loading the ML Lens …")
def lens() -> Lens:
    from engine.lens.ontology import load_lens

    return load_lens()


@st.cache_resource(show_spinner="Loading the policy catalogue …")
def builtin() -> Catalog:
    from engine.policies.catalog import builtin_catalog

    return builtin_catalog()


@st.cache_resource
def _store(root: str | None) -> Store:
    from engine.governance.store import open_store

    return open_store(root)


def store() -> Store:
    from engine.ui.settings import load_settings

    root = load_settings().store_root
    return _store(str(root) if root else None)


def generation() -> int:
    """A number that changes whenever the governance store changes."""
    return len(store().log())


def store_changed() -> None:
    st.cache_data.clear()


@st.cache_resource(show_spinner="Loading custom policies …", max_entries=4)
def _catalog(gen: int, root: str) -> Catalog:
    import hashlib
    import shutil

    from engine.policies.catalog import Catalog, load_pack
    from engine.ui.governance import custom_pack_dir

    base = builtin()
    # One folder per store and generation; older generations of this store are removed.
    tag = hashlib.sha256(root.encode()).hexdigest()[:12]
    parent = Path(tempfile.gettempdir())
    for old in parent.glob(f"mlwa-app-pack-{tag}-*"):
        if old.name != f"mlwa-app-pack-{tag}-{gen}":
            shutil.rmtree(old, ignore_errors=True)
    folder = parent / f"mlwa-app-pack-{tag}-{gen}"
    pack_dir = custom_pack_dir(store(), folder)
    if pack_dir is None:
        return base
    return Catalog((*base.packs, load_pack(pack_dir, lint=True)))


def catalog() -> Catalog:
    """The built-in catalogue plus the custom policies saved in the store."""
    try:
        return _catalog(generation(), str(store().root))
    except Exception as exc:  # a broken custom pack must not take the app down
        st.warning(f"Custom policies from the store were not loaded: {exc}")
        return builtin()


def examples() -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(EXAMPLES_DIR.glob("*.yaml"))}


def pillar_label(slug: str) -> str:
    p = lens().pillar_by_slug.get(slug)
    return p.label if p else slug


def phase_label(slug: str) -> str:
    p = lens().phase_by_slug.get(slug)
    return p.label if p else slug


# ---------------------------------------------------------------- derived tables

@st.cache_data
def practice_rows(edition: str) -> list[dict[str, Any]]:
    lz = lens()
    return [{"id": p.id(edition), "other id": p.id("2023" if edition == "2025" else "2025"),
             "title": p.title(edition), "pillar": pillar_label(p.pillar),
             "phase": phase_label(p.phase(edition)), "risk": p.risk, "question": p.question,
             "_pillar": p.pillar, "_phase": p.phase(edition), "_key": p.id2025}
            for p in lz.practices]


def search_practices(text: str, edition: str) -> list[str]:
    """2025 ids of practices whose id (either edition) or words match ``text``."""
    q = text.strip()
    if not q:
        return []
    lz = lens()
    exact = lz.find(q)
    if exact is not None:
        return [exact.id2025]
    words = [w for w in q.lower().split() if w]
    hits = []
    for p in lz.practices:
        hay = " ".join((p.id2025, p.id2023, p.title2025, p.title2023, p.description)).lower()
        if all(w in hay for w in words):
            hits.append(p.id2025)
    return hits


@st.cache_data
def automation_gaps(gen: int) -> list[dict[str, Any]]:
    """Practices no automated policy checks: attestation only, or no policy at all."""
    from engine.model import CheckKind

    by = catalog().by_practice()
    out = []
    for p in lens().practices:
        pols = by.get(p.id2025, [])
        if any(pol.kind is CheckKind.AUTOMATED for pol in pols):
            continue
        out.append({"practice": p.id2025, "title": p.title2025, "pillar": pillar_label(p.pillar),
                    "risk": p.risk,
                    "coverage": "attestation only" if pols else "no policy",
                    "policies": ", ".join(sorted(pol.code for pol in pols))})
    return out


@st.cache_data(show_spinner="Computing centrality …")
def centrality(top: int) -> list[tuple[str, float]]:
    return lens().centrality(top=top)


@st.cache_data
def lens_edges() -> list[tuple[str, str, str]]:
    g = lens().to_networkx()
    return [(a, b, str(d.get("rel", ""))) for a, b, d in g.edges(data=True)]


@st.cache_data
def lens_nodes() -> dict[str, dict[str, str]]:
    g = lens().to_networkx()
    return {n: {"kind": str(d.get("kind", "")), "label": str(d.get("label", n))}
            for n, d in g.nodes(data=True)}


# ---------------------------------------------------------------- validation

def waiver_set(gen: int) -> Any:
    """The store's waivers as the validator's WaiverSet (None when there are none)."""
    from engine.errors import InputError
    from engine.governance.waivers import Waivers
    from engine.ui.governance import read_waivers

    try:
        waivers, _ = read_waivers(store())
    except InputError as exc:
        st.warning(f"Waivers in the store could not be read: {exc}")
        return None
    return Waivers(waivers, "store:waivers") if waivers else None


PROFILES = "profiles"


def profile_names(gen: int) -> list[str]:
    """Tailoring profiles governance keeps in the store (collection ``profiles``)."""
    return sorted(n for c, n in store().documents(PROFILES) if c == PROFILES)


@st.cache_data(show_spinner="Validating …", max_entries=64)
def validate_text(text: str, filename: str, engine: str, edition: str, gen: int,
                  as_of: dt.date | None = None, profile: str | None = None) -> Report:
    """Load and validate one workload (InputError propagates to the page)."""
    from engine.validate.validator import validate_workload
    from engine.workload import load_workload_text

    tailoring = None
    if profile:
        from engine.governance.profiles import load_profile_text

        doc = store().read(PROFILES, profile)
        tailoring = load_profile_text(doc.text, f"store:{PROFILES}/{profile}")
    wl = load_workload_text(text, filename=filename)
    return validate_workload(wl, catalog=catalog(), engine=engine, edition=edition,
                             as_of=as_of, waivers=waiver_set(gen), profile=tailoring)


def empty_matrix() -> dict[str, dict[str, int]]:
    return {pl: dict.fromkeys(PHASE_ORDER, 0) for pl in PILLAR_ORDER}
