"""The mapping table: resource types and their properties -> workload facts.

Each :class:`Rule` names the resource types it reads (CloudFormation, Terraform, SageMaker
pipeline steps, Kubernetes kinds), the collection of the workload description it fills,
and the facts with the properties they come from. ``docs/import.md`` is generated from
:data:`RULES` (``python -m engine.workload.iac.mapping``), with the practices each fact
evidences looked up in the built-in policies. A resource whose type no rule names is
listed in the import summary as unmapped; one a rule reads only for context (a KMS key,
a VPC endpoint) is listed with what it contributed.

Why this file is long: the mapping table is data: one rule per resource family, read by the
importer and by the generated docs/import.md.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from engine.workload.iac.build import Builder, Component, safe_name
from engine.workload.iac.resource import (
    Link,
    Resource,
    Unknown,
    as_bool,
    as_int,
    as_number,
    as_text,
    name_key,
)

Handler = Callable[[Resource, "Context"], None]


@dataclass(frozen=True)
class Rule:
    types: tuple[str, ...]
    collection: str  # workload collection, "workload", or "context"
    facts: tuple[tuple[str, str], ...]  # (fact key, where it is read from)
    handler: Handler
    order: int = 5  # lower runs first (endpoints before their configurations)


class Context:
    """What handlers share: the builder and every resource read, by address."""

    def __init__(self, builder: Builder, resources: list[Resource]) -> None:
        self.b = builder
        self.resources = resources
        self.by_address: dict[tuple[str, str], Resource] = {}
        for r in resources:
            self.by_address[(r.file, r.address)] = r
            self.by_address.setdefault((r.file, r.name), r)
            for alias in r.ref_names:
                self.by_address.setdefault((r.file, alias), r)
        self.by_name: dict[tuple[str, str], list[Resource]] = {}
        for r in resources:  # deployed names: plans and templates that refer by name
            for key in ("name", "Name", "EndpointConfigName", "ModelName", "bucket"):
                value = r.props.get(key)
                if isinstance(value, str) and value:
                    self.by_name.setdefault((r.file, value), []).append(r)
        self.consumed: set[int] = set()  # ids of resources read through another one
        self.names: dict[tuple[str, str], Component] = {}  # (collection, deployed name)

    def target(self, res: Resource, value: Any, hint: str | None = None
               ) -> Resource | None:
        """The resource ``value`` refers to: a reference, or a deployed name of a
        resource of the same source whose type contains ``hint``."""
        if isinstance(value, Link):
            return self.by_address.get((res.file, value.address)) or self.by_address.get(
                (res.file, "Resources." + value.address))
        if isinstance(value, str) and hint:
            found = [r for r in self.by_name.get((res.file, value), ())
                     if hint in r.type.lower().replace("_", "")]
            return found[0] if len(found) == 1 else None
        return None

    def name(self, comp: Component, value: Any) -> None:
        key = name_key(value)
        if key is not None:
            self.names.setdefault((comp.collection, key), comp)

    def named(self, collection: str, value: Any) -> Component | None:
        key = name_key(value)
        return self.names.get((collection, key)) if key is not None else None

    def context(self, res: Resource, note: str) -> None:
        self.b.context.append((res, note))


# ---------------------------------------------------------------- shared readers

def _key_facts(comp: Component, res: Resource, ctx: Context, key: Any, *props: str,
               prefix: str = "encryption") -> None:
    """Encryption at rest with a named key: which key, and who manages it."""
    if key is None:
        return
    comp.set(f"{prefix}.at_rest", True, res, *props)
    if isinstance(key, Unknown):
        comp.set(f"{prefix}.kms_key", key, res, *props)
        return
    target = ctx.target(res, key)
    if target is not None:
        comp.set(f"{prefix}.key_type", "customer-managed", res, *props)
        comp.set(f"{prefix}.kms_key", target.address, res, *props)
        return
    text = as_text(key)
    if isinstance(text, str):
        comp.set(f"{prefix}.kms_key", text, res, *props)
        comp.set(f"{prefix}.key_type", "aws-managed" if "alias/aws/" in text
                 else "customer-managed", res, *props)


def _network(comp: Component, res: Resource, vpc: Any, isolation: Any, *props: str
             ) -> None:
    if vpc is not None:
        subnets = vpc.get("Subnets") or vpc.get("subnets") if isinstance(vpc, dict) else None
        comp.set("network.vpc", True if not isinstance(vpc, Unknown) else vpc, res, *props)
        if isinstance(subnets, list):
            comp.set("network.subnets", [str(s) for s in subnets
                                         if isinstance(s, str | int)] or None, res, *props)
    iso = as_bool(isolation)
    comp.set("network.network_isolation", iso, res, *props)


def _each(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


_SCHEDULES = (
    (re.compile(r"^rate\(\s*1\s+hours?\s*\)$", re.I), "hourly"),
    (re.compile(r"^rate\(\s*1\s+days?\s*\)$", re.I), "daily"),
    (re.compile(r"^rate\(\s*7\s+days?\s*\)$", re.I), "weekly"),
    (re.compile(r"^cron\(\s*\S+\s+\*\s+\S+\s+\*\s+\S+(\s+\S+)?\s*\)$", re.I), "hourly"),
    (re.compile(r"^cron\(\s*\S+\s+[0-9]+\s+[?*]\s+\*\s+[?*](\s+\S+)?\s*\)$", re.I), "daily"),
    (re.compile(r"^cron\(\s*\S+\s+[0-9]+\s+[?*]\s+\*\s+[A-Za-z0-9]+(\s+\S+)?\s*\)$", re.I),
     "weekly"),
    (re.compile(r"^now$", re.I), "on-demand"),
)


def schedule_of(expr: Any) -> Any:
    if not isinstance(expr, str):
        return expr if isinstance(expr, Unknown) else None
    for pattern, cadence in _SCHEDULES:
        if pattern.match(expr.strip()):
            return cadence
    return None


def _statements(doc: Any) -> list[dict[str, Any]]:
    if isinstance(doc, str):
        try:
            doc = json.loads(doc)
        except ValueError:
            return []
    if not isinstance(doc, dict):
        return []
    return [s for s in _each(doc.get("Statement")) if isinstance(s, dict)]


def _permission(stmt: dict[str, Any]) -> dict[str, Any] | None:
    def texts(value: Any) -> list[str]:
        return [v for v in _each(value) if isinstance(v, str)]

    out: dict[str, Any] = {}
    sid = stmt.get("Sid")
    if isinstance(sid, str) and re.match(r"^[A-Za-z0-9][A-Za-z0-9._:@+-]*$", sid):
        out["sid"] = sid
    effect = stmt.get("Effect")
    if isinstance(effect, str):
        out["effect"] = effect.lower() if effect.lower() in ("allow", "deny") else "allow"
    actions = texts(stmt.get("Action")) or [f"NOT {a}" for a in texts(stmt.get("NotAction"))]
    if actions:
        out["actions"] = actions
    resources = texts(stmt.get("Resource"))
    if "NotResource" in stmt:
        resources = resources or ["*"]
    if resources:
        out["resources"] = resources
    if stmt.get("Condition"):
        out["conditions"] = True
    return out or None


# ---------------------------------------------------------------- SageMaker hosting

def _variants(value: Any) -> list[dict[str, Any]]:
    return [v for v in _each(value) if isinstance(v, dict)]


def _config_facts(comp: Component, cfg: Resource, ctx: Context) -> None:
    variants = _variants(cfg.get("ProductionVariants", "production_variants"))
    shadows = _variants(cfg.get("ShadowProductionVariants", "shadow_production_variants"))
    vprop = ("ProductionVariants", "production_variants")
    etype = None
    if any(v.get("ServerlessConfig") or v.get("serverless_config") for v in variants):
        etype = "serverless"
    if cfg.get("AsyncInferenceConfig", "async_inference_config") is not None:
        etype = "asynchronous"
    items: list[dict[str, Any]] = []
    total = 0
    for v in variants + [dict(s, _shadow=True) for s in shadows]:
        name = as_text(v.get("VariantName") or v.get("variant_name"))
        item: dict[str, Any] = {"name": name if isinstance(name, str) and name else
                                f"variant-{len(items) + 1}"}
        itype = as_text(v.get("InstanceType") or v.get("instance_type"))
        count = as_int(v.get("InitialInstanceCount") or v.get("initial_instance_count"))
        weight = as_number(v.get("InitialVariantWeight") or v.get("initial_variant_weight"))
        for key, val in (("instance_type", itype), ("instances", count), ("weight", weight)):
            if val is not None and not isinstance(val, Unknown):
                item[key] = val
            elif isinstance(val, Unknown):
                comp.set(f"variants.{item['name']}.{key}", val, cfg, *vprop)
        if v.get("_shadow"):
            item["shadow"] = True
        items.append(item)
        if isinstance(count, int):
            total += count
        model = ctx.target(cfg, v.get("ModelName") or v.get("model_name"), "model")
        if model is not None:
            _model_facts(comp, model, ctx)
    if items:
        comp.set("variants", items, cfg, *vprop)
        first = variants[0] if variants else {}
        comp.set("instance_type", as_text(first.get("InstanceType") or
                                          first.get("instance_type")), cfg,
                 "ProductionVariants.InstanceType", "production_variants.instance_type")
        count0 = as_int(first.get("InitialInstanceCount") or
                        first.get("initial_instance_count"))
        comp.set("instances", total if isinstance(count0, int) and total else count0, cfg,
                 "ProductionVariants.InitialInstanceCount",
                 "production_variants.initial_instance_count")
    if etype:
        comp.set("type", etype, cfg, "AsyncInferenceConfig", "async_inference_config",
                 "ProductionVariants.ServerlessConfig", "production_variants.serverless_config")
    cap = cfg.get("DataCaptureConfig", "data_capture_config")
    if isinstance(cap, list) and cap:
        cap = cap[0]  # a Terraform block
    if isinstance(cap, Unknown):
        comp.set("data_capture.enabled", cap, cfg, "DataCaptureConfig")
    elif isinstance(cap, dict):
        enabled = as_bool(cap.get("EnableCapture", cap.get("enable_capture", True)))
        comp.set("data_capture.enabled", enabled, cfg, "DataCaptureConfig.EnableCapture",
                 "data_capture_config.enable_capture", "DataCaptureConfig")
        pct = as_number(cap.get("InitialSamplingPercentage",
                                cap.get("initial_sampling_percentage")))
        comp.set("data_capture.sampling_percent", pct, cfg,
                 "DataCaptureConfig.InitialSamplingPercentage",
                 "data_capture_config.initial_sampling_percentage")
        dest = cap.get("DestinationS3Uri", cap.get("destination_s3_uri"))
        comp.ref("data_capture.destination", dest, ("data_stores",), cfg,
                 "DataCaptureConfig.DestinationS3Uri")
    elif variants:
        comp.set("data_capture.enabled", False, cfg, *vprop)
    key = cfg.get("KmsKeyId", "kms_key_arn")
    _key_facts(comp, cfg, ctx, key, "KmsKeyId", "kms_key_arn")
    ctx.consumed.add(id(cfg))


def _model_facts(comp: Component, model: Resource, ctx: Context) -> None:
    containers = _variants(model.get("Containers", "container")) or _variants(
        model.get("PrimaryContainer", "primary_container"))
    if any(str(c.get("Mode") or c.get("mode") or "").lower() == "multimodel"
           for c in containers):
        comp.set("type", "multi-model", model, "Containers.Mode", "container.mode",
                 "PrimaryContainer.Mode", "primary_container.mode")
    role = model.get("ExecutionRoleArn", "execution_role_arn")
    comp.ref("role", role, ("iam_roles",), model, "ExecutionRoleArn", "execution_role_arn")
    _network(comp, model, model.get("VpcConfig", "vpc_config"),
             model.get("EnableNetworkIsolation", "enable_network_isolation"),
             "VpcConfig", "vpc_config", "EnableNetworkIsolation", "enable_network_isolation")
    ctx.consumed.add(id(model))


_STRATEGY = {"CANARY": "canary", "LINEAR": "linear", "ALL_AT_ONCE": "blue-green"}


def endpoint(res: Resource, ctx: Context) -> None:
    comp = ctx.b.component("endpoints", res)
    comp.set("type", "real-time", res)
    ctx.name(comp, res.get("EndpointName", "name"))
    cfg = ctx.target(res, res.get("EndpointConfigName", "endpoint_config_name"),
                     "endpointconfig")
    if cfg is not None:
        _config_facts(comp, cfg, ctx)
    deploy = res.get("DeploymentConfig", "deployment_config")
    if isinstance(deploy, Unknown):
        comp.set("deployment.strategy", deploy, res, "DeploymentConfig")
        return
    if not isinstance(deploy, dict | list):
        return
    kind = res.get("DeploymentConfig.BlueGreenUpdatePolicy.TrafficRoutingConfiguration.Type",
                   "deployment_config.blue_green_update_policy.traffic_routing_configuration"
                   ".type")
    if isinstance(kind, str):
        comp.set("deployment.strategy", _STRATEGY.get(kind.upper()), res,
                 "DeploymentConfig.BlueGreenUpdatePolicy.TrafficRoutingConfiguration.Type",
                 "deployment_config.blue_green_update_policy")
    elif res.get("DeploymentConfig.RollingUpdatePolicy",
                 "deployment_config.rolling_update_policy") is not None:
        comp.set("deployment.strategy", "rolling", res, "DeploymentConfig.RollingUpdatePolicy",
                 "deployment_config.rolling_update_policy")
    alarms = res.get("DeploymentConfig.AutoRollbackConfiguration.Alarms",
                     "deployment_config.auto_rollback_configuration.alarms")
    if alarms:
        comp.set("deployment.auto_rollback", True, res,
                 "DeploymentConfig.AutoRollbackConfiguration",
                 "deployment_config.auto_rollback_configuration")
        names = [a.get("AlarmName") or a.get("alarm_name") for a in _variants(alarms)]
        comp.data.setdefault("_rollback_alarm_names", []).extend(
            n for n in names if name_key(n) is not None)


def endpoint_config(res: Resource, ctx: Context) -> None:
    if id(res) in ctx.consumed:
        return
    comp = ctx.b.component("endpoints", res)
    comp.set("type", "real-time", res)
    _config_facts(comp, res, ctx)


def model(res: Resource, ctx: Context) -> None:
    if id(res) not in ctx.consumed:
        ctx.context(res, "a model definition not served by any endpoint in the import")


def autoscaling_target(res: Resource, ctx: Context) -> None:
    ns = as_text(res.get("ServiceNamespace", "service_namespace"))
    if isinstance(ns, str) and ns != "sagemaker":
        ctx.b.unmapped.append(res)
        return
    comp = _scaled_endpoint(res, ctx, res.get("ResourceId", "resource_id"))
    if comp is None:
        ctx.context(res, "scales an endpoint the import does not describe")
        return
    comp.set("autoscaling.enabled", True, res)
    comp.set("autoscaling.min", as_int(res.get("MinCapacity", "min_capacity")), res,
             "MinCapacity", "min_capacity")
    comp.set("autoscaling.max", as_int(res.get("MaxCapacity", "max_capacity")), res,
             "MaxCapacity", "max_capacity")


def autoscaling_policy(res: Resource, ctx: Context) -> None:
    target = ctx.target(res, res.get("ScalingTargetId"))
    rid = target.get("ResourceId", "resource_id") if target else res.get(
        "ResourceId", "resource_id")
    ns = as_text(res.get("ServiceNamespace", "service_namespace") or (
        target.get("ServiceNamespace", "service_namespace") if target else None))
    if isinstance(ns, str) and ns != "sagemaker":
        ctx.b.unmapped.append(res)
        return
    comp = _scaled_endpoint(res, ctx, rid)
    if comp is None:
        ctx.context(res, "a scaling policy for an endpoint the import does not describe")
        return
    conf = "TargetTrackingScalingPolicyConfiguration"
    tfc = "target_tracking_scaling_policy_configuration"
    comp.set("autoscaling.enabled", True, res)
    comp.set("autoscaling.target", as_number(res.get(f"{conf}.TargetValue",
                                                     f"{tfc}.target_value")),
             res, f"{conf}.TargetValue", f"{tfc}.target_value")
    metric = res.get(f"{conf}.PredefinedMetricSpecification.PredefinedMetricType",
                     f"{tfc}.predefined_metric_specification.predefined_metric_type",
                     f"{conf}.CustomizedMetricSpecification.MetricName",
                     f"{tfc}.customized_metric_specification.metric_name")
    comp.set("autoscaling.metric", as_text(metric), res, f"{conf}", tfc)


def _scaled_endpoint(res: Resource, ctx: Context, rid: Any) -> Component | None:
    endpoints = ctx.b.of_collection("endpoints")
    text = rid if isinstance(rid, str) else rid.reason if isinstance(rid, Unknown) else ""
    for comp in endpoints:
        if comp.resource.name and re.search(rf"\b{re.escape(comp.resource.name)}\b", text):
            return comp
    for (coll, deployed), comp in ctx.names.items():
        if coll == "endpoints" and f"endpoint/{deployed}/" in text:
            return comp
    return endpoints[0] if len(endpoints) == 1 else None


# ---------------------------------------------------------------- monitoring

_MONITOR_TYPES = {"dataquality": "data-quality", "modelquality": "model-quality",
                  "modelbias": "bias-drift", "modelexplainability": "feature-attribution-drift"}


def _monitor_type(res_type: str, declared: Any) -> str | None:
    if isinstance(declared, str):
        return _MONITOR_TYPES.get(declared.replace("_", "").lower())
    low = res_type.replace("_", "").lower()
    for key, value in _MONITOR_TYPES.items():
        if key in low:
            return value
    return None


def monitoring_schedule(res: Resource, ctx: Context) -> None:
    comp = ctx.b.component("monitors", res)
    cfg = "MonitoringScheduleConfig"
    tcf = "monitoring_schedule_config"
    job = ctx.target(res, res.get(f"{cfg}.MonitoringJobDefinitionName",
                                  f"{tcf}.monitoring_job_definition_name"))
    declared = res.get(f"{cfg}.MonitoringType", f"{tcf}.monitoring_type")
    comp.set("type", _monitor_type(job.type if job else "", declared) if not isinstance(
        declared, Unknown) else declared, res, f"{cfg}.MonitoringType", f"{tcf}.monitoring_type")
    comp.set("schedule", schedule_of(res.get(f"{cfg}.ScheduleConfig.ScheduleExpression",
                                             f"{tcf}.schedule_config.schedule_expression")),
             res, f"{cfg}.ScheduleConfig", f"{tcf}.schedule_config")
    inline = res.get(f"{cfg}.MonitoringJobDefinition")
    if job is not None:
        _monitor_job_facts(comp, job, ctx)
    elif isinstance(inline, dict):
        comp.set("baseline", inline.get("BaselineConfig") is not None or None, res,
                 f"{cfg}.MonitoringJobDefinition.BaselineConfig")
    target = res.get("EndpointName")
    comp.ref("target", target, ("endpoints",), res, "EndpointName")
    comp.data.setdefault("_target_name", target)


def _monitor_job_facts(comp: Component, job: Resource, ctx: Context) -> None:
    ctx.consumed.add(id(job))
    baseline = next((k for k in job.props if "baseline" in k.lower()), None)
    if baseline:
        comp.set("baseline", True, job, baseline)
    ep = None
    for k, v in job.props.items():
        if k.lower().endswith("jobinput") or k.lower().endswith("job_input"):
            inner = v[0] if isinstance(v, list) and v else v
            if isinstance(inner, dict):
                e = inner.get("EndpointInput") or inner.get("endpoint_input")
                e = e[0] if isinstance(e, list) and e else e
                if isinstance(e, dict):
                    ep = e.get("EndpointName") or e.get("endpoint_name")
    if ep is not None:
        comp.ref("target", ep, ("endpoints",), job)
        comp.data.setdefault("_target_name", ep)
    if comp.data.get("type") is None:
        comp.set("type", _monitor_type(job.type, None), job)
    if any("groundtruth" in k.replace("_", "").lower() for k in _flat_keys(job.props)):
        comp.set("ground_truth", True, job)
    _network(comp, job, job.get("NetworkConfig.VpcConfig", "network_config.vpc_config"),
             job.get("NetworkConfig.EnableNetworkIsolation",
                     "network_config.enable_network_isolation"), "NetworkConfig",
             "network_config")


def _flat_keys(data: Any) -> list[str]:
    out: list[str] = []
    stack = [data]
    while stack:
        cur = stack.pop()
        if isinstance(cur, dict):
            out.extend(cur.keys())
            stack.extend(cur.values())
        elif isinstance(cur, list):
            stack.extend(cur)
    return out


def monitoring_job(res: Resource, ctx: Context) -> None:
    if id(res) in ctx.consumed:
        return
    comp = ctx.b.component("monitors", res)
    _monitor_job_facts(comp, res, ctx)


def alarm(res: Resource, ctx: Context) -> None:
    comp = ctx.b.component("alarms", res)
    ctx.name(comp, res.get("AlarmName", "alarm_name"))
    comp.set("metric", as_text(res.get("MetricName", "metric_name")), res, "MetricName",
             "metric_name")
    comp.set("threshold", as_number(res.get("Threshold", "threshold")), res, "Threshold",
             "threshold")
    enabled = as_bool(res.get("ActionsEnabled", "actions_enabled"))
    actions = res.get("AlarmActions", "alarm_actions")
    if enabled is not False and actions:
        comp.set("actions", ["notify"], res, "AlarmActions", "alarm_actions")
    dims = res.get("Dimensions", "dimensions")
    endpoint_name = None
    if isinstance(dims, list):
        for d in dims:
            if isinstance(d, dict) and d.get("Name") == "EndpointName":
                endpoint_name = d.get("Value")
    elif isinstance(dims, dict):
        endpoint_name = dims.get("EndpointName")
    if endpoint_name is not None:
        comp.data["_watches_endpoint"] = endpoint_name
        comp.data["_watches_where"] = res.where("Dimensions", "dimensions")


# ---------------------------------------------------------------- ML building blocks

def model_package_group(res: Resource, ctx: Context) -> None:
    comp = ctx.b.component("model_registries", res)
    comp.set("type", "sagemaker-model-registry", res)
    ctx.name(comp, res.get("ModelPackageGroupName", "model_package_group_name"))
    policy = res.get("ModelPackageGroupPolicy", "resource_policy")
    if policy:
        comp.set("cross_account", True, res, "ModelPackageGroupPolicy")


def model_package(res: Resource, ctx: Context) -> None:
    group = res.get("ModelPackageGroupName")
    status = as_text(res.get("ModelApprovalStatus"))
    target = ctx.target(res, group)
    comp = ctx.b.by_address.get(target.file + "#" + target.address) if target else None
    if comp is None:
        comp = ctx.named("model_registries", group)
    if comp is None:
        ctx.context(res, "a model package in a group the import does not describe")
        return
    if status == "PendingManualApproval":
        comp.set("approval_required", True, res, "ModelApprovalStatus")


def feature_group(res: Resource, ctx: Context) -> None:
    comp = ctx.b.component("feature_stores", res)
    comp.set("type", "sagemaker-feature-store", res)
    online = as_bool(res.get("OnlineStoreConfig.EnableOnlineStore",
                             "online_store_config.enable_online_store"))
    offline = res.get("OfflineStoreConfig", "offline_store_config") is not None
    comp.set("online", online, res, "OnlineStoreConfig", "online_store_config")
    comp.set("offline", offline, res, "OfflineStoreConfig", "offline_store_config")
    name = as_text(res.get("FeatureGroupName", "feature_group_name"))
    group: dict[str, Any] = {"name": name if isinstance(name, str) else comp.name}
    rid = as_text(res.get("RecordIdentifierFeatureName", "record_identifier_feature_name"))
    if isinstance(rid, str):
        group["record_identifier"] = rid
    if isinstance(online, bool):
        group["online"] = online
    group["offline"] = offline
    comp.set("feature_groups", [group], res)
    key = res.get("OfflineStoreConfig.S3StorageConfig.KmsKeyId",
                  "offline_store_config.s3_storage_config.kms_key_id",
                  "OnlineStoreConfig.SecurityConfig.KmsKeyId",
                  "online_store_config.security_config.kms_key_id")
    _key_facts(comp, res, ctx, key, "OfflineStoreConfig", "OnlineStoreConfig",
               "offline_store_config", "online_store_config")


def notebook_instance(res: Resource, ctx: Context) -> None:
    comp = ctx.b.component("notebooks", res)
    comp.set("type", "notebook-instance", res)
    comp.set("instance_type", as_text(res.get("InstanceType", "instance_type")), res,
             "InstanceType", "instance_type")
    # The service's defaults when the property is left out: both Enabled.
    root = res.get("RootAccess", "root_access")
    comp.set("root_access", True if root is None else as_bool(root), res, "RootAccess",
             "root_access")
    direct = res.get("DirectInternetAccess", "direct_internet_access")
    comp.set("direct_internet_access", True if direct is None else as_bool(direct), res,
             "DirectInternetAccess", "direct_internet_access")
    subnet = res.get("SubnetId", "subnet_id")
    if subnet is not None:
        comp.set("network.vpc", True if not isinstance(subnet, Unknown) else subnet, res,
                 "SubnetId", "subnet_id")
    _key_facts(comp, res, ctx, res.get("KmsKeyId", "kms_key_id"), "KmsKeyId", "kms_key_id")
    comp.ref("role", res.get("RoleArn", "role_arn"), ("iam_roles",), res, "RoleArn",
             "role_arn")
    comp.set("lifecycle_config", True if res.get("LifecycleConfigName",
                                                 "lifecycle_config_name") else None, res,
             "LifecycleConfigName", "lifecycle_config_name")


def studio_domain(res: Resource, ctx: Context) -> None:
    comp = ctx.b.component("notebooks", res)
    comp.set("type", "sagemaker-studio", res)
    access = as_text(res.get("AppNetworkAccessType", "app_network_access_type"))
    if access is None:
        access = "PublicInternetOnly"  # the service's default
    if isinstance(access, str):
        comp.set("direct_internet_access", access != "VpcOnly", res, "AppNetworkAccessType",
                 "app_network_access_type")
        comp.set("network.vpc", access == "VpcOnly" or None, res, "AppNetworkAccessType",
                 "app_network_access_type")
    else:
        comp.set("direct_internet_access", access, res, "AppNetworkAccessType")
    _key_facts(comp, res, ctx, res.get("KmsKeyId", "kms_key_id"), "KmsKeyId", "kms_key_id")
    comp.ref("role", res.get("DefaultUserSettings.ExecutionRole",
                             "default_user_settings.execution_role"), ("iam_roles",), res,
             "DefaultUserSettings.ExecutionRole", "default_user_settings.execution_role")


# ---------------------------------------------------------------- S3

def bucket(res: Resource, ctx: Context) -> None:
    comp = ctx.b.component("data_stores", res)
    comp.set("type", "s3", res)
    ctx.name(comp, res.get("BucketName", "bucket"))
    name = as_text(res.get("BucketName", "bucket"))
    comp.set("location", f"s3://{name}" if isinstance(name, str) else None, res,
             "BucketName", "bucket")
    enc = res.get("BucketEncryption.ServerSideEncryptionConfiguration",
                  "server_side_encryption_configuration.rule")
    _bucket_encryption(comp, res, ctx, enc)
    status = res.get("VersioningConfiguration.Status", "versioning.enabled")
    if status is not None:
        comp.set("versioning", status is True or str(status) == "Enabled" if not isinstance(
            status, Unknown) else status, res, "VersioningConfiguration", "versioning")
    pab = res.get("PublicAccessBlockConfiguration")
    if pab is not None:
        _public_access(comp, res, pab, "PublicAccessBlockConfiguration")
    if res.get("LoggingConfiguration", "logging") is not None:
        comp.set("access.access_logging", True, res, "LoggingConfiguration", "logging")
    rules = res.get("LifecycleConfiguration.Rules", "lifecycle_rule")
    if rules:
        comp.set("retention.lifecycle_policy", True, res, "LifecycleConfiguration",
                 "lifecycle_rule")
    if res.get("ReplicationConfiguration", "replication_configuration") is not None:
        comp.set("replicated", True, res, "ReplicationConfiguration",
                 "replication_configuration")


def _bucket_encryption(comp: Component, res: Resource, ctx: Context, enc: Any) -> None:
    for rule in _each(enc):
        if not isinstance(rule, dict):
            continue
        inner = rule.get("rule", rule)
        inner = inner[0] if isinstance(inner, list) and inner else inner
        by_default = (inner.get("ServerSideEncryptionByDefault")
                      or inner.get("apply_server_side_encryption_by_default"))
        by_default = by_default[0] if isinstance(by_default, list) and by_default else \
            by_default
        if not isinstance(by_default, dict):
            continue
        algo = as_text(by_default.get("SSEAlgorithm") or by_default.get("sse_algorithm"))
        key = by_default.get("KMSMasterKeyID") or by_default.get("kms_master_key_id")
        props = ("BucketEncryption", "server_side_encryption_configuration", "rule")
        comp.set("encryption.at_rest", True, res, *props)
        if key is not None:
            _key_facts(comp, res, ctx, key, *props)
        elif isinstance(algo, str):
            comp.set("encryption.key_type", "aws-managed" if "kms" in algo else "aws-owned",
                     res, *props)


def _public_access(comp: Component, res: Resource, pab: Any, *props: str) -> None:
    if isinstance(pab, list) and pab:
        pab = pab[0]
    if isinstance(pab, Unknown):
        comp.set("access.public_access_blocked", pab, res, *props)
        return
    if not isinstance(pab, dict):
        return
    keys = ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls",
            "RestrictPublicBuckets")
    tkeys = ("block_public_acls", "block_public_policy", "ignore_public_acls",
             "restrict_public_buckets")
    values = [as_bool(pab.get(k, pab.get(t))) for k, t in zip(keys, tkeys, strict=True)]
    unknown = next((v for v in values if isinstance(v, Unknown)), None)
    comp.set("access.public_access_blocked", unknown or all(v is True for v in values), res,
             *props)


def _bucket_of(res: Resource, ctx: Context, prop: str = "bucket") -> Component | None:
    value = res.get(prop, "Bucket")
    target = ctx.target(res, value)
    if target is not None:
        found = ctx.b.by_address.get(target.file + "#" + target.address)
        if found is not None:
            return found
    return ctx.named("data_stores", value)


def bucket_part(res: Resource, ctx: Context) -> None:
    """Terraform's separate bucket settings resources (AWS provider 4 and later)."""
    comp = _bucket_of(res, ctx)
    if comp is None:
        ctx.context(res, "settings of a bucket the import does not describe")
        return
    kind = res.type
    if kind.endswith("server_side_encryption_configuration"):
        _bucket_encryption(comp, res, ctx, [res.props])
    elif kind.endswith("_versioning"):
        status = res.get("versioning_configuration.status")
        comp.set("versioning", status == "Enabled" if isinstance(status, str) else
                 status if isinstance(status, Unknown) else None, res,
                 "versioning_configuration")
    elif kind.endswith("public_access_block"):
        _public_access(comp, res, res.props, "block_public_acls")
    elif kind.endswith("_logging"):
        comp.set("access.access_logging", True, res)
    elif kind.endswith("lifecycle_configuration"):
        comp.set("retention.lifecycle_policy", True, res, "rule")
    elif kind.endswith("replication_configuration"):
        comp.set("replicated", True, res)
    elif kind.endswith("bucket_policy") or kind == "AWS::S3::BucketPolicy":
        for stmt in _statements(res.get("PolicyDocument", "policy")):
            cond = json.dumps(stmt.get("Condition", {}), default=str)
            if str(stmt.get("Effect")).lower() == "deny" and "aws:SecureTransport" in cond:
                comp.set("encryption.in_transit", True, res, "PolicyDocument", "policy")


