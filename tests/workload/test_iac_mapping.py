"""The mapping table: resource types to facts, on small templates written for the tests,
and docs/import.md generated from it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from engine.workload.iac import import_sources
from engine.workload.iac.mapping import RULES, TABLE_END, TABLE_START, docs_table

REPO = Path(__file__).resolve().parent.parent.parent

MONITORING = """\
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Endpoint:
    Type: AWS::SageMaker::Endpoint
    Properties:
      EndpointName: churn
      EndpointConfigName: !GetAtt Config.EndpointConfigName
  Config:
    Type: AWS::SageMaker::EndpointConfig
    Properties:
      KmsKeyId: alias/aws/sagemaker
      ProductionVariants:
        - VariantName: AllTraffic
          ModelName: churn-model
          ServerlessConfig: {MaxConcurrency: 5, MemorySizeInMB: 2048}
  Quality:
    Type: AWS::SageMaker::DataQualityJobDefinition
    Properties:
      DataQualityBaselineConfig:
        ConstraintsResource: {S3Uri: s3://b/constraints.json}
      DataQualityJobInput:
        EndpointInput: {EndpointName: churn, LocalPath: /opt/ml/processing/input}
  Schedule:
    Type: AWS::SageMaker::MonitoringSchedule
    Properties:
      MonitoringScheduleName: churn-data-quality
      MonitoringScheduleConfig:
        MonitoringJobDefinitionName: !GetAtt Quality.JobDefinitionName
        MonitoringType: DataQuality
        ScheduleConfig: {ScheduleExpression: cron(0 * ? * * *)}
  Target:
    Type: AWS::ApplicationAutoScaling::ScalableTarget
    Properties:
      ServiceNamespace: sagemaker
      ResourceId: endpoint/churn/variant/AllTraffic
      ScalableDimension: sagemaker:variant:DesiredInstanceCount
      MinCapacity: 1
      MaxCapacity: 4
  Policy:
    Type: AWS::ApplicationAutoScaling::ScalingPolicy
    Properties:
      PolicyType: TargetTrackingScaling
      ScalingTargetId: !Ref Target
      TargetTrackingScalingPolicyConfiguration:
        TargetValue: 70
        PredefinedMetricSpecification: {PredefinedMetricType: SageMakerVariantInvocationsPerInstance}
  Features:
    Type: AWS::SageMaker::FeatureGroup
    Properties:
      FeatureGroupName: customers
      RecordIdentifierFeatureName: customer_id
      EventTimeFeatureName: ts
      OnlineStoreConfig: {EnableOnlineStore: true}
      OfflineStoreConfig:
        S3StorageConfig: {S3Uri: s3://b/offline, KmsKeyId: !Ref Key}
  Key:
    Type: AWS::KMS::Key
    Properties: {EnableKeyRotation: false}
  Studio:
    Type: AWS::SageMaker::Domain
    Properties:
      DomainName: ds
      AuthMode: IAM
      AppNetworkAccessType: VpcOnly
      DefaultUserSettings: {ExecutionRole: arn:aws:iam::123456789012:role/ds}
      SubnetIds: [subnet-1]
      VpcId: vpc-1
  Runtime:
    Type: AWS::EC2::VPCEndpoint
    Properties: {ServiceName: com.amazonaws.eu-west-1.sagemaker.runtime, VpcId: vpc-1}
  Group:
    Type: AWS::SageMaker::ModelPackageGroup
    Properties: {ModelPackageGroupName: churn}
"""


def imported(tmp_path: Path, text: str, name: str = "t.yml") -> Any:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return import_sources([path])


def one(doc: dict[str, Any], collection: str, name: str) -> dict[str, Any]:
    return next(c for c in doc[collection] if c["name"] == name)


def test_sagemaker_hosting_monitoring_features_and_studio(tmp_path: Path) -> None:
    result = imported(tmp_path, MONITORING)
    doc = result.document
    ep = one(doc, "endpoints", "Endpoint")
    assert ep["type"] == "serverless"
    assert ep["encryption"] == {"at_rest": True, "kms_key": "alias/aws/sagemaker",
                                "key_type": "aws-managed"}
    assert ep["autoscaling"] == {"enabled": True, "min": 1, "max": 4, "target": 70,
                                 "metric": "SageMakerVariantInvocationsPerInstance"}
    monitor = one(doc, "monitors", "Schedule")
    assert monitor == {**monitor, "type": "data-quality", "schedule": "hourly",
                       "baseline": True, "target": "Endpoint"}
    store = one(doc, "feature_stores", "Features")
    assert store["online"] is True and store["offline"] is True
    assert store["encryption"]["key_type"] == "customer-managed"
    assert store["feature_groups"] == [{"name": "customers", "record_identifier": "customer_id",
                                        "online": True, "offline": True}]
    studio = one(doc, "notebooks", "Studio")
    assert studio["direct_internet_access"] is False and studio["network"] == {"vpc": True}
    assert one(doc, "model_registries", "Group")["type"] == "sagemaker-model-registry"
    notes = {r["type"]: r["note"] for r in result.summary()["context"]}
    assert "sagemaker.runtime" in notes["AWS::EC2::VPCEndpoint"]
    assert "rotation off" in notes["AWS::KMS::Key"]
    assert result.summary()["unmapped"] == []


TERRAFORM = """\
variable "env" { default = "prod" }
locals { bucket = "churn-${var.env}-data" }

data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["bedrock.amazonaws.com"]
    }
  }
}

