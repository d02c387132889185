"""What every reader of infrastructure code hands to the mapping: resources with their
values resolved as far as the inputs allow, and where each value is written."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Unknown:
    """A value the import cannot know: it depends on a parameter, a variable, another
    stack or a value only known after deployment."""

    reason: str
    expr: str = ""  # the expression with what is known filled in (names match on it)

    def __str__(self) -> str:
        return f"depends on {self.reason}"


@dataclass(frozen=True)
class Link:
    """A reference to another resource of the same source (``!Ref Bucket``,
    ``aws_s3_bucket.data.arn``): the mapping turns it into a reference between
    components when the target becomes one."""

    address: str
    attribute: str | None = None


@dataclass
class Resource:
    """One resource (or pipeline step, or Kubernetes object) read from a file."""

    tool: str  # cloudformation | terraform | terraform-plan | sagemaker-pipeline | kubernetes
    type: str  # AWS::SageMaker::Endpoint, aws_s3_bucket, Training, serving.kserve.io/InferenceService
    address: str  # Resources.EndpointConfig, module.x.aws_s3_bucket.data, Steps.Train
    name: str  # logical id / resource name / step name
    file: str
    line: int
    props: dict[str, Any]
    key_lines: dict[tuple[str, ...], int] = field(default_factory=dict)
    condition: Unknown | None = None  # created only when this holds (CloudFormation)
    ref_names: tuple[str, ...] = ()  # other ways the resource is referred to (its names)

    def get(self, *paths: str) -> Any:
        """The value at the first of ``paths`` (dotted) that is set. Single blocks written
        as one-element lists (Terraform) are looked through."""
        for dotted in paths:
            value = self._walk(dotted.split("."))
            if value is not None:
                return value
        return None

    def _walk(self, parts: list[str]) -> Any:
        cur: Any = self.props
        for part in parts:
            if isinstance(cur, list) and cur and isinstance(cur[0], dict):
                cur = cur[0]
            if isinstance(cur, Unknown):
                return cur
            if not isinstance(cur, dict):
                return None
            cur = cur.get(part)
            if cur is None:
                return None
        return cur

    def where(self, *paths: str) -> str:
        """``file:line`` of the first of ``paths`` that is written, else of the resource."""
        for dotted in paths:
            parts = tuple(dotted.split("."))
            while parts:
                line = self.key_lines.get(parts)
                if line is not None:
                    if self._walk(list(parts)) is not None or len(parts) == len(
                            dotted.split(".")):
                        return f"{self.file}:{line}"
                    break
                parts = parts[:-1]
        return f"{self.file}:{self.line}"


def name_key(value: Any) -> str | None:
    """A key to match deployed names on: the text, or for a name built from unknown
    parts the expression it is built by (two resources naming ``${Project}-${Stage}``
    mean the same thing)."""
    if isinstance(value, str) and value:
        return value
    if isinstance(value, Unknown) and value.expr:
        return "?" + value.expr
    return None


def as_bool(value: Any) -> bool | Unknown | None:
    if isinstance(value, bool | Unknown) or value is None:
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "enabled"):
        return True
    if text in ("false", "0", "no", "disabled", ""):
        return False
    return None


def as_int(value: Any) -> int | Unknown | None:
    if isinstance(value, Unknown) or value is None or isinstance(value, bool):
        return value if not isinstance(value, bool) else None
    try:
        return int(float(str(value)))
    except ValueError:
        return None


def as_number(value: Any) -> float | int | Unknown | None:
    if isinstance(value, Unknown) or value is None or isinstance(value, bool):
        return value if not isinstance(value, bool) else None
    try:
        num = float(str(value))
    except ValueError:
        return None
    return int(num) if num.is_integer() else num


def as_text(value: Any) -> str | Unknown | None:
    if isinstance(value, Unknown) or value is None:
        return value
    if isinstance(value, Link):
        return Unknown(f"the deployed value of {value.address}")
    if isinstance(value, dict | list):
        return None
    return str(value)