# ---------------------------------------------------------------- IAM

_SERVICE_ROLE = {"sagemaker": "sagemaker", "lambda": "lambda", "codepipeline": "pipeline",
                 "codebuild": "pipeline", "states": "pipeline", "events": "service",
                 "bedrock": "service"}


def iam_role(res: Resource, ctx: Context) -> None:
    comp = ctx.b.component("iam_roles", res)
    trust = res.get("AssumeRolePolicyDocument", "assume_role_policy")
    services: list[str] = []
    people = False
    for stmt in _statements(trust):
        principal = stmt.get("Principal")
        if isinstance(principal, dict):
            services += [str(s).split(".")[0] for s in _each(principal.get("Service"))]
            people = people or bool(principal.get("AWS") or principal.get("Federated"))
    if services:
        kinds = {_SERVICE_ROLE.get(s, "service") for s in services}
        comp.set("assumed_by", sorted(kinds)[0] if len(kinds) == 1 else (
            "sagemaker" if "sagemaker" in kinds else "service"), res,
            "AssumeRolePolicyDocument", "assume_role_policy")
    elif people:
        comp.set("assumed_by", "people", res, "AssumeRolePolicyDocument",
                 "assume_role_policy")
    elif isinstance(trust, Unknown):
        comp.set("assumed_by", trust, res, "AssumeRolePolicyDocument", "assume_role_policy")
    for pol in _each(res.get("Policies", "inline_policy")):
        if isinstance(pol, dict):
            _add_statements(comp, res, pol.get("PolicyDocument") or pol.get("policy"),
                            "Policies", "inline_policy")
    managed = [a for a in _each(res.get("ManagedPolicyArns", "managed_policy_arns"))]
    names = [str(a).rsplit("/", 1)[-1] for a in managed if isinstance(a, str)]
    if names:
        comp.set("managed_policies", names, res, "ManagedPolicyArns", "managed_policy_arns")
    if any(isinstance(a, Unknown) for a in managed):
        comp.set("managed_policies", next(a for a in managed if isinstance(a, Unknown)), res)
    if res.get("PermissionsBoundary", "permissions_boundary") is not None:
        comp.set("permission_boundary", True, res, "PermissionsBoundary",
                 "permissions_boundary")


