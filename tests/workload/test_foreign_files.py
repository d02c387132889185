"""Files that are obviously not workload descriptions are refused early, in one line."""

from __future__ import annotations

import json

import pytest

from engine.errors import InputError
from engine.workload import check_structure, load_workload_text, safeyaml

CFN = {"AWSTemplateFormatVersion": "2010-09-09", "Description": "bucket",
       "Resources": {"B": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "b"}}}}
K8S = """\
# a Kubernetes manifest
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
"""


@pytest.mark.parametrize(("name", "text"), [
    ("template.json", json.dumps(CFN, indent=2)),
    ("template.json", json.dumps(CFN)),  # minified: one line
    ("deploy.yaml", K8S),
    ("deploy.yml", "---\n" + K8S),
    ("package.json", json.dumps({"name": "web", "version": "1.0.0", "scripts": {"t": "x"},
                                 "dependencies": {}, "license": "MIT"})),
])
def test_foreign_mapping_is_not_a_workload_description(name: str, text: str) -> None:
    with pytest.raises(InputError) as err:
        load_workload_text(text, filename=name)
    assert len(err.value.problems) == 1
    line = str(err.value)
    assert line.startswith(f"{name}:1:1: not a workload description")
    assert "has no `id`" in line


@pytest.mark.parametrize(("name", "text", "line"), [
    ("list.yaml", "# steps\n- a: 1\n- b: 2\n", 2),
    ("list.json", '[{"a": 1}, {"b": 2}]', 1),
])
def test_a_list_at_the_top_is_not_a_workload_description(name: str, text: str, line: int) -> None:
    with pytest.raises(InputError, match=rf"^{name}:{line}:1: not a workload description: the top "
                                         "level is a list"):
        load_workload_text(text, filename=name)


@pytest.mark.parametrize("text", [
    "name: Fraud\nlifecycle_stage: production\nowner:\n  team: risk\n",  # id missing: a workload
    "name: Fraud\nnotes: x\n",  # half of its keys are workload keys
    "id: x\nfoo: 1\nbar: 2\nbaz: 3\n",  # an id: the schema check names every problem
    "{apiVersion: v1, kind: Pod}\n",  # flow style: left to the parser and the schema
])
def test_near_workloads_get_the_schema_check_not_the_foreign_line(text: str) -> None:
    with pytest.raises(InputError) as err:
        load_workload_text(text, filename="w.yaml")
    assert "not a workload description" not in str(err.value)
    assert "does not match the schema" in err.value.message


def test_check_structure_refuses_a_foreign_file_too() -> None:
    with pytest.raises(InputError, match="not a workload description"):
        check_structure(K8S.encode(), filename="deploy.yaml")


def test_a_workload_with_unusual_top_level_lines_still_loads() -> None:
    text = ('"id": quoted-id\nname: Q\n# comment: not a key\ndescription: >\n  folded\n'
            "  text: that looks like a key\n")
    assert load_workload_text(text, filename="q.yaml").id == "quoted-id"


# ----------------------------------------------------------------- JSON depth, two ways

def _deep(n: int, escaped: bool) -> str:
    inner = '"a\\"b"' if escaped else '"ab"'
    return "[" * n + inner + "]" * n


@pytest.mark.parametrize("escaped", [False, True])
def test_deep_json_is_refused_by_either_depth_check(escaped: bool) -> None:
    with pytest.raises(InputError, match="nests deeper than 64 levels"):
        safeyaml.load_json(_deep(65, escaped), "deep.json")
    safeyaml.load_json(_deep(64, escaped), "ok.json")


@pytest.mark.parametrize("text", [
    '{"k": "[[[[", "v": [1]}',  # brackets inside strings do not count
    '{"k": "\\\\", "v": [[[]]]}',  # an escaped backslash before a closing quote
    '["unterminated [[[',
])
def test_the_fast_depth_count_agrees_with_the_token_walk(text: str) -> None:
    safeyaml._check_json_depth(text, "x.json")
    safeyaml._check_json_depth_by_token(text, "x.json")
    deep = "[" * 70 + text + "]" * 70
    for check in (safeyaml._check_json_depth, safeyaml._check_json_depth_by_token):
        with pytest.raises(InputError, match="nests deeper"):
            check(deep, "x.json")
