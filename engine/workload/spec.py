"""The workload format, declared once.

Everything about the hand-written workload description derives from the declarations in
this module: the JSON Schema (``ontology/workload.schema.json``), the OWL vocabulary
(``ontology/workload.ttl``), the JSON-LD context (``ontology/workload.context.jsonld``),
the reference documentation (``docs/workload-format.md``) and the lifter that turns a
document into RDF. ``python -m engine.workload.generate`` rewrites the generated files;
a test fails when one of them is out of date.

A *kind* is a class of node (``Endpoint``); a *field* is a key of a YAML mapping. Field
types:

* ``string``, ``text``, ``uri``, ``boolean``, ``integer``, ``number``, ``date``: one plain
  typed literal (``xsd:string``, ``xsd:anyURI``, ``xsd:boolean``, ``xsd:integer``,
  ``xsd:decimal``, ``xsd:date``);
* ``enum``: a string from a closed list (checked by the schema);
* ``ref``: the name of another node of the listed kinds, lifted to an IRI link;
* ``group``: a nested mapping whose keys are lifted onto the *same* node (``encryption:
  {at_rest: true}`` gives ``mlwa:encryptedAtRest true`` on the data store);
* ``items``: a list (or with ``many=False`` a single mapping) of nested nodes of a kind;
* ``tags``: a mapping of tag keys to values, lifted as ``mlwa:tagKey`` and ``mlwa:tag``;
* ``answers``: a mapping of custom-lens question ids to lists of choice ids, lifted as one
  ``question=choice`` literal per selected choice.

``many=True`` turns a literal, enum or ref field into a list (one triple per element).

Why this file is long: the format's vocabulary, one table of every kind and field; data, not
logic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

LITERAL_TYPES = ("string", "text", "uri", "boolean", "integer", "number", "date")


@dataclass(frozen=True)
class Field:
    key: str
    type: str
    doc: str
    pred: str | None = None
    many: bool = False
    required: bool = False
    values: tuple[str, ...] = ()  # enum
    refs: tuple[str, ...] = ()  # ref: target kind ids
    fields: tuple[Field, ...] = ()  # group
    kind: str | None = None  # items: nested kind id
    minimum: float | None = None
    maximum: float | None = None
    pattern: str | None = None
    prefix: bool = True  # group: prefix member predicates with the group key
    example: object = None

    @cached_property
    def predicate(self) -> str:
        if self.pred:
            return self.pred
        if self.type == "items" and self.kind is not None:
            return KIND_BY_ID[self.kind].link or camel(self.key)
        return camel(self.key)


@dataclass(frozen=True)
class Kind:
    id: str  # stable identifier used in refs (usually the collection key)
    cls: str  # class local name in mlwa:
    label: str
    doc: str
    fields: tuple[Field, ...]
    parent: str = "Component"  # superclass local name
    name_key: str = "name"  # the key whose value names the node
    name_required: bool = True  # False: unnamed items are numbered by position
    link: str | None = None  # the specific property from the workload node (hasEndpoint)


def camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


# ---------------------------------------------------------------- field constructors

def s(key: str, doc: str, **kw: object) -> Field:
    return Field(key, "string", doc, **kw)  # type: ignore[arg-type]


def t(key: str, doc: str, **kw: object) -> Field:
    return Field(key, "text", doc, **kw)  # type: ignore[arg-type]


def u(key: str, doc: str, **kw: object) -> Field:
    return Field(key, "uri", doc, **kw)  # type: ignore[arg-type]


def b(key: str, doc: str, **kw: object) -> Field:
    return Field(key, "boolean", doc, **kw)  # type: ignore[arg-type]


def i(key: str, doc: str, minimum: float | None = 0, **kw: object) -> Field:
    return Field(key, "integer", doc, minimum=minimum, **kw)  # type: ignore[arg-type]


def n(key: str, doc: str, minimum: float | None = 0, **kw: object) -> Field:
    return Field(key, "number", doc, minimum=minimum, **kw)  # type: ignore[arg-type]


def d(key: str, doc: str, **kw: object) -> Field:
    return Field(key, "date", doc, **kw)  # type: ignore[arg-type]


def e(key: str, doc: str, values: tuple[str, ...] | str, **kw: object) -> Field:
    vals = tuple(values.split()) if isinstance(values, str) else values
    return Field(key, "enum", doc, values=vals, **kw)  # type: ignore[arg-type]


def r(key: str, doc: str, *refs: str, **kw: object) -> Field:
    return Field(key, "ref", doc, refs=refs, **kw)  # type: ignore[arg-type]


def g(key: str, doc: str, *fields: Field, prefix: bool = True, pred: str | None = None) -> Field:
    return Field(key, "group", doc, fields=fields, prefix=prefix, pred=pred)


def items(key: str, doc: str, kind: str, many: bool = True, pred: str | None = None) -> Field:
    return Field(key, "items", doc, kind=kind, many=many, pred=pred)


def answers(key: str, doc: str, pred: str) -> Field:
    return Field(key, "answers", doc, pred=pred)


def tags() -> Field:
    return Field("tags", "tags", "Resource tags as a mapping of tag key to value; cost "
                 "allocation tags go here.", pred="tag")


# ---------------------------------------------------------------- shared vocabularies

CLASSIFICATION = "public internal confidential restricted"
PII_HANDLING = "none masked tokenized pseudonymized anonymized encrypted removed"
KEY_TYPE = "aws-owned aws-managed customer-managed"
FRAMEWORKS = ("xgboost pytorch tensorflow scikit-learn huggingface jax mxnet autogluon "
              "lightgbm catboost spark-ml llm other")
IAC = "cloudformation cdk terraform pulumi sam none other"
SCHEDULE = "real-time hourly daily weekly monthly on-demand event-driven"

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:@+-]*$"
# Ids in Well-Architected Tool custom lenses: letters, digits and underscores.
TOOL_ID_PATTERN = r"^[A-Za-z0-9_]+$"


def common(*extra_refs: str) -> tuple[Field, ...]:
    """Fields every component has: what it is, where it runs, who owns it."""
    return (
        s("name", "Unique name of this item within its list; references use it.",
          required=True, pattern=NAME_PATTERN),
        t("description", "What it is for, in a sentence or two."),
        s("owner", "Team or person accountable for it."),
        r("environment", "The environment it belongs to.", "environments"),
        s("region", "AWS Region code where it runs, e.g. eu-west-1.",
          pattern=r"^[a-z]{2}(-gov)?-[a-z]+-[0-9]$"),
        tags(),
        provenance(),
    )


PROVENANCE_TOOLS = "cloudformation terraform terraform-plan sagemaker-pipeline kubernetes"


def provenance() -> Field:
    """Where an imported component was read from (``mlwa workload import``): findings on
    it point at that file and line, and the evidence model can tell it was read from
    infrastructure code rather than typed by hand."""
    return g(
        "provenance", "Where this component was read from, written by `mlwa workload "
        "import`; findings on it point at that file and line.",
        e("tool", "The kind of infrastructure code it was read from (a `terraform-plan` "
          "holds resolved values, a `.tf` folder only what static reading can resolve).",
          PROVENANCE_TOOLS, pred="provenanceTool"),
        s("file", "The infrastructure file, as given to the import.", pred="provenanceFile"),
        i("line", "Line of the resource in that file.", minimum=1, pred="provenanceLine"),
        s("address", "Logical id or resource address, e.g. `Resources.EndpointConfig` or "
          "`aws_sagemaker_endpoint_configuration.main`.", pred="provenanceAddress"),
        strs("facts", "Where each imported fact is written: `key=file:line`, e.g. "
             "`data_capture.enabled=template.yml:63`.", pred="provenanceFact"),
        strs("depends_on", "Facts left out because their value depends on something the "
             "import could not resolve: `key: reason`.", pred="provenanceDependsOn"),
        prefix=False)


def encryption(in_transit: bool = True, inter_node: bool = False) -> Field:
    members = [
        b("at_rest", "Data is encrypted at rest.", pred="encryptedAtRest"),
        s("kms_key", "KMS key ARN or alias used for encryption at rest.", pred="kmsKey"),
        e("key_type", "Who manages the key.", KEY_TYPE, pred="kmsKeyType"),
    ]
    if in_transit:
        members.append(b("in_transit", "TLS is enforced for every connection.",
                         pred="encryptedInTransit"))
    if inter_node:
        members.append(b("inter_container", "Traffic between cluster nodes or containers "
                         "is encrypted.", pred="interContainerEncryption"))
    return g("encryption", "Encryption settings.", *members, prefix=False)


def network(isolation: bool = True) -> Field:
    members = [
        b("vpc", "Runs inside a customer VPC (private subnets).", pred="inVpc"),
        strs("subnets", "Subnet ids (informational).", pred="subnet"),
        strs("security_groups", "Security group ids (informational).", pred="securityGroup"),
        b("vpc_endpoints_only", "Reaches AWS services only through VPC endpoints "
          "(PrivateLink), no internet path.", pred="vpcEndpointsOnly"),
    ]
    if isolation:
        members.append(b("network_isolation", "Container network isolation: no outbound "
                         "network calls at all.", pred="networkIsolation"))
    return g("network", "Network placement.", *members, prefix=False)


def strs(key: str, doc: str, **kw: object) -> Field:
    return Field(key, "string", doc, many=True, **kw)  # type: ignore[arg-type]


def compute(spot: bool = False) -> Field:
    members = [
        s("instance_type", "Instance type, e.g. ml.m6g.xlarge, ml.inf2.xlarge, ml.p4d.24xlarge. "
          "The lifter adds mlwa:instanceFamily and mlwa:hardwareClass.", pred="instanceType"),
        i("instance_count", "Number of instances.", minimum=0, pred="instanceCount"),
        i("volume_size_gb", "Attached storage volume size in GB.", pred="volumeSizeGb"),
    ]
    if spot:
        members += [
            b("spot", "Uses managed Spot capacity.", pred="usesSpot"),
            i("max_wait_minutes", "Longest wait for Spot capacity.", pred="maxWaitMinutes"),
            e("distribution", "Distributed training strategy.",
              "none data-parallel model-parallel pipeline-parallel fsdp deepspeed",
              pred="distributionStrategy"),
        ]
    return g("compute", "Compute capacity.", *members, prefix=False)


def container() -> Field:
    return g(
        "image", "The container image it runs.",
        s("uri", "Image URI (ECR).", pred="imageUri"),
        b("scanned", "The image is scanned for vulnerabilities (ECR enhanced scanning or "
          "equivalent) before use.", pred="imageScanned"),
        e("source", "Where the image comes from.",
          "aws-managed custom marketplace jumpstart public", pred="imageSource"),
        b("from_approved_repository", "Libraries are installed only from an approved "
          "internal repository (CodeArtifact or a mirror).", pred="approvedPackageSource"),
        prefix=False,
    )


# ---------------------------------------------------------------- kinds

KINDS: tuple[Kind, ...] = (
    Kind("team_roles", "TeamRole", "team role", "A role in the ML team and who holds it.", (
        s("name", "Role name, e.g. data-scientist, ml-engineer, model-risk-officer.",
          required=True, pattern=NAME_PATTERN),
        s("assignee", "Team or person holding the role."),
        t("responsibilities", "What the role is accountable for."),
        b("trained", "Holders have the skills and training the role needs."),
    ), parent="Part", link="hasTeamRole"),
    Kind("kpis", "Kpi", "business KPI", "A business key performance indicator the model must "
         "move, with its target.", (
        s("name", "KPI name.", required=True, pattern=NAME_PATTERN),
        t("description", "What it measures."),
        s("target", "Target value, as written (e.g. '< 0.1 % fraud loss')."),
        s("unit", "Unit of measure."),
        b("monitored", "The KPI is measured continuously in production (dashboard or alarm)."),
        u("dashboard", "Where the KPI is shown."),
        e("review_cadence", "How often the KPI is reviewed with the business.",
          "weekly monthly quarterly yearly"),
        r("linked_metrics", "Evaluation metrics that move with this KPI (names from "
          "`problem.evaluation_metrics`), so model quality is tied to the business "
          "outcome.", "metrics", many=True, pred="linkedMetric"),
    ), parent="Part", link="hasKpi"),
    Kind("metrics", "Metric", "metric", "An evaluation metric: its threshold and, for a model "
         "version, its measured value.", (
        s("name", "Metric name, e.g. auc, f1, rmse, p99-latency-ms.", required=True,
          pattern=NAME_PATTERN),
        n("threshold", "Acceptance threshold.", minimum=None),
        e("direction", "Whether higher or lower is better.", "maximize minimize"),
        n("value", "Measured value (model versions).", minimum=None),
        b("passed", "The measured value meets the threshold."),
        t("rationale", "Why this metric reflects the business goal.", pred="choiceRationale"),
    ), parent="Part", link="hasMetric"),
    Kind("regions", "RegionChoice", "region choice", "An AWS Region the workload uses and why "
         "it was chosen.", (
        s("name", "Region code, e.g. eu-north-1.", required=True,
          pattern=r"^[a-z]{2}(-gov)?-[a-z]+-[0-9]$"),
        e("role", "What the Region is used for.", "primary secondary disaster-recovery "
          "training-only inference-only"),
        b("low_carbon", "The Region is chosen for its low-carbon electricity (sustainability)."),
        b("data_residency", "The Region is required for data residency."),
        t("rationale", "Why this Region: latency, residency, carbon intensity, cost.",
          pred="choiceRationale"),  # mlwa:rationale is the policies' annotation
    ), parent="Part", link="usesRegion"),
    Kind("accounts", "Account", "AWS account", "An AWS account the workload uses.", (
        s("name", "Account alias, e.g. ml-prod.", required=True, pattern=NAME_PATTERN),
        s("account_id", "12-digit AWS account id.", pattern=r"^[0-9]{12}$"),
        e("purpose", "What the account is for.",
          "development test staging production data shared-services security sandbox"),
        s("organization_unit", "AWS Organizations OU."),
        b("scp_guardrails", "Service control policies restrict what the account can do."),
        b("cloudtrail", "CloudTrail (with data events) records API activity.",
          pred="cloudTrailEnabled"),
        b("guardduty", "GuardDuty threat detection is on.", pred="guardDutyEnabled"),
        b("macie", "Macie sensitive-data discovery is on.", pred="macieEnabled"),
        b("security_hub", "Security Hub aggregates findings.", pred="securityHubEnabled"),
    ), link="hasAccount"),
    Kind("environments", "Environment", "environment", "A deployment environment (dev, "
         "staging, production) and how it is provisioned.", (
        s("name", "Environment name.", required=True, pattern=NAME_PATTERN),
        t("description", "What it is for."),
        e("purpose", "The stage this environment represents.",
          "development test staging production sandbox"),
        r("account", "The AWS account it lives in.", "accounts"),
        s("region", "Main AWS Region.", pattern=r"^[a-z]{2}(-gov)?-[a-z]+-[0-9]$"),
        e("iac", "Infrastructure as code tool that provisions it.", IAC, pred="provisionedBy"),
        u("config_repository", "Where its configuration is kept under version control."),
        b("drift_detection", "Configuration drift and skew between environments are detected "
          "automatically.", pred="configDriftDetection"),
        b("same_architecture_as_production", "Mirrors the production architecture."),
    ), link="hasEnvironment"),
    Kind("data_sources", "DataSource", "data source", "Where data comes from: a system of "
         "record, a stream, a third party.", (
        *common(),
        e("type", "Source type.", "database s3 stream api saas file-transfer third-party "
          "human-labels web other", pred="sourceType"),
        e("classification", "Data classification.", CLASSIFICATION),
        b("contains_pii", "Holds personal data.", pred="containsPii"),
        e("pii_handling", "How personal data is protected before ML use.", PII_HANDLING),
        s("license", "License or contract under which the data may be used."),
        b("usage_rights_verified", "Permission, privacy and license terms for ML use were "
          "checked.", pred="usageRightsVerified"),
        e("hosting", "Where the data lives: in AWS, on premises, or both (hybrid).",
          "aws on-premises hybrid other-cloud", pred="dataHosting"),
        e("transfer", "How the data reaches AWS when it lives elsewhere.", "direct-connect "
          "site-to-site-vpn dms-replication datasync storage-gateway snowball internet "
          "other", many=True, pred="dataTransfer"),
        s("legal_basis", "Legal basis or consent for processing personal data."),
        b("catalogued", "Registered in a data catalog."),
        e("catalog", "The catalog.", "glue-data-catalog datazone lake-formation collibra "
          "other", pred="dataCatalog"),
        e("refresh", "How often new data arrives.", SCHEDULE, pred="refreshCadence"),
        g("encryption", "Encryption of the transfer.",
          b("in_transit", "TLS is enforced for every connection.", pred="encryptedInTransit"),
          prefix=False),
    ), link="hasDataSource"),
    Kind("data_stores", "DataStore", "data store", "Where data is kept: a bucket, a table, "
         "a file system, a vector index.", (
        *common(),
        e("type", "Store type.", "s3 efs fsx-lustre redshift dynamodb rds aurora athena "
          "opensearch vector-database ebs lakehouse other", pred="storeType"),
        e("role", "What the data is.", "raw curated features training validation test "
          "model-artifacts inference-capture labels embeddings logs documents other",
          pred="dataRole"),
        s("location", "URI or ARN, e.g. s3://bucket/prefix."),
        e("classification", "Data classification.", CLASSIFICATION),
        b("contains_pii", "Holds personal data.", pred="containsPii"),
        e("pii_handling", "How personal data is protected.", PII_HANDLING),
        encryption(),
        b("versioning", "Object or table versioning is on, so every dataset version can be "
          "retrieved.", pred="versioningEnabled"),
        e("versioning_tool", "How dataset versions are tracked.",
          "s3-versioning dvc lakefs delta iceberg hudi feature-store-time-travel other"),
        g("lineage", "Where the data comes from and how that is recorded.",
          r("sources", "Sources and stores this data is derived from.", "data_sources",
            "data_stores", many=True, pred="derivedFrom"),
          e("tracked_by", "Lineage tracking system.", "sagemaker-lineage openlineage "
            "datazone mlflow custom none", pred="lineageTrackedBy"),
          prefix=False),
        g("access", "Who can reach it.",
          r("roles", "IAM roles allowed to read or write.", "iam_roles", many=True,
            pred="accessibleBy"),
          b("public_access_blocked", "Public access is blocked.", pred="publicAccessBlocked"),
          b("vpc_endpoint_only", "Reachable only through a VPC endpoint policy.",
            pred="vpcEndpointOnly"),
          b("access_logging", "Access logging (server access logs or data events) is on.",
            pred="accessLogging"),
          b("anomaly_monitoring", "Unusual access by people is alerted on (GuardDuty, "
            "Macie, CloudTrail Lake).", pred="accessAnomalyMonitoring"),
          prefix=False),
        g("retention", "How long data is kept.",
          i("days", "Retention period in days.", pred="retentionDays"),
          b("lifecycle_policy", "A lifecycle policy expires or archives old data.",
            pred="lifecyclePolicy"),
          b("only_relevant_data", "Fields and records not needed for the use case are "
            "removed.", pred="onlyRelevantData"),
          prefix=False),
        e("storage_class", "Main storage class.", "standard intelligent-tiering "
          "infrequent-access one-zone glacier-instant glacier deep-archive n/a"),
        b("catalogued", "Registered in a data catalog."),
        g("quality", "Data quality and profiling.",
          b("profiled", "Data is profiled (distributions, missing values, outliers).",
            pred="dataProfiled"),
          e("profiling_tool", "The profiling tool.", "data-wrangler deequ glue-data-quality "
            "great-expectations clarify custom", pred="profilingTool"),
          b("validation_rules", "Automated data quality rules gate its use.",
            pred="dataValidationRules"),
          b("poisoning_checks", "Incoming data is checked for poisoning or anomalous "
            "records.", pred="poisoningChecks"),
          prefix=False),
        b("backup", "Backed up or replicated for recovery.", pred="backupEnabled"),
        b("replicated", "Replicated to another Region or account.", pred="crossRegionReplication"),
    ), link="hasDataStore"),
    Kind("feature_groups", "FeatureGroup", "feature group", "A group of features in a "
         "feature store.", (
        s("name", "Feature group name.", required=True, pattern=NAME_PATTERN),
        t("description", "What the features describe."),
        s("record_identifier", "Record identifier feature."),
        b("online", "Served from the online store.", pred="onlineStore"),
        b("offline", "Kept in the offline store.", pred="offlineStore"),
        b("statistics", "Feature statistics are computed and tracked.",
          pred="featureStatistics"),
        b("shared", "Reused by more than one model or team.", pred="sharedFeatures"),
        e("classification", "Data classification.", CLASSIFICATION),
        b("contains_pii", "Holds personal data.", pred="containsPii"),
    ), parent="Part", link="hasFeatureGroup"),
    Kind("feature_stores", "FeatureStore", "feature store", "A feature store shared by "
         "training and inference.", (
        *common(),
        e("type", "Implementation.", "sagemaker-feature-store feast tecton databricks "
          "custom", pred="featureStoreType"),
        b("online", "Has an online store for low-latency inference.", pred="onlineStore"),
        b("offline", "Has an offline store for training.", pred="offlineStore"),
        r("offline_store", "The data store behind the offline store.", "data_stores",
          pred="offlineStoreLocation"),
        b("used_for_training", "Training reads features from it."),
        b("used_for_inference", "Inference reads the same features from it (no "
          "training/serving skew)."),
        encryption(),
        items("feature_groups", "Feature groups.", "feature_groups"),
    ), link="hasFeatureStore"),
    Kind("processing_jobs", "ProcessingJob", "processing job", "A data processing, labelling, "
         "validation or evaluation job.", (
        *common(),
        e("purpose", "What it does.", "ingestion cleaning feature-engineering labeling "
          "profiling validation evaluation bias-analysis explainability embedding "
          "chunking other"),
        e("service", "Where it runs; managed services cost less to run and maintain.",
          "sagemaker-processing glue emr emr-serverless lambda batch data-wrangler "
          "ground-truth athena step-functions self-managed other", pred="runsOn"),
        b("managed", "Runs on a managed service.", pred="managedService"),
        r("inputs", "Data read.", "data_sources", "data_stores", "feature_stores",
          many=True, pred="readsFrom"),
        r("outputs", "Data written.", "data_stores", "feature_stores", many=True,
          pred="writesTo"),
        compute(spot=True),
        network(),
        encryption(inter_node=True),
        r("role", "Execution role.", "iam_roles", pred="executionRole"),
        container(),
        e("schedule", "When it runs.", SCHEDULE),
        r("pipeline", "The pipeline that runs it.", "pipelines", pred="orchestratedBy"),
        b("logging", "Logs and metrics go to CloudWatch.", pred="loggingEnabled"),
    ), link="hasProcessingJob"),
    Kind("notebooks", "Notebook", "notebook", "An interactive development environment.", (
        *common(),
        e("type", "Kind of notebook.", "sagemaker-studio notebook-instance emr-studio "
          "sagemaker-unified-studio local other", pred="notebookType"),
        s("instance_type", "Instance type.", pred="instanceType"),
        b("root_access", "Users have root access.", pred="rootAccess"),
        b("direct_internet_access", "Has direct internet access (outside the VPC).",
          pred="directInternetAccess"),
        network(isolation=False),
        encryption(in_transit=False),
        r("role", "Execution role.", "iam_roles", pred="executionRole"),
        i("idle_shutdown_minutes", "Idle kernels and instances shut down after this many "
          "minutes.", minimum=1, pred="idleShutdownMinutes"),
        b("lifecycle_config", "A lifecycle configuration enforces settings.",
          pred="lifecycleConfig"),
        u("source_control", "Git repository the notebooks are kept in."),
        b("approved_package_source", "Packages come only from an approved repository.",
          pred="approvedPackageSource"),
        b("used_for_small_experiments", "Used with small samples before scaling out to "
          "managed training.", pred="smallScaleExperiments"),
    ), link="hasNotebook"),
    Kind("experiments", "Experiment", "experiment", "An experiment tracked across training "
         "runs.", (
        *common(),
        e("tracking", "Tracking system.", "sagemaker-experiments mlflow sagemaker-mlflow "
          "wandb comet neptune other", pred="trackingTool"),
        u("tracking_uri", "Where runs are recorded."),
        b("tracks_parameters", "Hyperparameters are recorded."),
        b("tracks_metrics", "Metrics are recorded."),
        b("tracks_artifacts", "Artefacts and datasets are recorded."),
        b("tracks_code_version", "The code commit is recorded."),
        e("alternatives_explored", "What was varied to find the best model.",
          "data features algorithms ensembles tuning", many=True,
          pred="alternativesExplored"),
    ), link="hasExperiment"),
    Kind("training_jobs", "TrainingJob", "training job", "A model training job.", (
        *common(),
        s("algorithm", "Algorithm, e.g. xgboost, gradient-boosting, transformer."),
        e("framework", "ML framework.", FRAMEWORKS),
        s("framework_version", "Framework version."),
        e("algorithm_source", "Where the algorithm comes from.", "built-in "
          "managed-container custom-container marketplace jumpstart bedrock"),
        e("service", "Where it runs.", "sagemaker-training sagemaker-hyperpod "
          "bedrock-customization eks ec2 local other", pred="runsOn"),
        b("managed", "Runs on managed training infrastructure.", pred="managedService"),
        b("automl", "Uses automated machine learning (Autopilot, Canvas, AutoGluon).",
          pred="usesAutoMl"),
        r("input_data", "Datasets and feature stores it trains on.", "data_stores",
          "feature_stores", "data_sources", many=True, pred="trainsOn"),
        r("validation_data", "Held-out data used to validate the model.", "data_stores",
          many=True),
        r("output", "Where model artefacts are written.", "data_stores", pred="writesTo"),
        compute(spot=True),
        g("checkpoints", "Checkpointing.",
          b("enabled", "Checkpoints are written, so Spot interruptions and failures "
            "resume.", pred="checkpointingEnabled"),
          r("location", "Checkpoint store.", "data_stores", pred="checkpointStore"),
          prefix=False),
        network(),
        encryption(inter_node=True),
        r("role", "Execution role.", "iam_roles", pred="executionRole"),
        container(),
        r("experiment", "Experiment it records into.", "experiments",
          pred="tracksExperiment"),
        r("tuning", "Hyperparameter tuning job.", "tuning_jobs", pred="tunedBy"),
        g("options", "Efficiency and reproducibility options.",
          b("early_stopping", "Stops when the metric stops improving.",
            pred="earlyStopping"),
          b("warm_start", "Starts from previous results or weights.", pred="warmStart"),
          b("debugger", "SageMaker Debugger or equivalent rules watch the job.",
            pred="debuggerEnabled"),
          b("profiler", "System and framework profiling is on.", pred="profilerEnabled"),
          b("logging", "Logs and metrics go to CloudWatch.", pred="loggingEnabled"),
          b("small_dataset_trial", "Started on a small sample before full scale.",
            pred="smallDatasetTrial"),
          i("max_runtime_hours", "Stopping condition.", pred="maxRuntimeHours"),
          b("reproducible", "Seeds, code commit and data version are pinned.",
            pred="reproducible"),
          prefix=False),
        g("base_model", "Transfer learning / fine-tuning.",
          s("name", "Pre-trained model fine-tuned, e.g. meta-llama/Llama-3.1-8B.",
            pred="baseModel"),
          e("method", "Fine-tuning method.", "full lora qlora peft adapter "
            "continued-pretraining distillation", pred="fineTuningMethod"),
          b("degradation_checked", "Checked for negative transfer and lost capabilities "
            "against the base model.", pred="transferDegradationChecked"),
          s("license", "Licence of the pre-trained model, e.g. llama3.1, apache-2.0.",
            pred="baseModelLicense"),
          b("license_reviewed", "The base model's licence and acceptable-use terms were "
            "reviewed for this use.", pred="baseModelLicenseReviewed"),
          prefix=False),
        u("code_repository", "Training code repository."),
    ), link="hasTrainingJob"),
    Kind("tuning_jobs", "TuningJob", "tuning job", "A hyperparameter optimisation job.", (
        *common(),
        e("strategy", "Search strategy.", "bayesian random grid hyperband",
          pred="tuningStrategy"),
        r("training_job", "Training job definition it tunes.", "training_jobs",
          pred="tunes"),
        s("objective_metric", "Metric optimised."),
        i("max_jobs", "Maximum training jobs.", minimum=1),
        i("max_parallel_jobs", "Maximum parallel training jobs.", minimum=1),
        b("early_stopping", "Stops unpromising trials.", pred="earlyStopping"),
        b("warm_start", "Reuses earlier tuning results.", pred="warmStart"),
    ), link="hasTuningJob"),
    Kind("model_versions", "ModelVersion", "model version", "One registered version of a "
         "model, with approval and evidence. Referenced as `<registry>/<version>`.", (
        s("version", "Version number or label.", required=True, pattern=NAME_PATTERN,
          pred="versionLabel"),
        t("description", "What changed."),
        e("status", "Approval status.", "approved pending rejected archived",
          pred="approvalStatus"),
        s("approved_by", "Who approved it."),
        d("approval_date", "When it was approved."),
        g("independent_validation", "Validation by people independent of the model's "
          "developers (model risk management), apart from approval.",
          b("done", "An independent team validated this version.",
            pred="independentlyValidated"),
          s("by", "The validating team.", pred="validatedBy"),
          d("date", "When it was validated.", pred="validationDate"),
          prefix=False),
        r("trained_by", "Training job that produced it.", "training_jobs", pred="trainedBy"),
        r("training_data", "Data it was trained on.", "data_stores", "feature_stores",
          "data_sources", many=True, pred="trainsOn"),
        s("artifact", "Model artefact location."),
        container(),
        u("code_commit", "Code commit that produced it."),
        b("dependency_licenses_reviewed", "Licences of the libraries, packages and images "
          "the model ships with were reviewed.", pred="dependencyLicensesReviewed"),
        b("generative", "The model generates content (text, images, code, embeddings for "
          "generation): generative AI practices apply.", pred="generative"),
        b("lineage_tracked", "Lineage from data to model is recorded."),
        g("model_card", "Model card.",
          b("exists", "A model card is published.", pred="hasModelCard"),
          u("url", "Where it is.", pred="modelCardUrl"),
          e("risk_rating", "Risk rating in the card.", "low medium high unknown",
            pred="riskRating"),
          t("intended_use", "Intended use.", pred="intendedUse"),
          prefix=False),
        g("bias_report", "Bias analysis (e.g. SageMaker Clarify).",
          b("exists", "A bias report exists.", pred="hasBiasReport"),
          u("url", "Where it is.", pred="biasReportUrl"),
          b("pre_training", "Data bias metrics computed before training.",
            pred="preTrainingBiasChecked"),
          b("post_training", "Model bias metrics computed after training.",
            pred="postTrainingBiasChecked"),
          b("mitigated", "Bias found was mitigated or accepted with a rationale.",
            pred="biasMitigated"),
          prefix=False),
        g("explainability_report", "Explainability analysis (SHAP, feature attributions).",
          b("exists", "An explainability report exists.", pred="hasExplainabilityReport"),
          u("url", "Where it is.", pred="explainabilityReportUrl"),
          e("method", "Method.", "shap lime integrated-gradients attention "
            "counterfactual other", pred="explainabilityMethod"),
          prefix=False),
        g("evaluation", "Evaluation before approval.",
          r("dataset", "Evaluation dataset.", "data_stores", pred="evaluatedOn"),
          items("metrics", "Measured metrics.", "metrics", pred="hasEvaluationResult"),
          b("passed", "The version met every threshold.", pred="evaluationPassed"),
          b("compared_to_baseline", "Compared with the production model or a baseline.",
            pred="comparedToBaseline"),
          b("robustness_tested", "Tested against adversarial or perturbed inputs.",
            pred="robustnessTested"),
          prefix=False),
        e("optimization", "Inference optimisation applied.", "none compiled quantized "
          "pruned distilled compiled-and-quantized", pred="inferenceOptimization"),
        n("size_mb", "Model size in MB, for efficiency tracking.", pred="modelSizeMb"),
    ), name_key="version", link="hasModelVersion"),
    Kind("model_registries", "ModelRegistry", "model registry", "A model package group in a "
         "registry, holding the versions of one model.", (
        *common(),
        e("type", "Registry implementation.", "sagemaker-model-registry mlflow "
          "bedrock-custom-models other", pred="registryType"),
        b("approval_required", "Deployment requires an approved version."),
        s("approvers", "Who approves versions."),
        b("cross_account", "Shared with other accounts through resource policies.",
          pred="crossAccountSharing"),
        items("versions", "Registered versions.", "model_versions"),
    ), link="hasModelRegistry"),
    Kind("pipeline_stages", "PipelineStage", "pipeline stage", "A stage of a CI/CD/CT "
         "pipeline.", (
        s("name", "Stage name.", required=True, pattern=NAME_PATTERN),
        e("type", "What the stage does.", "source build unit-test integration-test "
          "security-scan data-validation train evaluate bias-check explainability register "
          "approve deploy shadow-test load-test canary monitor-setup cleanup other",
          pred="stageType"),
        b("manual_approval", "A person approves before it proceeds."),
        b("blocking", "A failure stops the pipeline.", pred="blocksOnFailure"),
    ), parent="Part", link="hasStage"),
    Kind("pipelines", "Pipeline", "pipeline", "A CI, CD, CT or data pipeline.", (
        *common(),
        e("type", "What it automates.", ("ci", "cd", "ct", "ci-cd", "ci-cd-ct", "data",
                                         "inference"), many=True, pred="pipelineType"),
        e("orchestrator", "Tool that runs it.", "sagemaker-pipelines codepipeline "
          "step-functions github-actions gitlab-ci jenkins mwaa airflow kubeflow "
          "other"),
        e("iac", "How its infrastructure is defined.", IAC, pred="provisionedBy"),
        u("source_repository", "Source repository."),
        e("triggers", "What starts it.", "commit pull-request schedule data-change drift "
          "model-quality approval manual", many=True, pred="triggeredBy"),
        items("stages", "Stages in order.", "pipeline_stages"),
        r("trains", "Training jobs it runs.", "training_jobs", many=True),
        r("runs", "Processing jobs it runs.", "processing_jobs", many=True,
          pred="runsJob"),
        r("registers_to", "Model registry it registers versions in.", "model_registries",
          pred="registersTo"),
        r("deploys", "Endpoints and batch jobs it deploys.", "endpoints",
          "batch_inference", many=True),
        e("tests", "Automated tests it runs.", "unit integration data-validation "
          "model-validation bias security load shadow smoke", many=True,
          pred="runsTest"),
        b("image_scanning", "Container images are scanned before deployment.",
          pred="imageScanning"),
        b("lineage_tracking", "Every run records the lineage of data, code and model.",
          pred="lineageTracking"),
        b("rollback_on_failure", "A failed deployment is rolled back automatically."),
        r("role", "Execution role.", "iam_roles", pred="executionRole"),
    ), link="hasPipeline"),
    Kind("variants", "ProductionVariant", "production variant", "A production variant "
         "behind an endpoint (a model and its capacity).", (
        s("name", "Variant name.", required=True, pattern=NAME_PATTERN),
        r("model", "Model version served, as `<registry>/<version>`.", "model_versions",
          pred="servesModel"),
        s("instance_type", "Instance type.", pred="instanceType"),
        i("instances", "Initial instance count.", pred="instanceCount"),
        n("weight", "Traffic weight.", pred="variantWeight"),
        b("shadow", "Receives shadow traffic only.", pred="shadowVariant"),
    ), parent="Part", link="hasVariant"),
    Kind("endpoints", "Endpoint", "endpoint", "A model endpoint serving online inference.", (
        *common(),
        e("type", "Endpoint type.", "real-time serverless asynchronous multi-model "
          "multi-container inference-component bedrock-on-demand "
          "bedrock-provisioned edge", pred="endpointType"),
        r("model", "Model version served, as `<registry>/<version>`.", "model_versions",
          pred="servesModel"),
        r("models", "Further model versions (multi-model endpoints).", "model_versions",
          many=True, pred="servesModel"),
        s("foundation_model", "Foundation model id for hosted or Bedrock models."),
        g("serving", "Who runs the model server: SageMaker, or a self-managed server on "
          "Kubernetes or containers.",
          e("platform", "Model server.", "sagemaker bedrock kserve seldon ray-serve "
            "torchserve triton bentoml custom", pred="servingPlatform"),
          e("runs_on", "Where a self-managed model server runs.", "eks ecs ec2 "
            "on-premises other", pred="servingRunsOn"),
          prefix=False),
        g("bedrock", "Amazon Bedrock specifics of the endpoint.",
          b("invocation_logging", "Model invocation logging is on (prompts and responses "
            "go to CloudWatch Logs or S3).", pred="invocationLogging"),
          i("provisioned_model_units", "Model units bought for provisioned throughput.",
            pred="provisionedModelUnits"),
          i("custom_model_retention_days", "How long a custom (fine-tuned) model and its "
            "training artefacts are kept.", pred="customModelRetentionDays"),
          prefix=False),
        r("online_feature_store", "Feature store whose online store serves this endpoint's "
          "features at inference time.", "feature_stores", pred="onlineFeatureStore"),
        g("serverless", "Serverless inference settings.",
          i("memory_mb", "Memory size in MB.", pred="serverlessMemoryMb", minimum=1),
          i("max_concurrency", "Maximum concurrent invocations.",
            pred="serverlessMaxConcurrency", minimum=1),
          i("provisioned_concurrency", "Provisioned (pre-warmed) concurrency.",
            pred="serverlessProvisionedConcurrency"),
          prefix=False),
        b("generative", "Serves a generative model (text, images, code): generative AI "
          "practices apply.", pred="generative"),
        s("instance_type", "Instance type.", pred="instanceType"),
        i("instances", "Instance count.", pred="instanceCount"),
        items("variants", "Production variants (A/B tests, shadow).", "variants"),
        i("availability_zones", "Number of Availability Zones the instances span.",
          minimum=0),
        g("autoscaling", "Automatic scaling.",
          b("enabled", "Auto scaling is configured.", pred="autoscalingEnabled"),
          i("min", "Minimum capacity.", pred="autoscalingMin"),
          i("max", "Maximum capacity.", pred="autoscalingMax"),
          s("metric", "Target metric, e.g. InvocationsPerInstance.",
            pred="autoscalingMetric"),
          n("target", "Target value.", pred="autoscalingTarget"),
          b("scale_to_zero", "Scales to zero when idle.", pred="scaleToZero"),
          prefix=False),
        g("deployment", "How new versions are rolled out.",
          e("strategy", "Rollout strategy.", "all-at-once canary linear blue-green "
            "shadow rolling", pred="deploymentStrategy"),
          b("auto_rollback", "Rolls back automatically when an alarm fires.",
            pred="autoRollback"),
          r("rollback_alarms", "Alarms that trigger rollback.", "alarms", many=True,
            pred="rollbackAlarm"),
          i("baking_minutes", "Time the new fleet is observed before completion.",
            pred="bakingMinutes"),
          r("pipeline", "Pipeline that deploys it.", "pipelines", pred="deployedBy"),
          b("load_tested", "Load tested before production (Inference Recommender or "
            "similar).", pred="loadTested"),
          b("previous_version_retained", "The previous model version stays registered "
            "and can be redeployed.", pred="previousVersionRetained"),
          prefix=False),
        g("data_capture", "Capture of requests and responses.",
          b("enabled", "Data capture is on.", pred="dataCaptureEnabled"),
          n("sampling_percent", "Share of traffic captured.", maximum=100,
            pred="dataCaptureSamplingPercent"),
          r("destination", "Where captured data goes.", "data_stores",
            pred="dataCaptureDestination"),
          prefix=False),
        network(),
        encryption(),
        g("access", "Who may invoke it.",
          e("auth", "How callers authenticate.", "iam cognito api-key oauth mtls none",
            pred="authentication"),
          b("public", "Reachable from the internet.", pred="publiclyAccessible"),
          e("gateway", "Front door.", "api-gateway alb appsync cloudfront none",
            pred="apiGateway"),
          b("versioned_api", "Consumers call a versioned API, not the model directly.",
            pred="versionedApi"),
          b("throttling", "Requests are throttled.", pred="throttlingEnabled"),
          b("waf", "AWS WAF protects the front door.", pred="wafEnabled"),
          r("consumers", "Roles allowed to invoke it.", "iam_roles", many=True,
            pred="invokableBy"),
          prefix=False),
        g("guardrails", "Input and output safeguards (generative AI and adversarial "
          "inputs).",
          b("enabled", "Guardrails are applied.", pred="guardrailsEnabled"),
          b("content_filters", "Harmful content is filtered.", pred="contentFilters"),
          b("pii_redaction", "Personal data is redacted from prompts and responses.",
            pred="piiRedaction"),
          b("prompt_attack_filter", "Prompt injection and jailbreak attempts are "
            "blocked.", pred="promptAttackFilter"),
          b("input_validation", "Inputs are validated against the expected schema and "
            "ranges.", pred="inputValidation"),
          b("grounding_check", "Responses are checked against retrieved sources.",
            pred="groundingCheck"),
          n("grounding_threshold", "Contextual grounding threshold (0-1) below which a "
            "response is blocked.", maximum=1, pred="groundingThreshold"),
          n("relevance_threshold", "Relevance threshold (0-1) below which a response is "
            "blocked.", maximum=1, pred="relevanceThreshold"),
          prefix=False),
        r("role", "Execution role.", "iam_roles", pred="executionRole"),
        i("latency_target_ms", "p99 latency target in milliseconds.", minimum=1),
        t("option_rationale", "Why this deployment option (real-time vs serverless vs "
          "batch vs edge) fits the traffic.", pred="deploymentOptionRationale"),
        b("edge_evaluated", "Edge deployment was considered.", pred="edgeEvaluated"),
        b("usage_reviewed", "Utilisation is reviewed and the fleet right-sized.",
          pred="utilizationReviewed"),
        r("retrieves_from", "Knowledge base or vector store used for retrieval (RAG).",
          "data_stores", "feature_stores", many=True, pred="retrievesFrom"),
    ), link="hasEndpoint"),
    Kind("batch_inference", "BatchInference", "batch inference job", "A batch transform or "
         "scheduled scoring job.", (
        *common(),
        r("model", "Model version used, as `<registry>/<version>`.", "model_versions",
          pred="servesModel"),
        e("service", "Where it runs.", "sagemaker-batch-transform sagemaker-processing "
          "bedrock-batch emr glue other", pred="runsOn"),
        e("schedule", "When it runs.", SCHEDULE),
        r("input", "Data scored.", "data_stores", "feature_stores", many=True,
          pred="readsFrom"),
        r("output", "Where predictions go.", "data_stores", pred="writesTo"),
        compute(spot=True),
        network(),
        encryption(inter_node=True),
        r("role", "Execution role.", "iam_roles", pred="executionRole"),
        r("pipeline", "Pipeline that runs it.", "pipelines", pred="orchestratedBy"),
        b("captures_inputs", "Scored inputs and predictions are kept for monitoring.",
          pred="dataCaptureEnabled"),
    ), link="hasBatchInference"),
    Kind("monitors", "Monitor", "monitor", "A monitoring schedule: data quality, model "
         "quality, bias drift or feature attribution drift.", (
        *common(),
        e("type", "What it watches.", "data-quality model-quality bias-drift "
          "feature-attribution-drift custom llm-quality llm-grounding toxicity latency cost",
          pred="monitorType"),
        r("target", "What it watches.", "endpoints", "batch_inference", "data_stores",
          pred="monitors"),
        e("schedule", "How often it runs.", SCHEDULE),
        b("baseline", "A baseline from training data is used.", pred="hasBaseline"),
        b("ground_truth", "Ground-truth labels are merged for model quality.",
          pred="usesGroundTruth"),
        r("alarms", "Alarms raised on violations.", "alarms", many=True, pred="raises"),
        b("triggers_retraining", "A violation starts retraining."),
        r("retraining_pipeline", "Pipeline started on violation.", "pipelines"),
        b("human_review", "Violations or low-confidence predictions go to human review."),
    ), link="hasMonitor"),
    Kind("alarms", "Alarm", "alarm", "A CloudWatch (or equivalent) alarm.", (
        *common(),
        s("metric", "Metric watched, e.g. ModelLatency, Invocation5XXErrors."),
        r("watches", "Component watched.", "endpoints", "batch_inference", "monitors",
          "training_jobs", "processing_jobs", "pipelines", "data_stores", "budgets",
          pred="watches"),
        n("threshold", "Threshold.", minimum=None),
        e("actions", "What happens when it fires.", "notify page ticket rollback retrain "
          "scale stop", many=True, pred="alarmAction"),
        s("notify", "Notification target (SNS topic, channel)."),
    ), link="hasAlarm"),
    Kind("permissions", "PolicyStatement", "policy statement", "One statement of an IAM "
         "policy. Unnamed statements are numbered by position.", (
        s("sid", "Statement id.", pattern=NAME_PATTERN),
        e("effect", "Allow or Deny.", "allow deny", pred="effect"),
        strs("actions", "Actions, e.g. s3:GetObject. The lifter adds "
             "mlwa:hasWildcardAction.", pred="action"),
        strs("resources", "Resource ARNs. The lifter adds mlwa:hasWildcardResource.",
             pred="resource"),
        b("conditions", "The statement has conditions.", pred="hasConditions"),
    ), parent="Part", name_key="sid", name_required=False, link="hasStatement"),
    Kind("iam_roles", "IamRole", "IAM role", "An IAM role and its permissions.", (
        *common(),
        s("arn", "Role ARN."),
        e("assumed_by", "Who assumes it.", "sagemaker people pipeline lambda service "
          "application other", pred="assumedBy"),
        items("permissions", "Inline permissions.", "permissions"),
        strs("managed_policies", "Attached managed policies, e.g. "
             "AmazonSageMakerFullAccess.", pred="managedPolicy"),
        b("permission_boundary", "A permission boundary caps its rights."),
        b("mfa_required", "People assuming it must use MFA."),
        b("least_privilege_reviewed", "Permissions were reviewed for least privilege "
          "(IAM Access Analyzer or similar)."),
    ), link="hasIamRole"),
    Kind("budgets", "Budget", "budget", "A cost budget with alerts.", (
        *common(),
        n("amount", "Budget amount."),
        s("currency", "Currency code.", pattern=r"^[A-Z]{3}$"),
        e("period", "Budget period.", "monthly quarterly annually"),
        e("scope", "What it covers.", "workload account training inference data "
          "experimentation", pred="budgetScope"),
        i("alert_thresholds", "Alert thresholds in percent of the amount.", many=True,
          pred="alertThresholdPercent"),
        b("forecast_alerts", "Alerts on forecast spend."),
        b("actions", "Budget actions stop or restrict resources.", pred="budgetActions"),
        s("notify", "Who gets the alerts."),
        strs("cost_filter_tags", "Tag filters the budget uses.", pred="costFilterTag"),
    ), link="hasBudget"),
    Kind("attestations", "Attestation", "attestation", "A statement by a person that a "
         "practice no configuration shows is in place.", (
        s("practice", "Practice id in either edition: MLOE-01 or MLOPS01-BP01.",
          required=True, pattern=r"^ML[A-Z]+[0-9]*-(BP)?[0-9]+$", pred="practiceId"),
        e("status", "Implementation status.", "implemented partial not-implemented "
          "not-applicable", required=True, pred="attestationStatus"),
        t("evidence", "URL or text showing it.", pred="evidence"),
        s("owner", "Who attests.", required=True, pred="attestedBy"),
        d("date", "When it was attested (YYYY-MM-DD). The lifter adds mlwa:ageDays.",
          required=True, pred="attestedOn"),
        t("note", "Remarks."),
    ), parent="WorkloadElement", name_key="practice", link="hasAttestation"),
    Kind("reviews", "CustomLensReview", "custom-lens review", "Answers to the questions of "
         "a Well-Architected Tool custom lens; mlwa gives each question the risk the "
         "lens's own rules give (`engine.validate.reviews`).", (
        s("lens", "Path of the custom-lens JSON file, relative to the folder of this "
          "workload file and inside it (no absolute paths, no `..` out of the folder, no "
          "URLs; at most 500,000 bytes).", required=True, pred="reviewLensFile"),
        answers("answers", "Question id to the list of selected choice ids, as in the "
                "lens file; an empty list leaves the question unanswered.",
                pred="selectedChoice"),
    ), parent="WorkloadElement", name_key="lens", link="hasReview"),
)

# Keys of the top-level document and of the singleton sections lifted onto the workload.
WORKLOAD_FIELDS: tuple[Field, ...] = (
    s("id", "Workload identifier; names every IRI (urn:mlwa:workload:<id>/...).",
      required=True, pattern=r"^[a-z0-9][a-z0-9._-]*$", pred="workloadId"),
    s("name", "Human-readable name.", required=True),
    t("description", "What the workload does."),
    s("version", "Version of this description.", pred="descriptionVersion"),
    e("lifecycle_stage", "Where the workload is in its life.", "idea experimentation "
      "development pilot production retired"),
    e("criticality", "Business criticality.", "low medium high critical"),
    b("no_personal_data", "The workload uses no personal data anywhere: stated once for the "
      "whole workload instead of `contains_pii: false` on every data source and store."),
    g("change_process", "How changes to models and serving reach production when no "
      "pipeline (or not only a pipeline) deploys them.",
      e("type", "The process: a deployment pipeline, a manual release approved by a "
        "change advisory board, a manual release (`kubectl apply`, console) without "
        "approval, or none.", "pipeline manual-approved manual none",
        pred="changeProcess"),
      s("approver", "Who approves manual changes, e.g. the change advisory board.",
        pred="changeApprover"),
      b("recorded", "Each change is recorded (ticket, change log).",
        pred="changesRecorded"),
      prefix=False),
    g("owner", "Ownership.",
      s("team", "Owning team.", pred="ownerTeam"),
      s("contact", "Contact e-mail or alias.", pred="ownerContact"),
      s("accountable_executive", "Executive accountable for the outcome.",
        pred="accountableExecutive"),
      s("on_call", "On-call rotation.", pred="onCallRotation"),
      prefix=False),
    items("team_roles", "ML roles and responsibilities.", "team_roles"),
    g("business", "Business goal and success metrics.",
      t("goal", "Business goal in the business's own words.", pred="businessGoal"),
      t("value_hypothesis", "How the model creates value.", pred="valueHypothesis"),
      items("kpis", "Business KPIs and targets.", "kpis"),
      n("expected_annual_value", "Expected annual benefit (currency of the budgets).",
        pred="expectedAnnualValue"),
      n("estimated_annual_cost", "Estimated annual total cost of ownership.",
        pred="estimatedAnnualCost"),
      t("opportunity_cost", "What else could be done with the investment.",
        pred="opportunityCost"),
      e("roi_review_cadence", "How often ROI is reviewed.", "monthly quarterly "
        "half-yearly yearly never", pred="roiReviewCadence"),
      t("environmental_impact", "Environmental impact or benefit of the workload.",
        pred="environmentalImpact"),
      prefix=False),
    g("problem", "Problem framing.",
      t("statement", "The ML problem.", pred="problemStatement"),
      e("type", "Kind of ML problem.", "binary-classification multiclass-classification "
        "regression forecasting ranking recommendation clustering anomaly-detection "
        "generation retrieval-augmented-generation computer-vision nlp other",
        pred="mlProblemType"),
      e("data_modality", "Kinds of data the model learns from, apart from the task type: a "
        "text classifier is classification on text, not on tabular features.",
        "tabular text image audio video time-series graph multimodal", many=True,
        pred="dataModality"),
      t("why_ml", "Why ML rather than rules or a simpler method.", pred="mlJustification"),
      e("approach", "Build approach.", "ai-service pre-trained fine-tuned custom-trained",
        pred="modelApproach"),
      t("approach_tradeoffs", "Trade-off between custom and pre-trained models and AI "
        "services.", pred="approachTradeoffs"),
      e("explainability", "Agreed level of explainability.", "none global local "
        "global-and-local", pred="explainabilityLevel"),
      t("fairness_requirements", "Fairness and bias requirements.",
        pred="fairnessRequirements"),
      items("evaluation_metrics", "Evaluation metrics and thresholds.", "metrics",
            pred="hasEvaluationMetric"),
      t("baseline", "Baseline the model must beat.", pred="baselineDescription"),
      t("performance_tradeoffs", "Trade-offs between accuracy, latency, cost and "
        "complexity.", pred="performanceTradeoffs"),
      t("improvement_strategy", "How the model will be improved over time.",
        pred="improvementStrategy"),
      u("ml_profile", "Filled-in ML profile template.", pred="mlProfile"),
      prefix=False),
    items("regions", "Regions used and why.", "regions"),
    items("accounts", "AWS accounts.", "accounts"),
    items("environments", "Environments.", "environments"),
    items("data_sources", "Data sources.", "data_sources"),
    items("data_stores", "Data stores.", "data_stores"),
    items("feature_stores", "Feature stores.", "feature_stores"),
    items("processing_jobs", "Processing jobs.", "processing_jobs"),
    items("notebooks", "Notebooks.", "notebooks"),
    items("experiments", "Experiments.", "experiments"),
    items("training_jobs", "Training jobs.", "training_jobs"),
    items("tuning_jobs", "Tuning jobs.", "tuning_jobs"),
    items("model_registries", "Model registries (one per model package group).",
          "model_registries"),
    items("pipelines", "CI/CD/CT pipelines.", "pipelines"),
    items("endpoints", "Endpoints.", "endpoints"),
    items("batch_inference", "Batch inference jobs.", "batch_inference"),
    items("monitors", "Model monitors.", "monitors"),
    items("alarms", "Alarms.", "alarms"),
    items("iam_roles", "IAM roles.", "iam_roles"),
    items("budgets", "Budgets.", "budgets"),
    g("monitoring", "Workload-wide observability and feedback.",
      u("dashboard", "Operational dashboard.", pred="observabilityDashboard"),
      b("model_metrics_logged", "Model inputs, outputs and latency are logged and "
        "traceable.", pred="modelMetricsLogged"),
      b("human_review", "People review a sample of predictions (human in the loop).",
        pred="humanReview"),
      e("human_review_tool", "Tool for human review.", "a2i ground-truth custom",
        pred="humanReviewTool"),
      b("feedback_loop", "Outcomes flow back from production to data and model teams.",
        pred="feedbackLoop"),
      b("cost_by_activity", "Cost is tracked per ML activity (labelling, training, "
        "hosting).", pred="costTrackedByActivity"),
      u("runbook", "Operations runbook."),
      prefix=False),
    g("retraining", "When and how models are retrained.",
      e("strategy", "What starts retraining.", "scheduled drift-triggered "
        "performance-triggered event-driven manual none", pred="retrainingStrategy"),
      r("pipeline", "Retraining pipeline.", "pipelines", pred="retrainingPipeline"),
      e("schedule", "Schedule when scheduled.", SCHEDULE, pred="retrainingSchedule"),
      b("data_review", "New data and features are reviewed before retraining.",
        pred="retrainingDataReview"),
      b("only_when_needed", "Retrains only when drift or degradation warrants it.",
        pred="retrainOnlyWhenNeeded"),
      prefix=False),
    g("sustainability", "Sustainability choices.",
      t("goals", "Sustainability goals.", pred="sustainabilityGoals"),
      t("performance_criteria", "Sustainable performance criteria: good-enough accuracy "
        "versus energy.", pred="sustainablePerformanceCriteria"),
      t("sla_alignment", "How SLAs were relaxed or aligned with sustainability goals.",
        pred="slaSustainabilityAlignment"),
      s("efficiency_metric", "Material efficiency measure, e.g. inferences per kWh.",
        pred="efficiencyMetric"),
      b("artifact_cleanup", "Unneeded training artefacts are archived or deleted.",
        pred="artifactCleanup"),
      prefix=False),
    g("cost", "Cost governance.",
      strs("allocation_tags", "Activated cost allocation tag keys.",
           pred="costAllocationTag"),
      u("dashboard", "Cost dashboard.", pred="costDashboard"),
      b("managed_services_preferred", "Managed services are preferred to reduce TCO.",
        pred="managedServicesPreferred"),
      prefix=False),
    tags(),
    items("attestations", "Attestations for practices no configuration shows.",
          "attestations"),
    items("reviews", "Answers to Well-Architected Tool custom lenses, reviewed beside the "
          "policies.", "reviews"),
)

KIND_BY_ID: dict[str, Kind] = {k.id: k for k in KINDS}

# Top-level collections (kind id -> key on the workload) for reference resolution.
PARENT_OF: dict[str, str] = {"model_versions": "model_registries",
                             "variants": "endpoints", "feature_groups": "feature_stores",
                             "pipeline_stages": "pipelines", "permissions": "iam_roles"}

SUPERCLASSES: dict[str, tuple[str, str, str]] = {
    # local name -> (parent, label, comment)
    "WorkloadElement": ("", "workload element", "Anything described in a workload file."),
    "Workload": ("WorkloadElement", "workload", "An ML workload as described by its "
                 "architects: the root of a workload graph."),
    "Component": ("WorkloadElement", "component", "A deployable or configurable part of "
                  "a workload: data, compute, model, pipeline, endpoint, role, budget."),
    "Part": ("WorkloadElement", "part", "A detail of a component or of the workload: a "
             "KPI, a metric, a stage, a variant, a policy statement."),
}

DERIVED: tuple[tuple[str, str, str, str], ...] = (
    # (predicate, domain class, range xsd local name, comment)
    ("assessedOn", "Workload", "date", "The date the description was assessed against "
     "(the loader's as_of date, today by default)."),
    ("hasComponent", "Workload", "Component", "Links the workload to every component, "
     "nested ones included."),
    ("ageDays", "Attestation", "integer", "Days between the attestation date and the "
     "assessment date; derived by the loader."),
    ("attestsPractice", "Attestation", "lens:BestPractice", "The 2025 best practice this "
     "attestation is about (ids of the 2023 edition are mapped)."),
    ("instanceFamily", "WorkloadElement", "string", "Instance family derived from the "
     "instance type, e.g. m6g, inf2, p4d."),
    ("hardwareClass", "WorkloadElement", "string", "Derived from the instance type: "
     "graviton, inferentia, trainium, gpu, x86 or serverless."),
    ("hasWildcardAction", "WorkloadElement", "boolean", "Derived: an action is `*` or "
     "`service:*` (on statements and on their roles)."),
    ("hasWildcardResource", "WorkloadElement", "boolean", "Derived: a resource is `*` "
     "(on statements and on their roles)."),
    ("tagKey", "WorkloadElement", "string", "Key of a tag on the element (from `tags`)."),
    ("sourceLine", "WorkloadElement", "integer", "Reserved: line of the element in its "
     "source file (kept out of the graph by default; see Workload.locations)."),
)

INSTANCE_RE = re.compile(r"^(?:ml\.)?([a-z]+[0-9]+[a-z0-9-]*)\.")


def hardware_class(instance_type: str) -> tuple[str, str] | None:
    """(family, class) for an instance type such as ``ml.inf2.xlarge``."""
    if instance_type.startswith("serverless"):
        return ("serverless", "serverless")
    m = INSTANCE_RE.match(instance_type)
    if not m:
        return None
    family = m.group(1)
    letters = re.match(r"[a-z]+", family)
    series = letters.group(0) if letters else family
    suffix = family[len(series):]
    if series == "inf":
        cls = "inferentia"
    elif series == "trn":
        cls = "trainium"
    elif series in ("p", "g", "dl", "gr", "vt", "f"):
        cls = "gpu"
    elif re.match(r"[0-9]+[a-z]*g", suffix):
        cls = "graviton"
    else:
        cls = "x86"
    return (family, cls)
