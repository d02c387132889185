"""Custom-lens reviews carried by a workload (``reviews:``), evaluated with the lens's rules.

A workload may answer the questions of any Well-Architected Tool custom lens::

    reviews:
      - lens: lenses/serverless.json         # relative to the workload file's folder
        answers:
          OPS_1: [OPS_1_a, OPS_1_b]
          SEC_2: [SEC_2_no]

:func:`evaluate_reviews` reads each lens file, checks every answer against it and gives
every question of the lens the risk of its first matching risk rule
(:func:`engine.interop.customlens.evaluate_risk`), or ``UNANSWERED``.

Why a path and not the name of an imported lens: the workload and its lens then travel
and are reviewed together in version control, a run needs no lens registry, and the
result depends only on files the author can see. A workload file may come from someone
else, so the path is confined (:func:`resolve_lens_path`): relative, no URL scheme or
drive, resolving (symbolic links followed) to a regular ``.json`` file inside
``base_dir``; the file is read once, capped at the format's 500,000 bytes, never fetched
from the network.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import TYPE_CHECKING

from engine.errors import ErrorList, InputError, Location, Problem
from engine.interop.customlens import (
    LIMITS,
    UNANSWERED,
    ImportedLens,
    evaluate_risk,
    loads_strict,
    parse_lens_dict,
    with_warnings,
)
from engine.validate.report import REVIEW_REPORT_RISK as REPORT_RISK
from engine.validate.report import REVIEW_RISK_ORDER as RISK_ORDER
from engine.validate.report import QuestionReview, ReviewResult
from engine.validate.report import review_counts_text as counts_text
from engine.validate.report import review_risk_label as risk_label

if TYPE_CHECKING:
    from engine.workload import ReviewRequest, Workload

__all__ = ["REPORT_RISK", "RISK_ORDER", "QuestionReview", "ReviewResult", "counts_text",
           "evaluate_reviews", "load_review_lens", "resolve_lens_path", "review_lens",
           "risk_label"]

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")

# ------------------------------------------------------------------------------ the lens file

def resolve_lens_path(written: str, base_dir: str | Path, where: Location) -> Path:
    """The lens file a review names, refused unless it is a ``.json`` file inside
    ``base_dir`` (after following symbolic links)."""
    def refuse(why: str) -> InputError:
        return InputError(f"lens {json.dumps(written)}: {why}", where)

    if not written.strip() or "\x00" in written:
        raise refuse("not a usable path")
    if _SCHEME.match(written) or written.startswith("//"):
        raise refuse("URLs are not accepted; give a path relative to the workload file")
    if PurePosixPath(written).is_absolute() or PureWindowsPath(written).is_absolute() \
            or PureWindowsPath(written).drive or written.startswith("\\"):
        raise refuse("absolute paths are not accepted; give a path relative to the "
                     "workload file")
    root = Path(base_dir).resolve()
    outside = refuse("the lens file must be inside the workload's folder "
                     f"({root}); it resolves outside it")
    # lexically first, so nothing outside the folder is even looked at
    if not Path(os.path.normpath(root / written)).is_relative_to(root):
        raise outside
    try:
        target = (root / written).resolve(strict=True)
    except FileNotFoundError:
        raise refuse(f"no such file in {root}") from None
    except (OSError, RuntimeError) as exc:  # loops, permissions
        raise refuse(f"cannot be resolved ({exc.__class__.__name__})") from None
    if not target.is_relative_to(root):  # a symbolic link out of the folder
        raise outside
    if target.suffix.lower() != ".json":
        raise refuse("a custom lens is a .json file")
    if not target.is_file():
        raise refuse("not a regular file")
    return target


def load_review_lens(written: str, base_dir: str | Path, where: Location) -> ImportedLens:
    """Read and check the lens a review names (see :func:`resolve_lens_path`)."""
    path = resolve_lens_path(written, base_dir, where)
    shown = str(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as fh:
            data = fh.read(LIMITS.file_bytes + 1)
    except OSError as exc:
        raise InputError(f"lens {json.dumps(written)}: cannot read it "
                         f"({exc.strerror or exc.__class__.__name__})", where) from None
    if len(data) > LIMITS.file_bytes:
        raise InputError(f"lens {json.dumps(written)}: over the {LIMITS.file_bytes:,}-byte "
                         "limit of a custom lens", where)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"lens {json.dumps(written)}: not UTF-8 text (byte {exc.start})",
                         where) from None
    duplicates: list[str] = []
    try:
        doc = loads_strict(text, shown, duplicates)
    except InputError as exc:
        raise InputError(f"lens {json.dumps(written)}: {exc.message}", exc.location) from None
    try:
        return with_warnings(parse_lens_dict(doc, source=shown), duplicates)
    except InputError as exc:
        raise InputError(f"lens {json.dumps(written)} is not a valid custom lens", where,
                         [Problem(where, f"lens {json.dumps(written)} is not a valid "
                                  "custom lens:"), *exc.problems]) from None


# ------------------------------------------------------------------------------ evaluation

def _check_answers(request: ReviewRequest, lens: ImportedLens, problems: ErrorList) -> None:
    for answer in request.answers:
        q = lens.question_by_id.get(answer.question)
        if q is None:
            import difflib

            close = difflib.get_close_matches(answer.question, list(lens.question_by_id), n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            problems.add(answer.location, f"lens {lens.name!r} has no question "
                         f"{answer.question!r}{hint}")
            continue
        known = set(q.choice_ids)
        for cid in answer.choices:
            if cid not in known:
                problems.add(answer.location_of(cid),
                             f"question {q.id} of lens {lens.name!r} has no choice {cid!r}; "
                             f"its choices are {', '.join(q.choice_ids)}")
        nones = [c for c in answer.choices if c in known and lens_choice_is_none(c)]
        if nones and len(set(answer.choices)) > 1:
            problems.add(answer.location_of(nones[0]),
                         f"{nones[0]} ('None of these') cannot be chosen with other choices")


def lens_choice_is_none(choice_id: str) -> bool:
    return choice_id.endswith("_no")


def review_lens(lens: ImportedLens, request: ReviewRequest) -> ReviewResult:
    """Every question of ``lens`` with its risk for the request's (checked) answers."""
    chosen = {a.question: a.choices for a in request.answers}
    pillar_of = {q.id: p.name for p in lens.pillars for q in p.questions}
    questions = []
    for q in lens.questions:
        selected = chosen.get(q.id, ())
        risk = evaluate_risk(q, selected) if selected else UNANSWERED
        questions.append(QuestionReview(q.id, q.title, pillar_of[q.id], tuple(selected), risk))
    return ReviewResult(lens.name, request.lens, tuple(questions))


