from __future__ import annotations

import importlib
import inspect

import pytest

from engine.errors import UsageError
from engine.formatters import BINARY_FORMATS, FORMATS, SUFFIXES, render
from engine.validate.report import Report


def test_every_format_has_a_module_with_the_same_render_signature() -> None:
    assert set(SUFFIXES) == set(FORMATS) | set(BINARY_FORMATS)
    for fmt in FORMATS:
        module = importlib.import_module(f"engine.formatters.{fmt}")
        params = inspect.signature(module.render).parameters
        assert list(params) == ["report", "edition", "color", "policies", "full"], fmt


def test_unknown_format_is_a_usage_error(report: Report) -> None:
    with pytest.raises(UsageError, match="unknown output format 'yaml'"):
        render(report, "yaml")


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_edition_is_a_usage_error(report: Report, fmt: str) -> None:
    with pytest.raises(UsageError, match="edition"):
        render(report, fmt, edition="2019")


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_renders_an_empty_report(report: Report, fmt: str) -> None:
    from dataclasses import replace

    out = render(replace(report, workloads=[], errors=[], notes=[]), fmt)
    assert out.endswith("\n")
