"""PDF for a governance board to file: the HTML report laid out on A4 pages by WeasyPrint
(the optional ``pdf`` extra; it needs Debian's Pango libraries, which ``.ci/install``
installs).

Page one is a cover (workload, date, lens edition, policy packs and their versions, the
risk summary of every workload); then per workload its summary, the improvement plan
(each action with its YAML) and, as appendices, the pillar × phase matrix, the violated
practices, every finding and the question risks. WeasyPrint fetches nothing: the HTML is
self-contained and a fetcher that refuses every URL is passed, so a hostile workload
cannot make the renderer reach the network or the file system.

PDF is binary, so this module has ``render_bytes`` instead of the text formats'
``render``; :func:`engine.formatters.render_binary` dispatches to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.errors import UsageError
from engine.formatters._common import plural, resolve_edition
from engine.formatters.html import esc
from engine.validate.report import Report

MISSING = ("--format pdf needs WeasyPrint and its Pango libraries: pip install 'mlwa[pdf]' "
           "(on Debian also apt-get install libpango-1.0-0 libpangoft2-1.0-0)")


def cover_html(report: Report, edition: str) -> str:
    """The cover page: what was reviewed, when, against what, and how it stands."""
    from engine import __version__

    names = ", ".join(w.name for w in report.workloads) or "no workload"
    rows = []
    for w in report.workloads:
        rc = w.risk_counts()
        c = w.counts()
        rows.append(f"<tr><td>{esc(w.name)}<br><small>{esc(w.workload)}</small></td>"
                    f'<td class="n risk-HIGH">{rc["HIGH"]}</td>'
                    f'<td class="n risk-MEDIUM">{rc["MEDIUM"]}</td>'
                    f'<td class="n">{c["high"] + c["medium"] + c["low"]}</td>'
                    f'<td class="n">{c["waived"]}</td>'
                    f'<td class="n">{len(w.actions(report.policy_index))}</td></tr>')
    packs = ", ".join(f"{k} {v}" for k, v in sorted(report.packs.items())) or "none"
    errors = (f"<p>{plural(len(report.errors), 'input error')}: see the last pages.</p>"
              if report.errors else "")
    return "\n".join([
        '<div class="cover">',
        "<h1>ML workload review</h1>",
        f"<p><strong>{esc(names)}</strong></p>",
        "<table>",
        f"<tr><th>Date</th><td>{esc(report.as_of)}</td></tr>",
        f"<tr><th>Lens</th><td>AWS Well-Architected Machine Learning Lens, {esc(edition)} "
        "edition</td></tr>",
        f"<tr><th>Policy packs</th><td>{esc(packs)} "
        f"({plural(report.policies, 'policy', 'policies')})</td></tr>",
        f"<tr><th>Tool</th><td>mlwa {esc(__version__)}, engine {esc(report.engine)}</td></tr>",
        "</table>",
        "<h2>Risk summary</h2>",
        "<table><thead><tr><th>Workload</th><th>High risk questions</th>"
        "<th>Medium risk questions</th><th>Open findings</th><th>Waived</th>"
        "<th>Actions</th></tr></thead><tbody>", *rows, "</tbody></table>", errors,
        "</div>"])


def html_for_pdf(report: Report, edition: str | None = None,
                 policies: Mapping[str, Any] | None = None) -> str:
    from engine.formatters.html import render as render_html

    ed = resolve_edition(report, edition)
    page = render_html(report, edition=ed, policies=policies)
    return page.replace("<body>", "<body>\n" + cover_html(report, ed), 1)


def _refuse(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ValueError(f"the PDF renderer fetches nothing ({url[:60]})")


def render_bytes(report: Report, *, edition: str | None = None,
                 policies: Mapping[str, Any] | None = None) -> bytes:
    try:
        import weasyprint
    except (ImportError, OSError) as exc:  # OSError: Pango missing
        raise UsageError(MISSING) from exc
    html = html_for_pdf(report, edition, policies)
    document = weasyprint.HTML(string=html, url_fetcher=_refuse, base_url=None)
    pdf: bytes = document.write_pdf()
    return pdf
