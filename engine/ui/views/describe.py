"""Describe: write a workload description with forms instead of YAML.

The form is generated from the workload format itself (engine/workload/spec.py): the
workload's own keys and groups first, then a section per component kind with as many
entries as you add. Every change is checked by the same loader as ``mlwa workload check``,
so the messages are the CLI's; the YAML is shown beside it and can be downloaded or
validated on the Validate page.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import streamlit as st
import yaml

from engine.errors import InputError
from engine.ui import components

UNSET = "(not set)"
FILENAME = "workload.yaml"
PREFIX = "ds"
# kinds offered first: what most descriptions start with
COMMON = ("data_stores", "training_jobs", "model_registries", "endpoints", "pipelines",
          "monitors", "iam_roles")


def _spec() -> tuple[tuple[Any, ...], dict[str, Any]]:
    from engine.workload.spec import KIND_BY_ID, WORKLOAD_FIELDS

    return WORKLOAD_FIELDS, KIND_BY_ID


def _names(doc: dict[str, Any], kinds: tuple[str, ...]) -> list[str]:
    return [str(e["name"]) for k in kinds for e in doc.get(k) or [] if isinstance(e, dict)
            and e.get("name")]


def _number(text: str, integer: bool) -> Any:
    text = text.strip()
    if not text:
        return None
    try:
        return int(text) if integer else float(text)
    except ValueError:
        return text  # left as written: the loader names the problem


def field_widget(f: Any, key: str, doc: dict[str, Any]) -> Any:
    """One form widget for a field of the format; returns the value to write (None: unset)."""
    label = f.key + (" *" if f.required else "")
    help_ = f.doc
    if f.type == "boolean":
        v = st.selectbox(label, [UNSET, "true", "false"], key=key, help=help_)
        return None if v == UNSET else v == "true"
    if f.type == "enum":
        if f.many:
            return st.multiselect(label, list(f.values), key=key, help=help_) or None
        v = st.selectbox(label, [UNSET, *f.values], key=key, help=help_)
        return None if v == UNSET else v
    if f.type in ("integer", "number"):
        text = st.text_input(label, key=key, help=help_)
        if f.many:
            return [_number(x, f.type == "integer") for x in text.split(",") if x.strip()] or None
        return _number(text, f.type == "integer")
    if f.type == "text":
        return st.text_area(label, key=key, help=help_, height=68).strip() or None
    if f.type == "ref":
        names = _names(doc, f.refs)
        if names:
            if f.many:
                return st.multiselect(label, names, key=key, help=help_) or None
            v = st.selectbox(label, [UNSET, *names], key=key, help=help_)
            return None if v == UNSET else v
    if f.type == "tags":
        text = st.text_input(label + " (key=value, comma-separated)", key=key, help=help_)
        pairs = [p.split("=", 1) for p in text.split(",") if "=" in p]
        return {k.strip(): v.strip() for k, v in pairs} or None
    if f.type == "date":
        text = st.text_input(label + " (YYYY-MM-DD)", key=key, help=help_).strip()
        try:
            return dt.date.fromisoformat(text) if text else None
        except ValueError:
            return text
    # string, uri, ref without candidates, lists of strings
    text = st.text_input(label + (" (comma-separated)" if f.many else ""), key=key, help=help_)
    if f.many:
        return [x.strip() for x in text.split(",") if x.strip()] or None
    return text.strip() or None


def fields_form(fields: tuple[Any, ...], key: str, doc: dict[str, Any], *, columns: int = 3,
                top: bool = False) -> dict[str, Any]:
    """Scalar fields in a grid; groups as bordered sub-sections (nested lists are left to
    the YAML editor: they are named, not dropped)."""
    out: dict[str, Any] = {}
    scalars = [f for f in fields if f.type not in ("group", "items", "answers")]
    cols = st.columns(columns)
    for idx, f in enumerate(scalars):
        with cols[idx % columns]:
            value = field_widget(f, f"{key}.{f.key}", doc)
        if value is not None:
            out[f.key] = value
    for f in fields:
        if f.type == "group":
            # expanders cannot nest: top-level groups fold, groups inside an entry are boxed
            box = st.expander(f"{f.key} · {f.doc}") if top else st.container(border=True)
            with box:
                if not top:
                    st.markdown(f"**{f.key}** · {f.doc}")
                sub = fields_form(f.fields, f"{key}.{f.key}", doc, columns=columns)
            if sub:
                out[f.key] = sub
    nested = [] if top else [f.key for f in fields if f.type in ("items", "answers")]
    if nested:
        st.caption("Lists inside this entry (" + ", ".join(nested) + ") are added in the YAML.")
    return out


def kind_section(kind: Any, doc: dict[str, Any]) -> list[dict[str, Any]]:
    count_key = f"{PREFIX}_n_{kind.id}"
    st.session_state.setdefault(count_key, 0)
    entries = []
    for n in range(st.session_state[count_key]):
        with st.expander(f"{kind.label} {n + 1}", expanded=True):
            entry = fields_form(kind.fields, f"{PREFIX}.{kind.id}.{n}", doc)
        entries.append(entry)
    c = st.columns([1, 1, 4])
    if c[0].button(f"Add {kind.label.lower()}", key=f"{PREFIX}_add_{kind.id}",
                   icon=":material/add:"):
        st.session_state[count_key] += 1
        st.rerun()
    if st.session_state[count_key] and c[1].button("Remove the last", key=f"{PREFIX}_del_{kind.id}"):
        st.session_state[count_key] -= 1
        st.rerun()
    return entries


def check(text: str) -> list[str]:
    """The loader's messages for the YAML, as ``mlwa workload check`` prints them."""
    from engine.workload import load_workload_text

    try:
        load_workload_text(text, filename=FILENAME)
    except InputError as exc:
        return exc.lines()
    return []


