"""``--format pdf``: the HTML report on A4 pages (WeasyPrint). The pages are rendered to
PNG with poppler's pdftoppm and looked at: none blank, nothing printed into the right or
bottom margin (where overflowing tables and code would land), a cover first."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from engine.formatters import render_binary
from engine.formatters.pdf import html_for_pdf
from engine.validate.report import Report

pytest.importorskip("weasyprint", reason="the pdf extra (WeasyPrint) is not installed")
PDFTOPPM = shutil.which("pdftoppm")
DPI = 40
MARGIN_MM = 14  # the @page side margin of the HTML report's print CSS


def pages(pdf: bytes, tmp_path: Path) -> list[Path]:
    assert PDFTOPPM, "poppler-utils (pdftoppm) is needed; .ci/install installs it"
    src = tmp_path / "report.pdf"
    src.write_bytes(pdf)
    subprocess.run([PDFTOPPM, "-r", str(DPI), "-png", str(src), str(tmp_path / "page")],
                   check=True, timeout=120)
    return sorted(tmp_path.glob("page-*.png"))


def ink(img: object, box: tuple[int, int, int, int]) -> int:
    """Pixels in ``box`` that are clearly not white."""
    region = img.crop(box).convert("L")  # type: ignore[attr-defined]
    return sum(region.histogram()[:200])


@pytest.mark.slow
def test_pdf_pages_render_with_a_cover_and_nothing_in_the_margins(report: Report,
                                                                   tmp_path: Path) -> None:
    from PIL import Image

    pdf = render_binary(report, "pdf")
    assert pdf.startswith(b"%PDF-")
    files = pages(pdf, tmp_path)
    assert len(files) >= 4  # cover, then one section per workload with its plan
    margin = round(MARGIN_MM / 25.4 * DPI) - 2
    for f in files:
        img = Image.open(f)
        w, h = img.size
        body = ink(img, (margin, margin, w - margin, h - 2 * margin))
        assert body > 200, f"{f.name} looks blank"
        assert ink(img, (w - margin + 1, 0, w, h)) == 0, f"{f.name}: ink in the right margin"
        assert ink(img, (0, 0, margin - 2, h)) == 0, f"{f.name}: ink in the left margin"
    cover = Image.open(files[0])
    assert ink(cover, (0, 0, cover.size[0], cover.size[1] // 4)) == 0  # the title sits low


def test_cover_names_workloads_date_lens_packs_and_risk(report: Report) -> None:
    html = html_for_pdf(report)
    cover = html.split('<div class="cover">')[1].split("</div>")[0]
    for text in ("Card fraud detection", "2025-06-30", "2025 edition", "ml-lens 1.2.0",
                 "High risk questions"):
        assert text in cover
    assert "<script>" not in cover  # the hostile workload name is escaped
    assert html.index('<div class="cover">') < html.index('class="plan"')


def test_pdf_fetches_nothing(report: Report) -> None:
    from engine.formatters.pdf import _refuse

    with pytest.raises(ValueError):
        _refuse("file:///etc/passwd")