def _add_statements(comp: Component, res: Resource, doc: Any, *props: str) -> None:
    if isinstance(doc, Unknown):
        comp.set("permissions", doc, res, *props)
        return
    perms = [p for p in (_permission(s) for s in _statements(doc)) if p]
    if perms:
        comp.set("permissions", perms, res, *props)


def iam_policy(res: Resource, ctx: Context) -> None:
    roles = _each(res.get("Roles", "role", "roles"))
    doc = res.get("PolicyDocument", "policy")
    arn = res.get("policy_arn")
    done = False
    for role in roles:
        target = ctx.target(res, role)
        comp = ctx.b.by_address.get(target.file + "#" + target.address) if target else None
        if comp is None:
            continue
        done = True
        if arn is not None:
            if isinstance(arn, str):
                comp.set("managed_policies", [arn.rsplit("/", 1)[-1]], res, "policy_arn")
            else:
                target_pol = ctx.target(res, arn)
                if target_pol is not None:
                    _add_statements(comp, res, target_pol.get("PolicyDocument", "policy"),
                                    "policy_arn")
        else:
            _add_statements(comp, res, doc, "PolicyDocument", "policy")
    if not done:
        ctx.context(res, "a policy on roles the import does not describe" if roles else
                    "a policy not attached to a role in the import")