resource "aws_s3_bucket" "data" {
  bucket = local.bucket
}

resource "aws_s3_bucket_versioning" "data" {
  bucket = aws_s3_bucket.data.id
  versioning_configuration {
    status = "Suspended"
  }
}

resource "aws_s3_bucket_logging" "data" {
  bucket        = aws_s3_bucket.data.id
  target_bucket = "logs"
  target_prefix = "data/"
}

resource "aws_iam_role" "customization" {
  name               = "churn-customization"
  assume_role_policy = data.aws_iam_policy_document.trust.json
}

resource "aws_bedrock_custom_model" "tuned" {
  custom_model_name     = "churn-summariser"
  base_model_identifier = "amazon.titan-text-express-v1"
  customization_type    = "CONTINUED_PRE_TRAINING"
  role_arn              = aws_iam_role.customization.arn
  custom_model_kms_key_id = aws_kms_key.k.arn
  training_data_config {
    s3_uri = "s3://${aws_s3_bucket.data.bucket}/train.jsonl"
  }
}

resource "aws_bedrock_provisioned_model_throughput" "serve" {
  provisioned_model_name = "churn-summariser"
  model_arn              = "arn:aws:bedrock:eu-west-1::foundation-model/amazon.titan-text-express-v1"
  model_units            = 1
}

resource "aws_bedrock_guardrail" "safe" {
  name = "churn-guardrail"
  blocked_input_messaging   = "no"
  blocked_outputs_messaging = "no"
  content_policy_config {
    filters_config {
      type            = "PROMPT_ATTACK"
      input_strength  = "HIGH"
      output_strength = "NONE"
    }
  }
  sensitive_information_policy_config {
    pii_entities_config {
      action = "ANONYMIZE"
      type   = "EMAIL"
    }
  }
}

resource "aws_kms_key" "k" {
  enable_key_rotation = true
}

resource "aws_sqs_queue" "events" {
  count = 0
  name  = "unused"
}

