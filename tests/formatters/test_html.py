from __future__ import annotations

import re
from html.parser import HTMLParser

from engine.formatters import render
from engine.formatters.html import heat_colour
from engine.validate.report import Report

from .conftest import HOSTILE


class Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parsed(text: str) -> Collect:
    c = Collect()
    c.feed(text)
    return c


def test_workload_text_is_escaped(report: Report) -> None:
    text = render(report, "html")
    assert HOSTILE not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    page = parsed(text)
    assert "script" not in {tag for tag, _ in page.tags}
    assert any(HOSTILE in t for t in page.text)  # shown to the reader as text


def test_self_contained_no_scripts_no_external_resources(report: Report) -> None:
    text = render(report, "html")
    assert "<script" not in text.lower()
    for m in re.finditer(r"""(src|href)\s*=\s*["']?([^"'\s>]+)""", text, re.IGNORECASE):
        attr, url = m.group(1).lower(), m.group(2)
        assert attr == "href", f"{attr}={url}"
        if url.startswith(("http:", "https:", "//")):
            assert url.startswith("https://docs.aws.amazon.com/wellarchitected/"), url
    assert "@import" not in text and "url(" not in text
    tags = {tag for tag, _ in parsed(text).tags}
    assert not tags & {"script", "img", "link", "iframe", "object", "embed", "form"}
    assert "default-src 'none'" in text


def test_sections(report: Report) -> None:
    text = render(report, "html")
    for heading in ("Pillar × lifecycle phase", "Improvement plan", "Findings",
                    "Well-Architected questions", "Notes", "Input errors"):
        assert f">{heading}<" in text
    assert text.count('<table class="heat">') == 2
    assert "WVR-007" in text and "waiver WVR-002 expired" in text
    assert text.count("<tr><td>MLSEC02</td>") == 2  # one question table per workload


def test_heatmap_colours() -> None:
    assert heat_colour(0, 0) == "#eaeef2"
    assert heat_colour(2, 0) == "hsl(0, 70%, 82%)"
    assert heat_colour(0, 3) == "hsl(120, 70%, 86%)"
    assert heat_colour(1, 1) == "hsl(60, 70%, 82%)"


def test_heatmap_cell_shows_violated_and_verified(report: Report) -> None:
    text = render(report, "html")
    fraud = text.split('<section id="w-churn-forecast">')[0]
    assert '<td style="background:hsl(0, 70%, 82%)" title="1 violated">1 ✗ · 0 ✓ <small>/ 1</small></td>' in fraud
