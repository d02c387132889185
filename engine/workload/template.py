"""The commented template printed by ``mlwa workload new`` (a test keeps it valid)."""

TEMPLATE = """\
# yaml-language-server: $schema=https://w3id.org/mlwa/workload.schema.json
# A workload description for mlwa (AWS Well-Architected Machine Learning Lens).
# Every key is optional except `id` and `name`; what you leave out is unknown to mlwa,
# and policies report it. Reference: docs/workload-format.md (or `mlwa workload schema`).
# Check it with:  mlwa workload check THIS-FILE
id: my-workload                  # lower-case letters, digits, - . _ ; names every node IRI
name: My ML workload
description: What the workload does, for whom.
lifecycle_stage: development     # idea | experimentation | development | pilot | production | retired
criticality: medium              # low | medium | high | critical

owner:
  team: my-team
  contact: my-team@example.com
  accountable_executive: Head of Something

business:
  goal: The business outcome, in the business's words.
  kpis:
    - name: main-kpi
      target: "+5 %"
      monitored: true

problem:
  statement: The ML problem.
  type: binary-classification    # see docs for the list
  why_ml: Why rules or a simpler method are not enough.
  approach: custom-trained       # ai-service | pre-trained | fine-tuned | custom-trained
  explainability: global         # none | global | local | global-and-local
  evaluation_metrics:
    - {name: auc, threshold: 0.8, direction: maximize}

regions:
  - name: eu-west-1
    role: primary
    rationale: Latency to users; data residency.

# Components: lists of named items. Refer to them by name elsewhere.
data_stores:
  - name: training-data
    type: s3
    role: training
    location: s3://my-bucket/training/
    classification: confidential   # public | internal | confidential | restricted
    contains_pii: false
    encryption: {at_rest: true, kms_key: alias/my-key, key_type: customer-managed, in_transit: true}
    versioning: true
    lineage: {tracked_by: sagemaker-lineage}
    access: {public_access_blocked: true}
    retention: {days: 365, lifecycle_policy: true}

training_jobs:
  - name: train
    framework: xgboost
    service: sagemaker-training
    managed: true
    input_data: [training-data]          # a reference by name
    compute: {instance_type: ml.m7g.xlarge, instance_count: 1, spot: true}
    checkpoints: {enabled: true, location: training-data}
    network: {vpc: true, network_isolation: true}
    encryption: {at_rest: true, inter_container: true}
    role: training-role

model_registries:
  - name: my-model
    approval_required: true
    versions:
      - version: 1
        status: approved
        trained_by: train
        model_card: {exists: true}
        bias_report: {exists: true}
        explainability_report: {exists: true}

endpoints:
  - name: my-endpoint
    type: real-time
    model: my-model/1                    # <registry>/<version>
    instance_type: ml.c7g.large
    instances: 2
    availability_zones: 2
    autoscaling: {enabled: true, min: 2, max: 4}
    deployment: {strategy: canary, auto_rollback: true}
    data_capture: {enabled: true, sampling_percent: 10}
    encryption: {at_rest: true, in_transit: true}

iam_roles:
  - name: training-role
    assumed_by: sagemaker
    permissions:
      - sid: ReadTraining
        effect: allow
        actions: [s3:GetObject]
        resources: ["arn:aws:s3:::my-bucket/training/*"]

budgets:
  - {name: monthly, amount: 1000, currency: USD, period: monthly, alert_thresholds: [80, 100]}

tags:
  cost-center: cc-0000

# Practices no configuration shows: who attests, when, with what evidence.
attestations:
  - practice: MLOPS01-BP01       # or its 2023 id, MLOE-01
    status: partial              # implemented | partial | not-implemented | not-applicable
    evidence: https://wiki.example.com/skills
    owner: my-team
    date: 2026-01-15
"""
