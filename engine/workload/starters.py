"""Commented starter descriptions for ``mlwa workload new``, one per kind of system.

A starter states what a team typically knows on day one about a batch scoring job, a
real-time endpoint, a generative-AI assistant with retrieval, or a model trained and served
on infrastructure the team runs itself. Everything else is left out on purpose: the first
``mlwa validate`` turns the gaps into a short plan of actions. A test loads every starter
and checks it against the schema, so the starters follow the format as it grows.
"""

from __future__ import annotations

import json
import re

KINDS: dict[str, str] = {
    "batch": "a model that scores data on a schedule (batch transform)",
    "real-time": "a model behind an endpoint that answers requests",
    "genai-rag": "a generative-AI assistant that answers from your documents (RAG)",
    "self-managed": "a model trained and served on infrastructure you run (EKS or EC2)",
}
STAGES = ("idea", "experimentation", "development", "pilot", "production", "retired")
ID_RE = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
REGION_RE = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-[0-9]$")

_HEAD = """\
# yaml-language-server: $schema=https://w3id.org/mlwa/workload.schema.json
# {title}
# Written by `mlwa workload new --kind {kind}`. Replace the example values with yours;
# every key but `id` and `name` is optional, and what you leave out is reported as a gap.
# Reference of every key: docs/workload-format.md (or `mlwa workload schema`).
# Next:  mlwa workload check {file}   then   mlwa validate {file}
id: {id}
name: {name}
description: {description}
lifecycle_stage: {stage}   # idea | experimentation | development | pilot | production | retired
criticality: medium        # low | medium | high | critical

owner:
  team: {team}
  contact: {team}@example.com

business:
  goal: {goal}
  kpis:
    - name: {kpi}
      target: "{target}"

problem:
  statement: {statement}
  type: {ptype}
  approach: {approach}     # ai-service | pre-trained | fine-tuned | custom-trained

regions:
  - name: {region}
    role: primary

"""

_BODY = {
    "batch": """\
# Data: where the records come from and where training data and scores are kept.
data_sources:
  - name: crm
    type: database
    contains_pii: true

data_stores:
  - name: training-data
    type: s3
    role: training
    classification: confidential
    encryption: {{at_rest: true, key_type: customer-managed}}
  - name: scores
    type: s3
    role: other
    encryption: {{at_rest: true}}

training_jobs:
  - name: train
    framework: xgboost
    service: sagemaker-training
    input_data: [training-data]

model_registries:
  - name: {id}-model
    versions:
      - version: 1
        trained_by: train

# Scoring on a schedule.
batch_inference:
  - name: nightly-scoring
    model: {id}-model/1          # <registry>/<version>
    service: sagemaker-batch-transform
    schedule: daily
    input: [training-data]
    output: scores
""",
    "real-time": """\
data_stores:
  - name: training-data
    type: s3
    role: training
    classification: confidential
    encryption: {{at_rest: true, key_type: customer-managed}}

training_jobs:
  - name: train
    framework: pytorch
    service: sagemaker-training
    input_data: [training-data]

model_registries:
  - name: {id}-model
    versions:
      - version: 1
        trained_by: train

# The endpoint that answers requests.
endpoints:
  - name: {id}-api
    type: real-time
    model: {id}-model/1          # <registry>/<version>
    instance_type: ml.c7g.large
    instances: 2
""",
    "genai-rag": """\
# The documents the assistant answers from, and the vector index over them.
data_sources:
  - name: product-docs
    type: file-transfer
    contains_pii: false

data_stores:
  - name: docs-index
    type: vector-database
    role: embeddings
    classification: internal
    encryption: {{at_rest: true}}

# The model behind the assistant, and where retrieval happens.
endpoints:
  - name: assistant
    type: bedrock-on-demand
    foundation_model: anthropic.claude-3-haiku   # the model id you use
    generative: true
    retrieves_from: [docs-index]
""",
    "self-managed": """\
data_stores:
  - name: training-data
    type: s3
    role: training
    classification: confidential
    encryption: {{at_rest: true}}

# Training on a cluster you operate.
training_jobs:
  - name: train
    framework: pytorch
    service: eks                 # eks | ec2 | local ...
    managed: false
    input_data: [training-data]

model_registries:
  - name: {id}-model
    versions:
      - version: 1
        trained_by: train

endpoints:
  - name: {id}-service
    type: real-time
    model: {id}-model/1
    instance_type: ml.g5.xlarge  # the instance type of your nodes
    instances: 2
""",
}

_DEFAULTS = {
    "batch": dict(description="Scores every customer nightly.", goal="Reduce churn.",
                  kpi="monthly-churn-rate", target="-2 points",
                  statement="Predict which customers will leave next month.",
                  ptype="binary-classification", approach="custom-trained"),
    "real-time": dict(description="Answers scoring requests from the application.",
                      goal="Stop fraudulent payments before they settle.",
                      kpi="fraud-loss", target="-20 %",
                      statement="Score each payment for fraud in under 100 ms.",
                      ptype="binary-classification", approach="custom-trained"),
    "genai-rag": dict(description="Answers questions from the product documentation.",
                      goal="Answer routine questions without a support agent.",
                      kpi="deflection-rate", target="> 30 %",
                      statement="Generate grounded answers from documentation.",
                      ptype="retrieval-augmented-generation", approach="pre-trained"),
    "self-managed": dict(description="A model trained and served on our own cluster.",
                         goal="Recommend products customers buy.",
                         kpi="click-through-rate", target="+5 %",
                         statement="Rank products for each visitor.",
                         ptype="ranking", approach="custom-trained"),
}


def _scalar(text: str) -> str:
    """A YAML scalar that reads back as ``text`` (JSON strings are YAML)."""
    if re.fullmatch(r"[A-Za-z][A-Za-z0-9 ,.()'-]*", text) and not text.endswith(":"):
        return text
    return json.dumps(text, ensure_ascii=False)


def starter_text(kind: str, *, id: str, name: str, stage: str = "development",
                 region: str = "eu-west-1", team: str = "my-team",
                 file: str = "workload.yaml") -> str:
    """The starter for ``kind`` (one of :data:`KINDS`), with the answers filled in."""
    values = {**_DEFAULTS[kind], "id": id, "name": _scalar(name), "stage": stage,
              "region": region, "team": team, "kind": kind, "file": file,
              "title": f"{name}: {KINDS[kind]}"}
    values = {k: (_scalar(v) if k in ("description", "goal", "statement") else v)
              for k, v in values.items()}
    return _HEAD.format(**values) + _BODY[kind].format(**values)
