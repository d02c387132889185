"""Stage one: the structural check against the bundled JSON Schema, in plain words."""

from __future__ import annotations

import difflib
import json
import re
from functools import cache
from typing import Any

from engine.errors import Location, Problem
from engine.paths import ontology_file
from engine.workload.safeyaml import Path_, Positions, pointer

SCHEMA_FILE = "workload.schema.json"

# Patterns the schema uses, said in words.
PATTERN_WORDS = {
    r"^[A-Za-z0-9][A-Za-z0-9._:@+-]*$": "must start with a letter or digit and use only "
    "letters, digits and . _ : @ + - (no spaces or slashes)",
    r"^[a-z0-9][a-z0-9._-]*$": "must be lower-case letters, digits, '.', '_' or '-'",
    r"^[a-z]{2}(-gov)?-[a-z]+-[0-9]$": "must be an AWS Region code such as eu-west-1",
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$": "must be a date written YYYY-MM-DD",
    r"^[0-9]{12}$": "must be a 12-digit AWS account id",
    r"^[A-Z]{3}$": "must be a three-letter currency code such as USD",
    r"^ML[A-Z]+[0-9]*-(BP)?[0-9]+$": "must be a practice id such as MLOE-01 or MLOPS01-BP01",
}

TYPE_WORDS = {"integer": "an integer", "number": "a number", "string": "text",
              "boolean": "true or false", "object": "a mapping", "array": "a list",
              "null": "empty"}


@cache
def schema() -> dict[str, Any]:
    with ontology_file(SCHEMA_FILE).open(encoding="utf-8") as fh:
        loaded: dict[str, Any] = json.load(fh)
    return loaded


@cache
def _validator() -> Any:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(schema())


@cache
def _quick_check() -> Any:
    """The sound yes/no check of :mod:`engine.workload.fastschema`, or None when the
    schema uses something it does not decide (then jsonschema checks every document)."""
    from engine.workload.fastschema import UnsupportedSchema, compile_schema

    try:
        return compile_schema(schema())
    except UnsupportedSchema:
        return None


def quick_valid(data: Any) -> bool:
    """True only when the schema holds no problem for ``data`` (see fastschema)."""
    check = _quick_check()
    return check is not None and bool(check(data))


def describe(value: Any) -> str:
    """A value as a person would recognise it in their file."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "nothing"
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:37] + "..."
        return json.dumps(text, ensure_ascii=False)
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return str(value)


def _types(expected: Any) -> str:
    names = expected if isinstance(expected, list) else [expected]
    return " or ".join(TYPE_WORDS.get(str(n), str(n)) for n in names)


#: Words that name a meaning one of the schema's choices stands for: a value written in
#: these words is suggested that choice, not the one it is spelled most like
#: (`image-classification` is computer vision, not `binary-classification`).
MEANINGS: dict[str, str] = {
    "image": "computer-vision", "images": "computer-vision", "vision": "computer-vision",
    "video": "computer-vision", "object": "computer-vision",
    "segmentation": "computer-vision", "ocr": "computer-vision",
    "text": "nlp", "language": "nlp", "sentiment": "nlp", "translation": "nlp",
    "entity": "nlp", "ner": "nlp", "llm": "generation", "chat": "generation",
    "chatbot": "generation", "summarization": "generation", "genai": "generation",
    "rag": "retrieval-augmented-generation", "retrieval": "retrieval-augmented-generation",
    "fraud": "binary-classification", "anomaly": "anomaly-detection",
    "outlier": "anomaly-detection", "series": "forecasting", "timeseries": "forecasting",
    "recommender": "recommendation", "recommendations": "recommendation",
}


def closest_meaning(word: str, options: list[str]) -> str | None:
    """The choice ``word`` most likely means: a choice it abbreviates (`sagemaker` for
    `sagemaker-feature-store`), then one its words name (:data:`MEANINGS`), then the one
    it is spelled most like."""
    w = word.strip().lower()
    starts = [o for o in options if o.lower().startswith(w + "-") or o.lower().startswith(w + "_")]
    if len(starts) == 1:
        return starts[0]
    tokens = [t for t in re.split(r"[-_\s]+", w) if t]
    for token in tokens:
        meant = MEANINGS.get(token)
        if meant in options:
            return meant
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return close[0] if close else None


def _suggest(word: str, options: list[str]) -> str:
    meant = closest_meaning(word, options)
    return f" (did you mean `{meant}`?)" if meant else ""


def check_data(data: Any, positions: Positions, filename: str | None) -> list[Problem]:
    """Every structural problem of a parsed document, sorted by position."""
    if not isinstance(data, dict):
        return [Problem(Location(filename, 1, 1),
                        f"a workload description is a mapping of keys such as `id` and "
                        f"`name`; this document is {describe(data)}")]
    if quick_valid(data):  # the common case; jsonschema only to word problems
        return []
    problems: list[tuple[tuple[int, int], Problem]] = []
    for err in _validator().iter_errors(data):
        path: Path_ = tuple(err.absolute_path)
        line, col = positions.value(path)
        v = err.validator
        if v == "type":
            msg = f"must be {_types(err.validator_value)}, got {describe(err.instance)}"
        elif v == "enum":
            opts = [str(o) for o in err.validator_value]
            shown = ", ".join(opts)  # all of them: a cut list hides the one that was meant
            msg = (f"must be one of {shown}; got {describe(err.instance)}"
                   + _suggest(str(err.instance), opts))
        elif v == "required":
            missing = [k for k in err.validator_value if k not in err.instance]
            msg = f"the required key `{missing[0] if missing else '?'}` is missing"
        elif v == "additionalProperties":
            allowed = list(err.schema.get("properties", {}))
            extra = [k for k in err.instance if k not in allowed]
            for key in extra:
                kline, kcol = positions.key((*path, key))
                text = "unknown key" + _suggest(key, allowed)
                if " " in key:
                    text += ("; a comma inside { } starts a new key, so quote text that "
                             "contains commas")
                problems.append(((kline or 0, kcol or 0),
                                 Problem(Location(filename, kline, kcol,
                                                  pointer((*path, key))), text)))
            continue
        elif v == "pattern":
            words = PATTERN_WORDS.get(err.validator_value,
                                      f"must match {err.validator_value}")
            msg = f"{words}; got {describe(err.instance)}"
        elif v in ("minimum", "maximum"):
            bound = "at least" if v == "minimum" else "at most"
            msg = f"must be {bound} {err.validator_value}, got {describe(err.instance)}"
        elif v == "minLength":
            msg = "must not be empty"
        else:
            msg = err.message
        problems.append(((line or 0, col or 0),
                         Problem(Location(filename, line, col, pointer(path)), msg)))
    problems.sort(key=lambda p: p[0])
    return [p for _, p in problems]