# ---------------------------------------------------------------- context only

def kms_key(res: Resource, ctx: Context) -> None:
    rotation = as_bool(res.get("EnableKeyRotation", "enable_key_rotation"))
    ctx.context(res, "customer-managed KMS key" + (
        ", rotation on" if rotation is True else ", rotation off" if rotation is False
        else "") + "; components that name it get encryption.key_type customer-managed")


def vpc_endpoint(res: Resource, ctx: Context) -> None:
    service = as_text(res.get("ServiceName", "service_name"))
    ctx.context(res, "VPC endpoint (PrivateLink)" + (
        f" to {service}" if isinstance(service, str) else ""))


def eks_cluster(res: Resource, ctx: Context) -> None:
    enc = res.get("EncryptionConfig", "encryption_config")
    public = as_bool(res.get("ResourcesVpcConfig.EndpointPublicAccess",
                             "vpc_config.endpoint_public_access"))
    ctx.context(res, "EKS cluster" + (", secrets encrypted with KMS" if enc else "") + (
        ", public API endpoint" if public is not False else ", private API endpoint"))


def ignored(res: Resource, ctx: Context) -> None:
    ctx.b.ignored.append((res, "tool metadata, no facts"))


# ---------------------------------------------------------------- Bedrock

def bedrock_guardrail(res: Resource, ctx: Context) -> None:
    targets = [c for c in ctx.b.of_collection("endpoints")
               if str(c.data.get("type", "")).startswith("bedrock")]
    if not targets:
        ctx.context(res, "a Bedrock guardrail; no Bedrock endpoint in the import to "
                         "attach it to (declare the endpoint in the overlay)")
        return
    content = res.get("ContentPolicyConfig", "content_policy_config")
    filters = res.get("ContentPolicyConfig.FiltersConfig", "content_policy_config.filters_config")
    pii = res.get("SensitiveInformationPolicyConfig", "sensitive_information_policy_config")
    grounding = res.get("ContextualGroundingPolicyConfig",
                        "contextual_grounding_policy_config")
    prompt = any(str(f.get("Type") or f.get("type")).upper() == "PROMPT_ATTACK"
                 for f in _variants(filters))
    for comp in targets:
        comp.set("guardrails.enabled", True, res)
        comp.set("guardrails.content_filters", True if content else None, res,
                 "ContentPolicyConfig", "content_policy_config")
        comp.set("guardrails.pii_redaction", True if pii else None, res,
                 "SensitiveInformationPolicyConfig", "sensitive_information_policy_config")
        comp.set("guardrails.prompt_attack_filter", True if prompt else None, res,
                 "ContentPolicyConfig.FiltersConfig", "content_policy_config.filters_config")
        comp.set("guardrails.grounding_check", True if grounding else None, res,
                 "ContextualGroundingPolicyConfig", "contextual_grounding_policy_config")