resource "aws_sns_topic" "alerts" {
  name = "churn-alerts"
}
"""


def test_terraform_bedrock_s3_parts_and_policy_documents(tmp_path: Path) -> None:
    folder = tmp_path / "tf"
    folder.mkdir()
    (folder / "main.tf").write_text(TERRAFORM, encoding="utf-8")
    result = import_sources([folder])
    doc = result.document
    bucket = one(doc, "data_stores", "data")
    assert bucket["location"] == "s3://churn-prod-data"  # a local built from a variable
    assert bucket["versioning"] is False and bucket["access"]["access_logging"] is True
    role = one(doc, "iam_roles", "customization")
    assert role["assumed_by"] == "service"
    tuned = one(doc, "training_jobs", "tuned")
    assert tuned["base_model"] == {"name": "amazon.titan-text-express-v1",
                                   "method": "continued-pretraining"}
    assert tuned["role"] == "customization" and tuned["encryption"]["key_type"] == \
        "customer-managed"
    serve = one(doc, "endpoints", "serve")
    assert serve["type"] == "bedrock-provisioned" and serve["generative"] is True
    assert serve["guardrails"] == {"enabled": True, "content_filters": True,
                                   "pii_redaction": True, "prompt_attack_filter": True}
    assert [r["type"] for r in result.summary()["unmapped"]] == ["aws_sns_topic"]
    tf = folder / "main.tf"
    line = tf.read_text().splitlines().index('resource "aws_bedrock_custom_model" "tuned" {') + 1
    assert tuned["provenance"]["line"] == line


def test_refused_values_are_left_out_with_a_note(tmp_path: Path) -> None:
    text = ("Resources:\n  Pipe:\n    Type: AWS::SageMaker::Pipeline\n    Properties:\n"
            "      PipelineDefinition:\n        PipelineDefinitionBody: '{\"Version\": \"x\", "
            "\"Steps\": [{\"Name\": \"-bad name!\", \"Type\": \"Training\", \"Arguments\": "
            "{\"ResourceConfig\": {\"InstanceCount\": -3}}}]}'\n")
    result = imported(tmp_path, text)
    job = result.document["training_jobs"][0]
    assert "instance_count" not in job.get("compute", {})
    assert any("instance_count" in n for n in result.summary()["notes"])


def test_every_rule_has_facts_and_distinct_types() -> None:
    seen: set[str] = set()
    for rule in RULES:
        assert rule.facts, rule.types
        assert not seen & set(rule.types), rule.types
        seen |= set(rule.types)


def test_docs_table_is_current() -> None:
    text = (REPO / "docs" / "import.md").read_text(encoding="utf-8")
    start, end = text.index(TABLE_START), text.index(TABLE_END) + len(TABLE_END)
    assert text[start:end] == docs_table(), "run python -m engine.workload.iac.mapping"


@pytest.mark.parametrize("kind", ["AWS::SageMaker::Endpoint", "aws_s3_bucket",
                                  "sagemaker:Step:Training", "serving.kserve.io/InferenceService"])
def test_docs_name_the_main_types(kind: str) -> None:
    assert f"`{kind}`" in (REPO / "docs" / "import.md").read_text(encoding="utf-8")


def test_a_fact_from_a_resource_that_may_not_exist_is_marked(tmp_path: Path) -> None:
    folder = tmp_path / "tf"
    folder.mkdir()
    (folder / "main.tf").write_text(
        'variable "kms_key_id" {}\nlocals { encrypt = var.kms_key_id == "" ? 0 : 1 }\n'
        'resource "aws_s3_bucket" "b" { bucket = "x" }\n'
        'resource "aws_s3_bucket_server_side_encryption_configuration" "b" {\n'
        '  count  = local.encrypt\n  bucket = aws_s3_bucket.b.id\n'
        '  rule {\n    apply_server_side_encryption_by_default {\n'
        '      sse_algorithm = "aws:kms"\n    }\n  }\n}\n', encoding="utf-8")
    result = import_sources([folder])
    bucket = result.document["data_stores"][0]
    assert "encryption" not in bucket
    assert any(d.startswith("encryption.at_rest: aws_s3_bucket_server_side_encryption_"
                            "configuration.b, created only when count")
               for d in bucket["provenance"]["depends_on"])


def test_summary_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from engine.cli import main

    out = tmp_path / "w.yaml"
    path = tmp_path / "t.yml"
    path.write_text(MONITORING, encoding="utf-8")
    try:
        main(["workload", "import", str(path), "-o", str(out), "--summary", "json"])
    except SystemExit as exc:
        assert exc.code in (0, None)
    data = json.loads(capsys.readouterr().out)
    assert data["schema"] == "mlwa/import-summary" and data["version"] == "1"
    assert data["data"]["components"] == 5 and data["data"]["unmapped"] == []
    assert {r["type"] for r in data["data"]["context"]} == {"AWS::KMS::Key",
                                                          "AWS::EC2::VPCEndpoint"}


def test_foreach_loops_are_noted_and_getatt_strings_read(tmp_path: Path) -> None:
    text = ('{"Transform": "AWS::LanguageExtensions", "Resources": {'
            '"Fn::ForEach::Buckets": ["Name", ["a", "b"], {"${Name}": {"Type": "AWS::S3::Bucket"}}],'
            '"Role": {"Type": "AWS::IAM::Role", "Properties": {}},'
            '"Nb": {"Type": "AWS::SageMaker::NotebookInstance", "Properties": {'
            '"InstanceType": "ml.t3.medium", "RoleArn": {"Fn::GetAtt": "Role.Arn"},'
            '"RootAccess": "Disabled", "DirectInternetAccess": "Disabled", "SubnetId": "s-1"}}}}')
    result = imported(tmp_path, text, "t.json")
    nb = one(result.document, "notebooks", "Nb")
    assert nb["role"] == "Role" and nb["root_access"] is False
    assert nb["direct_internet_access"] is False and nb["network"] == {"vpc": True}
    assert any("Fn::ForEach::Buckets" in n and "not expanded" in n
               for n in result.summary()["notes"])
