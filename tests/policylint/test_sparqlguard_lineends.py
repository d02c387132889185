"""The guard and Oxigraph read the same text the same way: line ends, escapes and comments
cannot hide a SERVICE call from the guard (issue 16, hole 1), and nothing the engine hands
Oxigraph can make it attempt one."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.errors import QueryRefused
from engine.sparqlguard import check_runnable, run_oxigraph, vet_query

# ``<urn:x>`` has no scheme Oxigraph can call: an attempted SERVICE raises OSError at once,
# without any network, so "Oxigraph tried" is observable.
TARGET = "<urn:x>"
SERVICE = f"SERVICE {TARGET} {{ ?a ?b ?c }}"


def _oxigraph_tries_service(text: str) -> bool:
    try:
        list(ox.Store().query(text))  # type: ignore[arg-type]
    except OSError:
        return True
    except SyntaxError:
        return False
    return False


HIDDEN = {
    "bare-cr": f"SELECT * WHERE {{ # c\r{SERVICE} }}",
    "crlf": f"SELECT * WHERE {{ # c\r\n{SERVICE} }}",
    "cr-after-comment-text": f"SELECT * WHERE {{ # comment with words\r {SERVICE} }}",
    "escaped-cr": f"SELECT * WHERE {{ # c\\u000D{SERVICE} }}",
    "escaped-cr-long": f"SELECT * WHERE {{ # c\\U0000000D{SERVICE} }}",
    "escaped-lf": f"SELECT * WHERE {{ # c\\u000a{SERVICE} }}",
}


@pytest.mark.parametrize("name", sorted(HIDDEN))
def test_a_comment_ended_by_another_line_end_hides_nothing(name: str) -> None:
    text = HIDDEN[name]
    with pytest.raises(QueryRefused):
        vet_query(text)
    with pytest.raises(QueryRefused):
        run_oxigraph(ox.Store(), text)


@pytest.mark.parametrize("sep", ["\x0b", "\x0c", "\x85", "\u2028", "\u2029", "\x00", "\x1b"])
def test_other_separators_are_refused_with_a_place(sep: str) -> None:
    with pytest.raises(QueryRefused) as info:
        vet_query(f"SELECT * WHERE {{\n  ?s ?p ?o # c{sep}\n}}", context="q.rq")
    assert str(info.value).startswith("q.rq:2:")
    assert "\n" not in str(info.value)


def test_windows_line_ends_still_work_and_the_vetted_text_is_what_runs() -> None:
    parsed = vet_query("SELECT ?s\r\nWHERE {\r\n  ?s ?p ?o # note\r\n}\r\n")
    assert "\r" not in parsed.text
    assert parsed.text == check_runnable(parsed.text)
    assert list(ox.Store().query(parsed.text)) == []  # type: ignore[arg-type]


@pytest.mark.parametrize("text", [
    f"SELECT * WHERE {{ {SERVICE} }}",
    f"SELECT * WHERE {{ service silent {TARGET}{{ ?a ?b ?c }} }}",
    f"SELECT * WHERE {{ SERVICE # gap\n {TARGET} # gap\n {{ ?a ?b ?c }} }}",
    "PREFIX e: <urn:> SELECT * WHERE { SERVICE e:x { ?a ?b ?c } }",
    "SELECT * WHERE { SERVICE ?g { ?a ?b ?c } }",
])
def test_every_oxigraph_path_refuses_service_without_the_guard(text: str) -> None:
    with pytest.raises(QueryRefused, match="SERVICE"):
        run_oxigraph(ox.Store(), text)


def test_benign_text_mentioning_service_runs() -> None:
    text = 'SELECT * WHERE { ?s <urn:p> "the service desk" } # service level'
    assert vet_query(text).text == text
    assert list(run_oxigraph(ox.Store(), text)) == []


# --------------------------------------------------------------------------- fuzz
_GAPS = st.sampled_from([
    " ", "\n", "\r", "\r\n", "\t", "\u2028", "\u2029", "\x85", "\x0b", "\x0c",
    "# c\n", "# c\r", "# c\u2028", "#\\u000D", "#\\u000a", "#\\U0000000D", "# \\u2028 ",
    "#\r\n", "#", "\\u0023", "# } { \n", "#'\n", '#"\n', " # <x> \r",
])
_WRAPS = st.sampled_from([
    ("{ ", " }"), ("{ { ", " } }"), ("OPTIONAL { ", " }"), ("{ ", " } UNION { ?x ?y ?z }"),
    ("FILTER EXISTS { ", " }"), ("MINUS { ", " }"), ("{ SELECT * WHERE { ", " } }"),
])
_LITERALS = st.sampled_from(['"a#b"', "'a\\'#'", '"""x\ny"""', "<urn:a#b>", '"\\u0041"', "1"])


@st.composite
def _hostile(draw: st.DrawFn) -> str:
    gaps = [draw(_GAPS) for _ in range(draw(st.integers(1, 4)))]
    lit = draw(_LITERALS)
    open_, close = draw(_WRAPS)
    keyword = draw(st.sampled_from(["SERVICE", "service", "SeRvIcE", "SERVICE SILENT"]))
    call = f"{keyword}{draw(_GAPS)}{TARGET}{draw(_GAPS)}{{ ?a ?b ?c }}"
    body = f"{open_}{call}{close} ?s <urn:p> {lit} ."
    head = "".join(gaps)
    tail = draw(_GAPS)
    return f"SELECT * WHERE {{{head}{body}{tail}}}"


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_hostile())
def test_fuzz_no_accepted_query_makes_oxigraph_call_a_service(text: str) -> None:
    try:
        parsed = vet_query(text)
    except QueryRefused:
        return
    assert not _oxigraph_tries_service(parsed.text), repr(text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_hostile())
def test_fuzz_the_run_path_refuses_what_oxigraph_would_call(text: str) -> None:
    try:
        runnable = check_runnable(text)
    except QueryRefused:
        return
    assert not _oxigraph_tries_service(runnable), repr(text)