def bedrock_provisioned(res: Resource, ctx: Context) -> None:
    comp = ctx.b.component("endpoints", res)
    comp.set("type", "bedrock-provisioned", res)
    comp.set("generative", True, res)
    comp.set("foundation_model", as_text(res.get("ModelId", "model_arn")), res, "ModelId",
             "model_arn")


_CUSTOMIZATION = {"CONTINUED_PRE_TRAINING": "continued-pretraining",
                  "DISTILLATION": "distillation"}


def bedrock_custom_model(res: Resource, ctx: Context) -> None:
    comp = ctx.b.component("training_jobs", res)
    comp.set("service", "bedrock-customization", res)
    comp.set("managed", True, res)
    comp.set("algorithm_source", "bedrock", res)
    comp.set("base_model.name", as_text(res.get("BaseModelIdentifier",
                                                "base_model_identifier")), res,
             "BaseModelIdentifier", "base_model_identifier")
    kind = as_text(res.get("CustomizationType", "customization_type"))
    comp.set("base_model.method", _CUSTOMIZATION.get(kind) if isinstance(kind, str) else kind,
             res, "CustomizationType", "customization_type")
    _key_facts(comp, res, ctx, res.get("ModelKmsKeyArn", "custom_model_kms_key_id"),
               "ModelKmsKeyArn", "custom_model_kms_key_id")
    comp.ref("role", res.get("RoleArn", "role_arn"), ("iam_roles",), res, "RoleArn",
             "role_arn")
    vpc = res.get("VpcConfig", "vpc_config")
    _network(comp, res, vpc, None, "VpcConfig", "vpc_config")


def bedrock_knowledge_base(res: Resource, ctx: Context) -> None:
    comp = ctx.b.component("data_stores", res)
    comp.set("type", "vector-database", res)
    comp.set("role", "embeddings", res)


def bedrock_invocation_logging(res: Resource, ctx: Context) -> None:
    cfg = res.get("LoggingConfig", "logging_config")
    if cfg:
        ctx.b.set_workload("monitoring.model_metrics_logged", True, res, "LoggingConfig",
                           "logging_config")
    else:
        ctx.context(res, "Bedrock invocation logging without a logging configuration")


# ---------------------------------------------------------------- pipelines

def pipeline(res: Resource, ctx: Context) -> None:
    """A SageMaker pipeline: the pipeline component; its steps are resources of their own
    (read by :mod:`engine.workload.iac.pipeline`), linked here."""
    comp = ctx.b.component("pipelines", res)
    comp.set("orchestrator", "sagemaker-pipelines", res)
    comp.set("type", ["ct"], res)
    comp.ref("role", res.get("RoleArn", "role_arn"), ("iam_roles",), res, "RoleArn",
             "role_arn")
    if res.get("PipelineDefinition.PipelineDefinitionS3Location") is not None:
        comp.set("stages", Unknown("a definition kept in S3 (PipelineDefinitionS3Location)"),
                 res)


_STAGE = {"Training": "train", "Tuning": "train", "RegisterModel": "register",
          "Condition": "evaluate", "ClarifyCheck": "bias-check", "QualityCheck":
          "data-validation", "Processing": "other", "Transform": "other",
          "CreateModel": "other", "Model": "other", "Fail": "other", "Lambda": "other",
          "EMR": "other", "Callback": "other", "AutoML": "train"}
_STEP_TESTS = {"Condition": "model-validation", "ClarifyCheck": "bias",
               "QualityCheck": "data-validation"}


def pipeline_step(res: Resource, ctx: Context) -> None:
    kind = res.type.split(":")[-1]
    owner = ctx.by_address.get((res.file, res.props.get("_pipeline", "")))
    pipe = ctx.b.by_address.get(owner.file + "#" + owner.address) if owner else None
    comp: Component | None = None
    if kind == "Training":
        comp = training_step(res, ctx)
    elif kind == "Processing":
        comp = processing_step(res, ctx)
    elif kind == "Tuning":
        comp = tuning_step(res, ctx)
    elif kind == "RegisterModel":
        comp = register_step(res, ctx)
    if pipe is None:
        if comp is None:
            ctx.context(res, f"a {kind} step outside any pipeline in the import")
        return
    stages = pipe.data.setdefault("stages", [])
    stage: dict[str, Any] = {"name": safe_name(res.name), "type": _STAGE.get(kind, "other")}
    if kind in ("Condition", "ClarifyCheck", "QualityCheck"):
        stage["blocking"] = True
    stages.append(stage)
    pipe.facts.setdefault("stages", f"{res.file}:{res.line}")
    if kind in _STEP_TESTS:
        pipe.set("tests", [_STEP_TESTS[kind]], res)
        if kind == "QualityCheck" and "model" in str(res.props.get("CheckType", "")).lower():
            pipe.set("tests", ["model-validation"], res)
    if comp is not None:
        key = {"training_jobs": "trains", "processing_jobs": "runs",
               "model_registries": "registers_to"}.get(comp.collection)
        if key == "registers_to":
            pipe.set(key, comp.name, res)
        elif key:
            pipe.set(key, [comp.name], res)
            comp.set("pipeline", pipe.name, res) if comp.collection == "processing_jobs" \
                else None


