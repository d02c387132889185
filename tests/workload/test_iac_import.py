"""mlwa workload import: facts and their provenance from real infrastructure code."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from engine.cli import main
from engine.errors import InputError
from engine.workload.iac import import_sources

DATA = Path(__file__).resolve().parent.parent / "data" / "iac"
CFN = DATA / "cloudformation"
MLOPS = CFN / "mlops-deployment-patterns"
TF = DATA / "terraform"


@pytest.fixture(autouse=True)
def _in_data(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(DATA)  # paths in provenance are shown relative to the working folder


def line_of(path: Path, text: str, after: str | None = None) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    start = 0
    if after is not None:
        start = next(i for i, ln in enumerate(lines) if after in ln)
    return next(i for i, ln in enumerate(lines) if i >= start and text in ln) + 1


def facts(component: dict[str, Any]) -> dict[str, str]:
    return dict(f.split("=", 1) for f in component["provenance"].get("facts", []))


def component(doc: dict[str, Any], collection: str, name: str) -> dict[str, Any]:
    return next(c for c in doc[collection] if c["name"] == name)


def run(argv: list[str]) -> int:
    try:
        main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


# ---------------------------------------------------------------- CloudFormation

def test_mlops_template_with_prod_parameters() -> None:
    result = import_sources([MLOPS / "endpoint-config-template.yml"],
                            parameters=[str(MLOPS / "prod-config.json")])
    ep = component(result.document, "endpoints", "Endpoint")
    assert ep["deployment"] == {"strategy": "canary", "auto_rollback": True,
                                "rollback_alarms": ["Endpoint500Errors"]}
    assert ep["data_capture"] == {"enabled": True, "sampling_percent": 80}
    assert ep["instances"] == 3 and ep["instance_type"] == "ml.m5.large"
    template = MLOPS / "endpoint-config-template.yml"
    shown = "cloudformation/mlops-deployment-patterns/endpoint-config-template.yml"
    prov = ep["provenance"]
    assert (prov["tool"], prov["file"], prov["address"]) == ("cloudformation", shown,
                                                             "Resources.Endpoint")
    assert prov["line"] == line_of(template, "  Endpoint:", after="Resources:")
    where = facts(ep)
    assert where["data_capture.enabled"] == f"{shown}:{line_of(template, 'EnableCapture:')}"
    assert where["deployment.strategy"].endswith(
        f":{line_of(template, 'Type: CANARY')}")
    alarm = component(result.document, "alarms", "Endpoint500Errors")
    assert alarm["watches"] == "Endpoint" and alarm["metric"] == "Invocation5XXErrors"
    # no action is enabled on the alarm: nothing claims it notifies anyone
    assert "actions" not in alarm
    # the role and the capture bucket come from parameters the project file leaves out
    assert any(d.startswith("role: parameter ModelExecutionRoleArn")
               for d in prov["depends_on"])


def test_staging_parameters_follow_the_conditions() -> None:
    result = import_sources([MLOPS / "endpoint-config-template.yml"],
                            parameters=[str(MLOPS / "staging-config.json")])
    ep = component(result.document, "endpoints", "Endpoint")
    assert "deployment" not in ep  # Fn::If gives AWS::NoValue outside production
    assert "alarms" not in result.document
    assert [r["address"] for r in result.summary()["not_created"]] == [
        "Resources.Endpoint500Errors"]


def test_unknown_condition_inputs_are_marked_not_guessed() -> None:
    result = import_sources([MLOPS / "endpoint-config-template.yml"])
    ep = component(result.document, "endpoints", "Endpoint")
    assert "strategy" not in ep.get("deployment", {})
    depends = "\n".join(ep["provenance"]["depends_on"])
    # linear is ruled out (DeploymentStrategy defaults to CANARY); canary needs StageName
    assert "deployment.strategy: condition PerformCanaryDeployment" in depends
    assert "StageName" in depends
    alarm = component(result.document, "alarms", "Endpoint500Errors")
    assert any(d.startswith("(component): created only when condition IsProduction")
               for d in alarm["provenance"]["depends_on"])


@pytest.mark.parametrize("folder,etype", [("multi-model-endpoint", "multi-model"),
                                           ("asynchronous-inference-endpoint",
                                            "asynchronous")])
def test_endpoint_types(folder: str, etype: str) -> None:
    result = import_sources([CFN / folder / "endpoint-config-template.yml"],
                            parameters=[str(CFN / folder / "prod-config.json")])
    ep = component(result.document, "endpoints", "Endpoint")
    assert ep["type"] == etype
    assert ep["data_capture"] == {"enabled": False}


def test_every_unmapped_resource_is_listed() -> None:
    result = import_sources([CFN / "encrypted-buckets" / "template.yaml"])
    summary = result.summary()
    types = sorted(r["type"] for r in summary["unmapped"])
    assert types == sorted(["AWS::Events::Rule"] * 3 + ["AWS::CodeCommit::Repository"] * 2
                           + ["AWS::CodeBuild::Project"] * 3)
    total = (len(summary["mapped"]) + len(summary["unmapped"]) + len(summary["context"])
             + len(summary["ignored"]))
    assert total == len(result.resources)
    build = component(result.document, "pipelines", "ModelBuildPipeline")
    assert [s["type"] for s in build["stages"]] == ["source", "build"]
    assert build["orchestrator"] == "codepipeline" and build["triggers"] == ["commit"]
    bucket = component(result.document, "data_stores", "MlOpsArtifactsBucket")
    assert bucket["encryption"]["at_rest"] is True
    assert bucket["access"]["public_access_blocked"] is True


def test_cdk_synth_output_and_an_inline_pipeline() -> None:
    result = import_sources([DATA / "cdk" / "Stack.template.json"])
    doc = result.document
    bucket = component(doc, "data_stores", "ArtifactsBucketB1D3D4F2")
    assert bucket["encryption"] == {"at_rest": True, "key_type": "customer-managed",
                                    "kms_key": "Resources.ArtifactsKey9C3B5DA1",
                                    "in_transit": True}
    assert bucket["versioning"] is True and bucket["retention"]["lifecycle_policy"] is True
    role = component(doc, "iam_roles", "PipelineRoleD68726F7")
    assert role["assumed_by"] == "sagemaker"
    assert {"effect": "allow", "actions": ["sagemaker:*"], "resources": ["*"]} in \
        role["permissions"]
    pipe = component(doc, "pipelines", "ChurnPipeline")
    assert pipe["trains"] == ["Train"] and pipe["registers_to"] == "churn"
    assert pipe["role"] == "PipelineRoleD68726F7"
    notebook = component(doc, "notebooks", "ExploreNotebook")
    assert notebook["root_access"] is True  # the service default when not set
    summary = result.summary()
    assert [r["type"] for r in summary["unmapped"]] == ["AWS::Lambda::Function"]
    assert [r["type"] for r in summary["ignored"]] == ["AWS::CDK::Metadata"]


# ---------------------------------------------------------------- Terraform

def test_terraform_folder_with_tfvars() -> None:
    folder = TF / "model-deployment-realtime"
    result = import_sources([folder], parameters=[str(folder / "prod-config.tfvars.json")])
    ep = component(result.document, "endpoints", "sm_endpoint")
    assert ep["instance_type"] == "ml.m5.large" and ep["instances"] == 1
    assert ep["network"] == {"vpc": True}
    assert ep["provenance"]["tool"] == "terraform"
    assert ep["provenance"]["address"] == "aws_sagemaker_endpoint.sm_endpoint"
    tf = folder / "endpoint-config.tf"
    assert ep["provenance"]["line"] == line_of(tf, 'resource "aws_sagemaker_endpoint" ')
    depends = "\n".join(ep["provenance"]["depends_on"])
    assert "data_capture.enabled: var.EnableDataCapture (no value given)" in depends
    assert "data_capture.sampling_percent" not in depends  # 80 from the tfvars file
    assert ep["data_capture"]["sampling_percent"] == 80
    unmapped = {r["type"] for r in result.summary()["unmapped"]}
    assert unmapped == {"random_id", "aws_cloudwatch_dashboard"}


def test_terraform_local_modules_and_variables() -> None:
    result = import_sources([TF / "deploy-app"], parameters=["prefix=ml",
                                                             "sm_project_name=churn"])
    ep = result.document["endpoints"][0]
    assert ep["provenance"]["address"] == \
        "module.sm_endpoint_slim.aws_sagemaker_endpoint.inference_endpoint"
    assert ep["provenance"]["file"] == "terraform/deploy-app/modules/sm_endpoint_slim/main.tf"
    assert ep["instance_type"] == "ml.t2.medium"  # a local of the root, through the module
    assert any("created only when module sm_endpoint_slim count" in d
               for d in ep["provenance"]["depends_on"])
    assert any("module cicd_build_pipeline" in n and "not found" in n
               for n in result.summary()["notes"])


def test_terraform_plan() -> None:
    result = import_sources([TF / "plan" / "plan.json"])
    doc = result.document
    ep = component(doc, "endpoints", "fraud")
    assert ep["provenance"]["tool"] == "terraform-plan"
    assert ep["encryption"] == {"at_rest": True, "key_type": "customer-managed",
                                "kms_key": "aws_kms_key.ml"}
    assert ep["deployment"]["rollback_alarms"] == ["latency"]
    assert ep["autoscaling"] == {"enabled": True, "min": 2, "max": 6}
    assert ep["role"] == "endpoint" and ep["network"]["network_isolation"] is True
    role = component(doc, "iam_roles", "endpoint")
    assert {"effect": "allow", "actions": ["s3:*"], "resources": ["*"]} in role["permissions"]
    bucket = component(doc, "data_stores", "capture")
    assert bucket["versioning"] is True and bucket["access"]["public_access_blocked"]
    assert [r["type"] for r in result.summary()["unmapped"]] == ["aws_lambda_function"]


def test_unknown_plan_format_is_refused(tmp_path: Path) -> None:
    plan = json.loads((TF / "plan" / "plan.json").read_text())
    plan["format_version"] = "2.0"
    bad = tmp_path / "plan.json"
    bad.write_text(json.dumps(plan, indent=1))
    with pytest.raises(InputError) as info:
        import_sources([bad])
    assert info.value.location.line == 2 and "format version '2.0'" in info.value.message


# ---------------------------------------------------------------- pipelines, Kubernetes

def test_sagemaker_pipeline_definition() -> None:
    result = import_sources([DATA / "pipeline" / "definition.json"])
    doc = result.document
    train = component(doc, "training_jobs", "TrainModel")
    assert train["compute"] == {"instance_type": "ml.g5.2xlarge", "instance_count": 1,
                                "volume_size_gb": 50, "spot": True, "max_wait_minutes": 180}
    assert train["checkpoints"] == {"enabled": True}
    assert train["network"] == {"network_isolation": True}
    prep = component(doc, "processing_jobs", "PrepareData")
    assert prep["compute"]["instance_type"] == "ml.m5.xlarge"  # the parameter's default
    assert prep["encryption"] == {"inter_container": True}
    registry = component(doc, "model_registries", "churn-model")
    assert registry["approval_required"] is True
    pipe = doc["pipelines"][0]
    assert [s["type"] for s in pipe["stages"]] == ["other", "bias-check", "train",
                                                  "data-validation", "evaluate", "register",
                                                  "other"]
    assert set(pipe["tests"]) == {"bias", "data-validation", "model-validation"}
    assert pipe["registers_to"] == "churn-model"
    definition = DATA / "pipeline" / "definition.json"
    assert facts(train)["compute.spot"] == \
        f"pipeline/definition.json:{line_of(definition, 'EnableManagedSpotTraining')}"


def test_kserve_manifest() -> None:
    result = import_sources([DATA / "kubernetes" / "inference.yaml"])
    ep = result.document["endpoints"][0]
    assert ep["autoscaling"] == {"enabled": True, "max": 8, "min": 2, "scale_to_zero": False}
    assert ep["provenance"]["line"] == 7
    assert {r["type"] for r in result.summary()["unmapped"]} == {"core/Namespace",
                                                               "apps/Deployment"}


# ---------------------------------------------------------------- CLI, validation, SARIF

def test_import_then_validate_points_at_template_lines(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    out = tmp_path / "workload.yaml"
    assert run(["workload", "import", str(MLOPS.relative_to(DATA) /
                                          "endpoint-config-template.yml"),
                "-p", str(MLOPS.relative_to(DATA) / "prod-config.json"),
                "-o", str(out)]) == 0
    assert "wrote" in capsys.readouterr().out
    sarif_out = tmp_path / "report.sarif"
    code = run(["validate", str(out), "--format", "sarif", "-o", str(sarif_out)])
    assert code in (0, 1)
    log = json.loads(sarif_out.read_text())
    shown = "cloudformation/mlops-deployment-patterns/endpoint-config-template.yml"
    template_lines = {r["locations"][0]["physicalLocation"]["region"]["startLine"]
                      for r in log["runs"][0]["results"]
                      if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                      == shown}
    endpoint_line = line_of(MLOPS / "endpoint-config-template.yml", "  Endpoint:",
                            after="Resources:")
    assert endpoint_line in template_lines


def test_sarif_of_an_import_validates(tmp_path: Path, test_data: Path) -> None:
    import jsonschema

    out = tmp_path / "workload.yaml"
    assert run(["workload", "import", "terraform/plan/plan.json", "-o", str(out)]) == 0
    sarif_out = tmp_path / "report.sarif"
    run(["validate", str(out), "--format", "sarif", "-o", str(sarif_out)])
    log = json.loads(sarif_out.read_text())
    schema = json.loads((test_data / "sarif" / "sarif-schema-2.1.0.json").read_text())
    errors = list(jsonschema.validators.validator_for(schema)(schema).iter_errors(log))
    assert not errors, errors[0].message
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in log["runs"][0]["results"]}
    assert "terraform/plan/plan.json" in uris


def test_validate_iac_with_overlay(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text(
        "id: fraud-scoring\nname: Fraud scoring\nlifecycle_stage: production\n"
        "owner:\n  team: risk-ml\n"
        "endpoints:\n  - name: fraud\n    owner: risk-ml\n    data_capture:\n"
        "      enabled: false\n", encoding="utf-8")
    code = run(["validate", "--iac", "terraform/plan/plan.json", "--overlay", str(overlay),
                "--format", "json"])
    assert code in (0, 1)
    report = json.loads(capsys.readouterr().out)
    text = json.dumps(report)
    assert "overlay conflict" in text and "data_capture.enabled" in text
    assert any("6 component(s) read from infrastructure code (6 terraform-plan)" in n
               for n in report["workloads"][0]["notes"])
    findings = [f for w in report["workloads"] for f in w["findings"]]
    files = {f["location"]["file"] for f in findings if f.get("location")}
    assert "terraform/plan/plan.json" in files and str(overlay) in files


def test_bad_template_exit_2_and_nothing_written(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n    Properties: [\n",
                   encoding="utf-8")
    out = tmp_path / "out.yaml"
    assert run(["workload", "import", str(bad), "-o", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"mlwa: {bad}:5")
    assert not out.exists() and not list(tmp_path.glob(".*tmp"))


def test_unknown_tag_and_hcl_syntax_error(tmp_path: Path) -> None:
    bad = tmp_path / "t.yml"
    bad.write_text("Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n"
                   "      BucketName: !Nonsense x\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        import_sources([bad])
    assert info.value.location.line == 5 and "!Nonsense" in info.value.message
    folder = tmp_path / "tf"
    folder.mkdir()
    (folder / "main.tf").write_text('resource "aws_s3_bucket" "b" {\n  bucket = \n}\n',
                                    encoding="utf-8")
    with pytest.raises(InputError) as info:
        import_sources([folder])
    assert info.value.location.file.endswith("main.tf") and info.value.location.line == 2


def test_hostile_template_is_refused_quickly(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.yml"
    bomb.write_text("a: &a [x, x]\nb: &b [*a, *a]\nResources: {}\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        import_sources([bomb])
    assert info.value.location.line == 1
    deep = tmp_path / "deep.json"
    deep.write_text('{"Resources": ' + "[" * 5000 + "]" * 5000 + "}", encoding="utf-8")
    with pytest.raises(InputError):
        import_sources([deep])
    big = tmp_path / "big.json"
    big.write_bytes(b'{"Resources": {}, "x": "' + b"a" * 3_000_000 + b'"}')
    with pytest.raises(InputError) as info:
        import_sources([big])
    assert "limit" in info.value.message


def test_a_folder_of_templates_lists_files_it_skips(tmp_path: Path) -> None:
    shutil.copytree(MLOPS, tmp_path / "stack")
    (tmp_path / "stack" / "notes.json").write_text('{"hello": 1}', encoding="utf-8")
    os.chdir(tmp_path)
    result = import_sources([Path("stack")], parameters=["stack/prod-config.json"])
    skipped = {Path(f).name for f, _ in result.skipped_files}
    assert skipped == {"notes.json", "staging-config.json"}
    assert yaml.safe_load(result.text)["endpoints"][0]["deployment"]["strategy"] == "canary"


def test_an_invalid_overlay_is_reported_at_its_own_line(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text("id: x\nname: X\nendpoints:\n  - name: Endpoint\n    colour: blue\n",
                       encoding="utf-8")
    out = tmp_path / "out.yaml"
    template = "cloudformation/multi-model-endpoint/endpoint-config-template.yml"
    assert run(["workload", "import", template, "--overlay", str(overlay),
                "-o", str(out)]) == 2
    assert capsys.readouterr().err.startswith(f"mlwa: {overlay}:5:")
    assert not out.exists()
    assert run(["validate", "--iac", template, "--overlay", str(overlay)]) == 2
    assert f"{overlay}:5:" in capsys.readouterr().err