def evaluate_reviews(workload: Workload, base_dir: str | Path | None) -> list[ReviewResult]:
    """Evaluate the workload's ``reviews:`` against their lens files under ``base_dir``
    (the workload file's folder).

    Raises :class:`InputError` listing every problem: a lens path that is refused or does
    not load, an unknown question or choice id (at the answer's ``file:line``), "None of
    these" chosen with another choice, the same lens reviewed twice.
    """
    requests: Sequence[ReviewRequest] = workload.reviews
    if not requests:
        return []
    if base_dir is None:
        raise InputError("the workload has custom-lens reviews but no folder to find their "
                         "lens files in", requests[0].location)
    problems = ErrorList()
    results: list[ReviewResult] = []
    seen: dict[Path, Location] = {}
    for request in requests:
        try:
            path = resolve_lens_path(request.lens, base_dir, request.location)
            if path in seen:
                problems.add(request.location, f"lens {json.dumps(request.lens)} is already "
                             f"reviewed at line {seen[path].line}; merge the answers")
                continue
            seen[path] = request.location
            lens = load_review_lens(request.lens, base_dir, request.location)
        except InputError as exc:
            problems.problems.extend(exc.problems)
            continue
        before = len(problems.problems)
        _check_answers(request, lens, problems)
        if len(problems.problems) == before:
            results.append(review_lens(lens, request))
    problems.raise_if_any(f"{len(problems.problems)} problem(s) in the custom-lens reviews")
    return results