def training_step(res: Resource, ctx: Context) -> Component:
    comp = ctx.b.component("training_jobs", res)
    comp.set("service", "sagemaker-training", res)
    comp.set("managed", True, res)
    rc = "ResourceConfig"
    comp.set("compute.instance_type", as_text(res.get(f"{rc}.InstanceType")), res,
             f"{rc}.InstanceType")
    comp.set("compute.instance_count", as_int(res.get(f"{rc}.InstanceCount")), res,
             f"{rc}.InstanceCount")
    comp.set("compute.volume_size_gb", as_int(res.get(f"{rc}.VolumeSizeInGB")), res,
             f"{rc}.VolumeSizeInGB")
    spot = as_bool(res.get("EnableManagedSpotTraining"))
    comp.set("compute.spot", spot if spot is not None else False, res,
             "EnableManagedSpotTraining")
    wait = as_int(res.get("StoppingCondition.MaxWaitTimeInSeconds"))
    comp.set("compute.max_wait_minutes", wait // 60 if isinstance(wait, int) else wait, res,
             "StoppingCondition.MaxWaitTimeInSeconds")
    runtime = as_int(res.get("StoppingCondition.MaxRuntimeInSeconds"))
    comp.set("options.max_runtime_hours", max(1, runtime // 3600) if isinstance(
        runtime, int) else runtime, res, "StoppingCondition.MaxRuntimeInSeconds")
    ckpt = res.get("CheckpointConfig")
    comp.set("checkpoints.enabled", bool(ckpt), res, "CheckpointConfig")
    _network(comp, res, res.get("VpcConfig"), res.get("EnableNetworkIsolation"),
             "VpcConfig", "EnableNetworkIsolation")
    inter = as_bool(res.get("EnableInterContainerTrafficEncryption"))
    comp.set("encryption.inter_container", inter if inter is not None else False, res,
             "EnableInterContainerTrafficEncryption")
    _key_facts(comp, res, ctx, res.get("OutputDataConfig.KmsKeyId", f"{rc}.VolumeKmsKeyId"),
               "OutputDataConfig.KmsKeyId", f"{rc}.VolumeKmsKeyId")
    comp.set("image.uri", as_text(res.get("AlgorithmSpecification.TrainingImage")), res,
             "AlgorithmSpecification.TrainingImage")
    comp.set("options.debugger", True if res.get("DebugHookConfig") or res.get(
        "DebugRuleConfigurations") else None, res, "DebugHookConfig")
    comp.set("options.profiler", True if res.get("ProfilerConfig") and not as_bool(
        res.get("ProfilerConfig.DisableProfiler")) else None, res, "ProfilerConfig")
    return comp


def processing_step(res: Resource, ctx: Context) -> Component:
    comp = ctx.b.component("processing_jobs", res)
    comp.set("service", "sagemaker-processing", res)
    comp.set("managed", True, res)
    cc = "ProcessingResources.ClusterConfig"
    comp.set("compute.instance_type", as_text(res.get(f"{cc}.InstanceType")), res,
             f"{cc}.InstanceType")
    comp.set("compute.instance_count", as_int(res.get(f"{cc}.InstanceCount")), res,
             f"{cc}.InstanceCount")
    comp.set("compute.volume_size_gb", as_int(res.get(f"{cc}.VolumeSizeInGB")), res,
             f"{cc}.VolumeSizeInGB")
    _network(comp, res, res.get("NetworkConfig.VpcConfig"),
             res.get("NetworkConfig.EnableNetworkIsolation"), "NetworkConfig")
    inter = as_bool(res.get("NetworkConfig.EnableInterContainerTrafficEncryption"))
    comp.set("encryption.inter_container", inter, res,
             "NetworkConfig.EnableInterContainerTrafficEncryption")
    _key_facts(comp, res, ctx, res.get("ProcessingOutputConfig.KmsKeyId",
                                       f"{cc}.VolumeKmsKeyId"),
               "ProcessingOutputConfig.KmsKeyId", f"{cc}.VolumeKmsKeyId")
    comp.set("image.uri", as_text(res.get("AppSpecification.ImageUri")), res,
             "AppSpecification.ImageUri")
    kind = res.type.split(":")[-1]
    if res.props.get("_check") == "ClarifyCheck":
        comp.set("purpose", "bias-analysis", res)
    elif kind == "Processing" and res.props.get("_check") == "QualityCheck":
        comp.set("purpose", "validation", res)
    return comp


def tuning_step(res: Resource, ctx: Context) -> Component:
    comp = ctx.b.component("tuning_jobs", res)
    cfg = "HyperParameterTuningJobConfig"
    strategy = as_text(res.get(f"{cfg}.Strategy"))
    comp.set("strategy", strategy.lower() if isinstance(strategy, str) and strategy.lower()
             in ("bayesian", "random", "grid", "hyperband") else None, res,
             f"{cfg}.Strategy")
    comp.set("objective_metric", as_text(res.get(
        f"{cfg}.HyperParameterTuningJobObjective.MetricName")), res,
        f"{cfg}.HyperParameterTuningJobObjective")
    comp.set("max_jobs", as_int(res.get(f"{cfg}.ResourceLimits.MaxNumberOfTrainingJobs")),
             res, f"{cfg}.ResourceLimits")
    comp.set("max_parallel_jobs", as_int(res.get(
        f"{cfg}.ResourceLimits.MaxParallelTrainingJobs")), res, f"{cfg}.ResourceLimits")
    early = as_text(res.get(f"{cfg}.TrainingJobEarlyStoppingType"))
    comp.set("early_stopping", early == "Auto" if isinstance(early, str) else None, res,
             f"{cfg}.TrainingJobEarlyStoppingType")
    comp.set("warm_start", True if res.get("WarmStartConfig") else None, res,
             "WarmStartConfig")
    return comp


def register_step(res: Resource, ctx: Context) -> Component:
    group = as_text(res.get("ModelPackageGroupName"))
    existing = ctx.named("model_registries", group)
    if existing is not None:
        comp = existing
    else:
        comp = ctx.b.component("model_registries", res,
                               group if isinstance(group, str) else None)
        comp.set("type", "sagemaker-model-registry", res)
        ctx.name(comp, group)
    status = as_text(res.get("ModelApprovalStatus"))
    if isinstance(status, str):
        comp.set("approval_required", status == "PendingManualApproval", res,
                 "ModelApprovalStatus")
    return comp


_CATEGORY_STAGE = {"source": "source", "build": "build", "test": "integration-test",
                   "deploy": "deploy", "approval": "approve", "invoke": "other"}


def codepipeline(res: Resource, ctx: Context) -> None:
    """A CodePipeline (CI/CD around the model): its stages by action category, manual
    approvals, and what starts it."""
    comp = ctx.b.component("pipelines", res)
    comp.set("orchestrator", "codepipeline", res)
    stages: list[dict[str, Any]] = []
    triggers: set[str] = set()
    for stage in _variants(res.get("Stages", "stage")):
        actions = _variants(stage.get("Actions") or stage.get("action"))
        categories = []
        for action in actions:
            type_id = action.get("ActionTypeId")
            category = (type_id.get("Category") if isinstance(type_id, dict)
                        else action.get("category"))
            if isinstance(category, str):
                categories.append(category.lower())
            config = action.get("Configuration") or action.get("configuration") or {}
            if isinstance(category, str) and category.lower() == "source" and \
                    isinstance(config, dict):
                triggers.add("commit")  # polled or through an event rule: a commit
        name = as_text(stage.get("Name") or stage.get("name"))
        if not isinstance(name, str):
            continue
        kind = next((_CATEGORY_STAGE[c] for c in categories if c in _CATEGORY_STAGE),
                    "other")
        item: dict[str, Any] = {"name": safe_name(name), "type": kind}
        if "approval" in categories:
            item["manual_approval"] = True
        stages.append(item)
    if stages:
        comp.set("stages", stages, res, "Stages", "stage")
        kinds = {s["type"] for s in stages}
        comp.set("type", ["ci-cd"] if "deploy" in kinds else ["ci"], res, "Stages", "stage")
    if triggers:
        comp.set("triggers", sorted(triggers), res, "Stages", "stage")
    comp.ref("role", res.get("RoleArn", "role_arn"), ("iam_roles",), res, "RoleArn",
             "role_arn")


# ---------------------------------------------------------------- Kubernetes

def kserve(res: Resource, ctx: Context) -> None:
    comp = ctx.b.component("endpoints", res)
    comp.set("type", "real-time", res)
    lo = as_int(res.get("spec.predictor.minReplicas"))
    hi = as_int(res.get("spec.predictor.maxReplicas"))
    if isinstance(hi, int) and isinstance(lo, int | type(None)):
        comp.set("autoscaling.enabled", hi > (lo if lo is not None else 1), res,
                 "spec.predictor.maxReplicas")
        comp.set("autoscaling.max", hi, res, "spec.predictor.maxReplicas")
    if isinstance(lo, int):
        comp.set("autoscaling.min", lo, res, "spec.predictor.minReplicas")
        comp.set("autoscaling.scale_to_zero", lo == 0, res, "spec.predictor.minReplicas")
    if res.get("spec.predictor.logger") is not None:
        comp.set("data_capture.enabled", True, res, "spec.predictor.logger")
    canary = res.get("spec.predictor.canaryTrafficPercent")
    if canary is not None:
        comp.set("deployment.strategy", "canary", res, "spec.predictor.canaryTrafficPercent")


