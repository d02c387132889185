"""SageMaker pipeline definitions: the JSON ``Pipeline.definition()`` produces, or the
file a SageMaker project keeps (``Version``, ``Parameters``, ``Steps``).

Each step becomes a resource of type ``sagemaker:Step:<Type>`` whose properties are the
step's ``Arguments`` (the shape of the SageMaker API request: ``CreateTrainingJob``,
``CreateProcessingJob`` ...), with pipeline parameters replaced by their default values
and anything computed at run time (step properties, ``Std:Join`` of them, execution
variables) left :class:`Unknown`. Steps nested in a condition's ``IfSteps`` and
``ElseSteps`` are read too; the definition itself becomes a ``sagemaker:Pipeline``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from engine.workload.iac.resource import Resource, Unknown
from engine.workload.safeyaml import Positions

TOOL = "sagemaker-pipeline"
MAX_STEPS = 2000


def looks_like(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get("Steps"), list) and (
        "Version" in data or "Parameters" in data or "Metadata" in data) and all(
        isinstance(s, dict) and "Type" in s for s in data["Steps"])


def _defaults(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    declared = data.get("Parameters")
    for p in declared if isinstance(declared, list) else ():
        if isinstance(p, dict) and isinstance(p.get("Name"), str):
            out[p["Name"]] = p["DefaultValue"] if "DefaultValue" in p else Unknown(
                f"pipeline parameter {p['Name']} (no default)")
    return out


def _resolve(value: Any, params: dict[str, Any], depth: int = 0) -> Any:
    if depth > 60:
        return Unknown("a value nested too deeply")
    if isinstance(value, list):
        return [_resolve(v, params, depth + 1) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        (k, v), = value.items()
        if k == "Get" and isinstance(v, str):
            if v.startswith("Parameters."):
                name = v.split(".", 1)[1]
                return params.get(name, Unknown(f"pipeline parameter {name}"))
            if v.startswith("Execution."):
                return Unknown(f"the run's {v[10:]} (execution variable)")
            return Unknown(f"{v} (known when the pipeline runs)")
        if k == "Std:Join" and isinstance(v, dict):
            parts = _resolve(v.get("Values"), params, depth + 1)
            if isinstance(parts, list) and all(isinstance(p, str | int | float)
                                               for p in parts):
                return str(v.get("On", "")).join(str(p) for p in parts)
            bad = [p for p in parts if isinstance(p, Unknown)] if isinstance(parts,
                                                                              list) else []
            return Unknown(bad[0].reason if bad else "values joined when the pipeline runs")
        if k.startswith("Std:"):
            return Unknown(f"{k} (evaluated when the pipeline runs)")
    return {k: _resolve(v, params, depth + 1) for k, v in value.items()}


def _key_lines(positions: Positions, prefix: tuple[Any, ...]) -> dict[tuple[str, ...], int]:
    out: dict[tuple[str, ...], int] = {}
    n = len(prefix)
    for path, (line, _) in positions.keys.items():
        if len(path) > n and path[:n] == prefix:
            out.setdefault(tuple(p for p in path[n:] if isinstance(p, str)), line)
    return out


def read(data: dict[str, Any], positions: Positions, filename: str,
         pipeline_line: int | None = None, owner: Resource | None = None) -> list[Resource]:
    """Resources for the pipeline and its steps. With ``owner`` (a CloudFormation or
    Terraform pipeline resource holding the definition as text) the steps point at the
    owner's line and belong to it."""
    params = _defaults(data)
    out: list[Resource] = []
    if owner is None:
        stem = Path(filename).name.split(".")[0]
        owner = Resource(TOOL, "sagemaker:Pipeline", "Pipeline", stem, filename,
                         positions.value(("Steps",))[0] or 1, {}, {})
        out.append(owner)
    queue: list[tuple[dict[str, Any], tuple[Any, ...]]] = [
        (s, ("Steps", i)) for i, s in enumerate(data.get("Steps") or ())]
    while queue and len(out) < MAX_STEPS:
        step, path = queue.pop(0)
        if not isinstance(step, dict):
            continue
        kind = str(step.get("Type", "Unknown"))
        raw_args = step.get("Arguments")
        args: dict[str, Any] = raw_args if isinstance(raw_args, dict) else {}
        props = _resolve(args, params)
        if not isinstance(props, dict):
            props = {}
        for extra in ("CheckType", "ModelPackageGroupName"):
            if extra in step and extra not in props:
                props[extra] = _resolve(step[extra], params)
        props["_pipeline"] = owner.address
        name = str(step.get("Name") or f"step-{len(out)}")
        line = pipeline_line or positions.value(path)[0] or owner.line
        lines = {} if pipeline_line else _key_lines(positions, (*path, "Arguments"))
        out.append(Resource(TOOL if owner.tool == TOOL else owner.tool,
                            f"sagemaker:Step:{kind}", f"{owner.address}.Steps.{name}", name,
                            filename, line, props, lines))
        if kind == "Condition":
            for branch in ("IfSteps", "ElseSteps"):
                inner_steps = args.get(branch)
                for j, inner in enumerate(inner_steps if isinstance(inner_steps, list) else ()):
                    queue.append((inner, (*path, "Arguments", branch, j)))
    return out


def embedded(resources: list[Resource]) -> list[Resource]:
    """Steps of pipeline definitions written inline in CloudFormation or Terraform."""
    out: list[Resource] = []
    for res in resources:
        if res.type not in ("AWS::SageMaker::Pipeline", "aws_sagemaker_pipeline"):
            continue
        body = res.get("PipelineDefinition.PipelineDefinitionBody", "pipeline_definition")
        if not isinstance(body, str):
            continue
        try:
            data = json.loads(body)
        except ValueError:
            continue
        if not looks_like(data):
            continue
        line = int(res.where("PipelineDefinition.PipelineDefinitionBody",
                             "pipeline_definition").rsplit(":", 1)[1])
        out += read(data, Positions(), res.file, line, res)
    return out