def main() -> None:
    workload_fields, kinds = _spec()
    st.title("Describe a workload")
    st.caption("Fill in what you know; everything except id and name is optional, and what "
               "you leave out is reported by the policies, never guessed. The YAML on the "
               "right is checked as you type, with the same messages as `mlwa workload check`.")
    previous: dict[str, Any] = st.session_state.get("describe_doc", {})
    left, right = st.columns([3, 2])
    with left:
        st.subheader("The workload")
        doc: dict[str, Any] = fields_form(workload_fields, f"{PREFIX}.workload", previous,
                                             top=True)
        st.subheader("Components")
        chosen = st.multiselect(
            "Component kinds in this workload", list(kinds), key=f"{PREFIX}_kinds",
            default=None, format_func=lambda k: f"{kinds[k].label} ({k})",
            placeholder="Add kinds: " + ", ".join(COMMON[:4]) + " …")
        for kid in chosen:
            st.markdown(f"#### {kinds[kid].label} · `{kid}`")
            st.caption(kinds[kid].doc)
            entries = kind_section(kinds[kid], previous)
            if any(entries):
                doc[kid] = [e for e in entries if e]
    st.session_state["describe_doc"] = doc
    text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True) if doc else ""
    with right:
        st.subheader("YAML")
        problems = check(text) if doc else ["the workload is empty: give it an id and a name"]
        if problems:
            st.error(f"{len(problems)} problem(s) to fix:")
            st.code("\n".join(problems), language=None)
        else:
            st.success("Valid: `mlwa workload check` accepts this description.")
        st.code(text or "# nothing yet", language="yaml")
        name = (str(doc.get("id") or "workload")).replace("/", "_") + ".yaml"
        st.download_button("Download YAML", text, file_name=name, mime="application/x-yaml",
                           key=f"{PREFIX}_download", icon=":material/download:",
                           disabled=not text, width="stretch")
        st.caption("Then validate it on the Validate page (upload it) or with "
                   f"`mlwa validate {components.plain(name)}`.")


if __name__ == "__main__":
    main()