# ---------------------------------------------------------------- the table

def _r(types: str, collection: str, handler: Handler, facts: str = "", order: int = 5
       ) -> Rule:
    rows: tuple[tuple[str, str], ...] = tuple(
        (left.strip(), right.strip()) for left, _, right in
        (row.partition("<-") for row in facts.split(";") if row.strip()))
    return Rule(tuple(types.split()), collection, rows, handler, order)


RULES: tuple[Rule, ...] = (
    _r("AWS::SageMaker::Endpoint aws_sagemaker_endpoint", "endpoints", endpoint,
       "type <- real-time (async, serverless, multi-model from its configuration and model);"
       "deployment.strategy <- DeploymentConfig.BlueGreenUpdatePolicy.TrafficRoutingConfiguration.Type, RollingUpdatePolicy;"
       "deployment.auto_rollback, deployment.rollback_alarms <- DeploymentConfig.AutoRollbackConfiguration.Alarms;"
       "(every fact of its endpoint configuration and model) <- EndpointConfigName",
       order=1),
    _r("AWS::SageMaker::EndpointConfig aws_sagemaker_endpoint_configuration", "endpoints",
       endpoint_config,
       "variants, instance_type, instances <- ProductionVariants, ShadowProductionVariants;"
       "type <- AsyncInferenceConfig (asynchronous), ProductionVariants.ServerlessConfig (serverless);"
       "data_capture.enabled, sampling_percent <- DataCaptureConfig (absent: capture off);"
       "data_capture.destination <- DataCaptureConfig.DestinationS3Uri (a bucket in the import);"
       "encryption.at_rest, kms_key, key_type <- KmsKeyId / kms_key_arn", order=2),
    _r("AWS::SageMaker::Model aws_sagemaker_model", "endpoints", model,
       "type <- Containers.Mode MultiModel (multi-model);"
       "role <- ExecutionRoleArn; network.vpc, network.network_isolation <- VpcConfig, "
       "EnableNetworkIsolation (on the endpoint serving it)", order=3),
    _r("AWS::ApplicationAutoScaling::ScalableTarget aws_appautoscaling_target", "endpoints",
       autoscaling_target, "autoscaling.enabled, min, max <- MinCapacity, MaxCapacity "
       "(ServiceNamespace sagemaker; endpoint found from ResourceId)", order=6),
    _r("AWS::ApplicationAutoScaling::ScalingPolicy aws_appautoscaling_policy", "endpoints",
       autoscaling_policy, "autoscaling.target, metric <- TargetTrackingScalingPolicyConfiguration",
       order=7),
    _r("AWS::SageMaker::MonitoringSchedule aws_sagemaker_monitoring_schedule", "monitors",
       monitoring_schedule, "type <- MonitoringType or the job definition's kind;"
       "schedule <- ScheduleConfig.ScheduleExpression (cron/rate -> hourly, daily, weekly);"
       "baseline <- the job definition's baseline configuration; target <- EndpointName",
       order=4),
    _r("AWS::SageMaker::DataQualityJobDefinition AWS::SageMaker::ModelQualityJobDefinition "
       "AWS::SageMaker::ModelBiasJobDefinition AWS::SageMaker::ModelExplainabilityJobDefinition "
       "aws_sagemaker_data_quality_job_definition", "monitors", monitoring_job,
       "type <- the definition's kind; baseline <- *BaselineConfig;"
       "ground_truth <- GroundTruthS3Input; target <- EndpointInput.EndpointName", order=5),
    _r("AWS::CloudWatch::Alarm aws_cloudwatch_metric_alarm", "alarms", alarm,
       "metric <- MetricName; threshold <- Threshold; actions notify <- AlarmActions (when "
       "ActionsEnabled); watches <- Dimensions EndpointName", order=2),
    _r("AWS::SageMaker::ModelPackageGroup aws_sagemaker_model_package_group",
       "model_registries", model_package_group,
       "type sagemaker-model-registry; cross_account <- ModelPackageGroupPolicy", order=2),
    _r("AWS::SageMaker::ModelPackage", "model_registries", model_package,
       "approval_required <- ModelApprovalStatus PendingManualApproval", order=6),
    _r("AWS::SageMaker::FeatureGroup aws_sagemaker_feature_group", "feature_stores",
       feature_group, "online <- OnlineStoreConfig.EnableOnlineStore; offline <- "
       "OfflineStoreConfig; feature_groups <- FeatureGroupName, RecordIdentifierFeatureName;"
       "encryption <- OfflineStoreConfig.S3StorageConfig.KmsKeyId, OnlineStoreConfig.SecurityConfig.KmsKeyId"),
    _r("AWS::SageMaker::NotebookInstance aws_sagemaker_notebook_instance", "notebooks",
       notebook_instance, "root_access <- RootAccess (absent: Enabled, the service default);"
       "direct_internet_access <- DirectInternetAccess (absent: Enabled);"
       "network.vpc <- SubnetId; encryption <- KmsKeyId; role <- RoleArn;"
       "lifecycle_config <- LifecycleConfigName"),
    _r("AWS::SageMaker::Domain aws_sagemaker_domain", "notebooks", studio_domain,
       "type sagemaker-studio; direct_internet_access, network.vpc <- AppNetworkAccessType "
       "(absent: PublicInternetOnly); encryption <- KmsKeyId; role <- DefaultUserSettings.ExecutionRole"),
    _r("AWS::S3::Bucket aws_s3_bucket", "data_stores", bucket,
       "type s3; location <- BucketName;"
       "encryption.at_rest, kms_key, key_type <- BucketEncryption;"
       "versioning <- VersioningConfiguration.Status;"
       "access.public_access_blocked <- PublicAccessBlockConfiguration (all four settings);"
       "access.access_logging <- LoggingConfiguration;"
       "retention.lifecycle_policy <- LifecycleConfiguration.Rules;"
       "replicated <- ReplicationConfiguration", order=1),
    _r("AWS::S3::BucketPolicy aws_s3_bucket_policy aws_s3_bucket_versioning "
       "aws_s3_bucket_server_side_encryption_configuration aws_s3_bucket_public_access_block "
       "aws_s3_bucket_logging aws_s3_bucket_lifecycle_configuration "
       "aws_s3_bucket_replication_configuration", "data_stores", bucket_part,
       "encryption.in_transit <- a Deny on aws:SecureTransport false;"
       "(Terraform) the same bucket facts from the separate settings resources", order=3),
    _r("AWS::IAM::Role aws_iam_role", "iam_roles", iam_role,
       "assumed_by <- AssumeRolePolicyDocument principals;"
       "permissions <- Policies / inline_policy statements (wildcards derived);"
       "managed_policies <- ManagedPolicyArns; permission_boundary <- PermissionsBoundary",
       order=1),
    _r("AWS::IAM::Policy AWS::IAM::ManagedPolicy aws_iam_role_policy "
       "aws_iam_role_policy_attachment aws_iam_policy", "iam_roles", iam_policy,
       "permissions, managed_policies <- the statements, on each role it names", order=4),
    _r("AWS::KMS::Key aws_kms_key AWS::KMS::Alias aws_kms_alias", "context", kms_key,
       "encryption.key_type customer-managed on the components that name the key"),
    _r("AWS::EC2::VPCEndpoint aws_vpc_endpoint", "context", vpc_endpoint,
       "(listed with its service; no fact on its own)"),
    _r("AWS::EKS::Cluster aws_eks_cluster", "context", eks_cluster,
       "(listed with secrets encryption and API endpoint access)"),
    _r("AWS::CDK::Metadata", "ignored", ignored, "(cdk synth bookkeeping)"),
    _r("AWS::Bedrock::Guardrail aws_bedrock_guardrail", "endpoints", bedrock_guardrail,
       "guardrails.enabled, content_filters, pii_redaction, prompt_attack_filter, "
       "grounding_check <- ContentPolicyConfig, SensitiveInformationPolicyConfig, "
       "FiltersConfig PROMPT_ATTACK, ContextualGroundingPolicyConfig (on Bedrock endpoints)",
       order=8),
    _r("aws_bedrock_provisioned_model_throughput", "endpoints", bedrock_provisioned,
       "type bedrock-provisioned; generative; foundation_model <- model_arn", order=2),
    _r("aws_bedrock_custom_model", "training_jobs", bedrock_custom_model,
       "service bedrock-customization; base_model.name <- base_model_identifier;"
       "base_model.method <- customization_type; encryption <- custom_model_kms_key_id;"
       "role <- role_arn; network.vpc <- vpc_config"),
    _r("AWS::Bedrock::KnowledgeBase aws_bedrockagent_knowledge_base", "data_stores",
       bedrock_knowledge_base, "type vector-database; role embeddings"),
    _r("aws_bedrock_model_invocation_logging_configuration", "workload",
       bedrock_invocation_logging, "monitoring.model_metrics_logged <- logging_config"),
    _r("AWS::SageMaker::Pipeline aws_sagemaker_pipeline sagemaker:Pipeline", "pipelines",
       pipeline, "orchestrator sagemaker-pipelines; stages, trains, runs, registers_to, "
       "tests <- the steps of its definition; role <- RoleArn", order=2),
    _r("sagemaker:Step:Training", "training_jobs", pipeline_step,
       "compute <- ResourceConfig; compute.spot <- EnableManagedSpotTraining;"
       "checkpoints.enabled <- CheckpointConfig; network <- VpcConfig, EnableNetworkIsolation;"
       "encryption.inter_container <- EnableInterContainerTrafficEncryption;"
       "encryption <- OutputDataConfig.KmsKeyId; options.max_runtime_hours <- StoppingCondition;"
       "options.debugger, profiler <- DebugHookConfig, ProfilerConfig", order=3),
    _r("sagemaker:Step:Processing sagemaker:Step:ClarifyCheck sagemaker:Step:QualityCheck",
       "processing_jobs", pipeline_step,
       "compute <- ProcessingResources.ClusterConfig; network <- NetworkConfig;"
       "encryption <- ProcessingOutputConfig.KmsKeyId; pipeline stage bias-check / "
       "data-validation and pipeline tests bias / data-validation for checks", order=3),
    _r("sagemaker:Step:Tuning", "tuning_jobs", pipeline_step,
       "strategy, objective_metric, max_jobs, max_parallel_jobs, early_stopping <- "
       "HyperParameterTuningJobConfig; warm_start <- WarmStartConfig", order=3),
    _r("sagemaker:Step:RegisterModel", "model_registries", pipeline_step,
       "approval_required <- ModelApprovalStatus; the pipeline's registers_to", order=3),
    _r("sagemaker:Step:Condition sagemaker:Step:Transform sagemaker:Step:CreateModel "
       "sagemaker:Step:Model sagemaker:Step:Fail sagemaker:Step:Lambda sagemaker:Step:EMR "
       "sagemaker:Step:Callback sagemaker:Step:AutoML", "pipelines", pipeline_step,
       "a pipeline stage (Condition: evaluate, blocking; pipeline tests model-validation)",
       order=3),
    _r("AWS::CodePipeline::Pipeline aws_codepipeline", "pipelines", codepipeline,
       "orchestrator codepipeline; stages <- Stages (type from the actions' category: "
       "source, build, integration-test, deploy, approve; manual_approval for approvals);"
       "type <- ci-cd with a deploy stage, else ci; triggers commit <- a source action;"
       "role <- RoleArn", order=2),
    _r("serving.kserve.io/InferenceService", "endpoints", kserve,
       "autoscaling <- spec.predictor.minReplicas, maxReplicas; data_capture.enabled <- "
       "spec.predictor.logger; deployment.strategy canary <- canaryTrafficPercent"),
)

RULE_BY_TYPE: dict[str, Rule] = {t: rule for rule in RULES for t in rule.types}


def apply(resources: list[Resource], builder: Builder) -> None:
    """Map every resource; list those no rule knows."""
    ctx = Context(builder, resources)
    known = [(RULE_BY_TYPE[r.type], r) for r in resources if r.type in RULE_BY_TYPE]
    builder.unmapped.extend(r for r in resources if r.type not in RULE_BY_TYPE)
    for rule, res in sorted(known, key=lambda p: p[0].order):
        before = len(builder.context) + len(builder.unmapped) + len(builder.ignored)
        try:
            rule.handler(res, ctx)
        except (AttributeError, TypeError, ValueError, KeyError, IndexError) as exc:
            # a shape the mapping did not expect: listed with the reason, never dropped
            # (and never a crash of the whole import); report it as a bug in mlwa
            ctx.context(res, f"not mapped: its properties have a shape the mapping does "
                             f"not read ({type(exc).__name__}: {exc}); please report this")
            continue
        after = len(builder.context) + len(builder.unmapped) + len(builder.ignored)
        if after == before:
            builder.mapped.append(res)
    _link_by_names(builder, ctx)


def _link_by_names(builder: Builder, ctx: Context) -> None:
    """References written as deployed names (alarm names, endpoint names) rather than as
    resource references: resolved once every component exists."""
    for comp in builder.components.values():
        names = comp.data.pop("_rollback_alarm_names", None)
        if names:
            found = [c.name for c in (ctx.named("alarms", n) for n in names) if c]
            if found:
                comp.set("deployment.rollback_alarms", found, comp.resource,
                         "DeploymentConfig.AutoRollbackConfiguration",
                         "deployment_config.auto_rollback_configuration")
        watched = comp.data.pop("_watches_endpoint", None)
        where = comp.data.pop("_watches_where", None)
        if ctx.named("endpoints", watched) is not None:
            put_ref(comp, "watches", ctx.named("endpoints", watched).name, where)  # type: ignore[union-attr]
        elif isinstance(watched, Unknown):
            target = _by_reason(builder, watched)
            if target is not None:
                put_ref(comp, "watches", target.name, where)
        target_name = comp.data.pop("_target_name", None)
        found_target = ctx.named("endpoints", target_name)
        if "target" not in comp.data and found_target is not None:
            put_ref(comp, "target", found_target.name, comp.facts.get("type"))


def _by_reason(builder: Builder, unknown: Unknown) -> Component | None:
    for comp in builder.of_collection("endpoints"):
        if re.search(rf"\b{re.escape(comp.resource.name)}\b", unknown.reason):
            return comp
    return None


def put_ref(comp: Component, key: str, value: str, where: str | None) -> None:
    comp.data[key] = value
    comp.depends.pop(key, None)
    if where:
        comp.facts[key] = where


# ---------------------------------------------------------------- documentation

TABLE_START = "<!-- mapping table: generated by `python -m engine.workload.iac.mapping`; do not edit -->"
TABLE_END = "<!-- end of the mapping table -->"


def _field_predicate(collection: str, dotted: str) -> str | None:
    from engine.workload.spec import KIND_BY_ID, WORKLOAD_FIELDS

    fields = WORKLOAD_FIELDS if collection == "workload" else (
        KIND_BY_ID[collection].fields if collection in KIND_BY_ID else ())
    found = None
    for part in dotted.split("."):
        found = next((f for f in fields if f.key == part), None)
        if found is None:
            return None
        fields = found.fields
    return found.predicate if found is not None and found.type != "group" else None


def _policy_practices() -> dict[str, set[str]]:
    """Predicate local name -> practices of the built-in policies that read it."""
    from engine.paths import builtin_pack_dir

    out: dict[str, set[str]] = {}
    for ttl in sorted(builtin_pack_dir().glob("*.ttl")):
        text = ttl.read_text(encoding="utf-8")
        practices = set(re.findall(r"mlwa:implements\s+practice:([A-Z0-9-]+)", text))
        practices |= set(re.findall(r"practice:([A-Z]+[0-9]+-BP[0-9]+)", text))
        for pred in set(re.findall(r"mlwa:([a-z][A-Za-z0-9]+)", text)):
            out.setdefault(pred, set()).update(practices)
    return out


def _fact_keys(rule: Rule) -> list[str]:
    keys: list[str] = []
    for row in rule.facts:
        left = row[0]
        group = ""
        for token in re.split(r"[,;]\s*", left):
            token = token.strip().split(" ")[0]
            if not re.fullmatch(r"[a-z_]+(\.[a-z_]+)*", token):
                continue
            if "." in token:
                group = token.rsplit(".", 1)[0]
                keys.append(token)
            elif group and _field_predicate(rule.collection, f"{group}.{token}"):
                keys.append(f"{group}.{token}")
            else:
                keys.append(token)
    return keys


def docs_table() -> str:
    """The mapping table of docs/import.md."""
    practices = _policy_practices()
    rows = ["| resource types | fills | facts ← where they are read | practices evidenced |",
            "|---|---|---|---|"]
    for rule in RULES:
        seen: set[str] = set()
        for key in _fact_keys(rule):
            pred = _field_predicate(rule.collection, key)
            if pred:
                seen |= practices.get(pred, set())
        types = "<br>".join(f"`{t}`" for t in rule.types)
        facts = "<br>".join(f"{left} ← {right}" if right else left
                            for left, right in rule.facts)
        rows.append(f"| {types} | `{rule.collection}` | {facts} | "
                    f"{', '.join(sorted(seen)) or '–'} |")
    return "\n".join([TABLE_START, *rows, TABLE_END])


if __name__ == "__main__":  # pragma: no cover - rewrites docs/import.md
    from pathlib import Path

    doc = Path(__file__).resolve().parents[3] / "docs" / "import.md"
    text = doc.read_text(encoding="utf-8")
    head, _, rest = text.partition(TABLE_START)
    _, _, tail = rest.partition(TABLE_END)
    doc.write_text(head + docs_table() + tail, encoding="utf-8")
    print(f"wrote {doc}")
