"""The Terraform module in terraform/: its wiring read from the HCL, then the whole stack applied to a
moto server and checked with boto3, then destroyed.

Static tests parse terraform/*.tf with python-hcl2: every variable typed, described and validated and
used; every job wired to a role, a schedule, a log group and alarms; the environment names are the
code's (VARS in crates/linkedin-core/src/config.rs) with the code's defaults; every "*" in a policy
justified; every checkov skip with a reason; the Athena DDL split as the SQL tests split it.

The apply test copies the module to a temp dir, adds a provider override aimed at moto (never written
into terraform/), builds dummy zips (a `bootstrap` file each), runs `terraform init -plugin-dir=<mirror>`,
a plan with the defaults, an apply with every option on, and a destroy. `make terraform-check` runs fmt,
validate and checkov; this file does not depend on it having run.
"""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
from pathlib import Path

import hcl2
import pytest
from hcl2 import SerializationOptions

import athena_harness
import terraform_harness as th

JOBS = th.JOBS
TF_FILES = sorted(th.MODULE.glob("*.tf"))
BY_CONCERN = {
    "versions.tf", "variables.tf", "outputs.tf", "s3.tf", "secrets.tf", "iam.tf", "lambda.tf",
    "eventbridge.tf", "sns.tf", "athena.tf", "sagemaker.tf", "monitoring.tf",
}


def parse(path: Path) -> dict:
    """The file as plain dicts; python-hcl2's comment entries (keys "__comments__", ...) left out."""
    with open(path, encoding="utf-8") as f:
        d = hcl2.load(f, serialization_options=SerializationOptions(strip_string_quotes=True, explicit_blocks=False))
    return without_comments(d)


def without_comments(value):
    if isinstance(value, dict):
        return {k: without_comments(v) for k, v in value.items() if not k.startswith("__")}
    if isinstance(value, list):
        return [without_comments(v) for v in value]
    return value


@pytest.fixture(scope="module")
def hcl() -> dict:
    """Every top-level block of the module, merged: {"variable": {...}, "resource": {type: {name: body}}, ...}."""
    out: dict = {"variable": {}, "resource": {}, "data": {}, "output": {}, "locals": {}}
    for f in TF_FILES:
        d = parse(f)
        for v in d.get("variable", []):
            out["variable"].update(v)
        for kind in ("resource", "data"):
            for block in d.get(kind, []):
                for rtype, named in block.items():
                    out[kind].setdefault(rtype, {}).update(named)
        for o in d.get("output", []):
            out["output"].update(o)
        for block in d.get("locals", []):
            out["locals"].update(block)
    return out


def vars_from_config_rs() -> dict[str, str]:
    """VARS: name -> default, as the code documents them."""
    text = th.CONFIG_RS.read_text()
    body = text[text.index("pub const VARS"):text.index("];", text.index("pub const VARS"))]
    out = {}
    for m in re.finditer(r'name:\s*"([A-Z_]+)",\s*default:\s*("([^"]*)"|[\w:]+)', body):
        out[m.group(1)] = m.group(3) if m.group(3) is not None else m.group(2)
    assert "BUCKET_NAME" in out and "DRY_RUN" in out, "could not read VARS from config.rs"
    return out


# --- Static: the HCL -----------------------------------------------------------------------------------


def test_the_module_is_split_by_concern_and_has_no_override_file():
    names = {f.name for f in TF_FILES}
    assert BY_CONCERN <= names, f"missing: {BY_CONCERN - names}"
    overrides = [n for n in names if n == "override.tf" or n.endswith("_override.tf")]
    assert not overrides, f"override files in terraform/ would change every plan: {overrides}"
    assert (th.MODULE / "terraform.tfvars.example").is_file()


def test_every_variable_is_typed_described_validated_and_used(hcl):
    text = "\n".join(f.read_text() for f in TF_FILES)
    problems = []
    for name, body in hcl["variable"].items():
        if "type" not in body:
            problems.append(f"{name}: no type")
        if len(body.get("description", "")) < 20:
            problems.append(f"{name}: no real description")
        # A bool is validated by its type; everything else states its valid values.
        if body.get("type") != "bool" and not body.get("validation"):
            problems.append(f"{name}: no validation")
        if not re.search(rf"\bvar\.{re.escape(name)}\b", text):
            problems.append(f"{name}: declared but never used")
    assert not problems, problems


def test_every_job_has_a_role_a_schedule_a_log_group_and_alarms(hcl):
    res = hcl["resource"]
    assert hcl["locals"]["jobs"] == '${toset(["collector", "data-processor", "optimizer", "copy-generator"])}'
    per_job = {
        "aws_lambda_function": "job", "aws_iam_role": "job", "aws_iam_role_policy": "job",
        "aws_cloudwatch_log_group": "job", "aws_cloudwatch_event_rule": "job", "aws_cloudwatch_event_target": "job",
        "aws_lambda_permission": "schedule", "aws_cloudwatch_metric_alarm": "errors",
    }
    for rtype, name in per_job.items():
        assert res[rtype][name]["for_each"] == "${local.jobs}", f"{rtype}.{name} is not one per job"
    assert res["aws_cloudwatch_metric_alarm"]["missing_runs"]["for_each"] == "${local.jobs}"
    retry = res["aws_lambda_function_event_invoke_config"]["job"]
    assert retry["for_each"] == "${local.jobs}" and retry["maximum_retry_attempts"] == "${local.retry_attempts[each.key]}"
    assert hcl["locals"]["retry_attempts"] == {"collector": 2, "data-processor": 2, "optimizer": 0, "copy-generator": 0}

    fn = res["aws_lambda_function"]["job"]
    assert fn["role"] == "${aws_iam_role.job[each.key].arn}"
    assert fn["runtime"] == "provided.al2023" and fn["handler"] == "bootstrap"
    assert fn["architectures"] == ["${var.lambda_architecture}"]
    assert fn["filename"] == "${local.zip_paths[each.key]}"
    assert fn["logging_config"][0]["log_group"] == "${aws_cloudwatch_log_group.job[each.key].name}"
    assert fn["logging_config"][0]["log_format"] == "JSON"
    assert fn["tracing_config"][0]["mode"] == "Active"
    assert fn["reserved_concurrent_executions"] == "${var.lambda_reserved_concurrency}"
    assert hcl["locals"]["zip_paths"] == '${{for job in local.jobs : job => "${local.zip_dir}/${job}/bootstrap.zip"}}'
    assert "../target/lambda" in hcl["locals"]["zip_dir"]

    assert res["aws_iam_role_policy"]["job"]["role"] == "${aws_iam_role.job[each.key].id}"
    assert res["aws_cloudwatch_event_rule"]["job"]["schedule_expression"] == "${var.schedules[each.key]}"
    assert res["aws_cloudwatch_event_target"]["job"]["arn"] == "${aws_lambda_function.job[each.key].arn}"
    perm = res["aws_lambda_permission"]["schedule"]
    assert perm["principal"] == "events.amazonaws.com"
    assert perm["source_arn"] == "${aws_cloudwatch_event_rule.job[each.key].arn}"
    assert res["aws_cloudwatch_log_group"]["job"]["retention_in_days"] == "${var.log_retention_days}"

    defaults = hcl["variable"]["schedules"]["default"]
    assert defaults == {
        "collector": "rate(6 hours)", "data-processor": "cron(0 6 * * ? *)",
        "optimizer": "cron(0 8 * * ? *)", "copy-generator": "cron(0 9 ? * MON *)",
    }
    assert set(hcl["variable"]["lambda_settings"]["default"]) == set(JOBS)
    assert set(hcl["variable"]["missing_run_alarm_hours"]["default"]) == set(JOBS)
    assert set(hcl["locals"]["s3_access"]) == set(JOBS)


def test_environment_names_and_defaults_are_the_codes(hcl):
    documented = vars_from_config_rs()
    locals_text = (th.MODULE / "locals.tf").read_text()
    env_section = locals_text[locals_text.index("linkedin_env = {"):locals_text.index("# --- Bucket access")]
    names = set(re.findall(r"\b([A-Z][A-Z0-9_]{2,})\s*=", env_section))
    typ = hcl["variable"]["optimizer_settings"]["type"]
    settings = dict(re.findall(r"(\w+)\s*=\s*optional\(\w+(?:,\s*([^)]+))?\)", typ))
    names |= {k.upper() for k in settings}
    assert names - set(documented) == set(), f"not in VARS (config.rs): {names - set(documented)}"

    # The optimizer's settings default to exactly what the code defaults to ("-" = unset = null here).
    for attr, default in settings.items():
        code = documented[attr.upper()]
        if code == "-":
            assert default == "", f"{attr}: the code leaves it unset, Terraform defaults it to {default}"
        elif re.fullmatch(r"[0-9.]+", code):
            assert float(default) == float(code), f"{attr}: Terraform {default}, code {code}"
        else:
            assert default.strip('"') == code, f"{attr}: Terraform {default}, code {code}"
    assert hcl["variable"]["lookback_days"]["default"] == int(documented["LOOKBACK_DAYS"])
    assert hcl["variable"]["anthropic_model"]["default"] == documented["ANTHROPIC_MODEL"]
    assert documented["AUTO_PUBLISH"] == "false" and hcl["variable"]["copy_generator_auto_publish"]["default"] is False
    # The one deliberate difference: a first deploy runs dry (the description says why).
    assert hcl["variable"]["dry_run"]["default"] is True and "first deploy" in hcl["variable"]["dry_run"]["description"]


def test_every_wildcard_in_a_policy_is_justified():
    """A bare "*" (resource, principal), an action with a wildcard or an ARN with a wildcard field (any
    account, say) must follow a `Wildcard:` comment in the same statement. Prefix ARNs (bucket/raw/analytics/*) are not wildcards in this sense."""
    problems = []
    for f in TF_FILES:
        lines = f.read_text().splitlines()
        for i, line in enumerate(lines):
            code = line.split("#", 1)[0]
            bare = re.search(r'"\*"', code)
            wild_action = re.search(r'"[a-z0-9-]+:[A-Za-z]*\*"', code)
            wild_account = re.search(r'arn:[^"]*:\*:', code)  # any account, region or service in an ARN
            if not (bare or wild_action or wild_account):
                continue
            window = lines[max(0, i - 6):i]
            if not any("# Wildcard:" in w for w in window):
                problems.append(f"{f.name}:{i + 1}: {line.strip()}")
    assert not problems, "wildcards without a '# Wildcard: <why>' comment above them: " + "; ".join(problems)


def test_every_checkov_skip_says_why():
    skips = []
    for f in TF_FILES:
        for m in re.finditer(r"#\s*checkov:skip=([A-Z0-9_]+)(?::(.*))?", f.read_text()):
            skips.append((f.name, m.group(1), (m.group(2) or "").strip()))
    assert skips, "expected the documented skips (README.md lists them)"
    for name, check, reason in skips:
        assert re.fullmatch(r"CKV2?_AWS_\d+", check), f"{name}: {check}"
        assert len(reason) >= 40, f"{name}: skip of {check} needs a concrete reason, got {reason!r}"


def test_the_example_tfvars_sets_the_required_variables_and_only_declared_ones(hcl):
    example = parse(th.MODULE / "terraform.tfvars.example")
    declared = set(hcl["variable"])
    required = {n for n, b in hcl["variable"].items() if "default" not in b}
    assert required == {"linkedin_ad_account_id"}
    assert required <= set(example), f"the example misses {required - set(example)}"
    assert set(example) <= declared, f"undeclared in the example: {set(example) - declared}"


def test_the_athena_ddl_is_split_as_the_sql_tests_split_it(hcl):
    """athena.tf strips '--' comments and splits on ';' (HCL has no parser); that must give exactly the
    statements athena_harness.split_statements finds, which respects quotes."""
    sql = th.CREATE_TABLES.read_text()
    naive = [s.strip() for s in re.sub(r"--[^\n]*", "", sql).split(";") if s.strip()]
    careful = [athena_harness.strip_comments(s).strip() for s in athena_harness.split_statements(sql)]
    assert naive == careful
    assert 'file("${path.module}/../athena/create_tables.sql")' in hcl["locals"]["athena_ddl_sql"]


# --- The stack on moto ---------------------------------------------------------------------------------

SAGEMAKER_VARS = {
    "sagemaker_image_uri": "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3",
    "sagemaker_source_dir_url": "s3://artefacts-bucket/code/sagemaker/20261123/sourcedir.tar.gz",
    "creative_scorer_model_data_url": "s3://artefacts-bucket/models/creative_scorer/job-1/output/model.tar.gz",
    "bid_optimizer_model_data_url": "s3://artefacts-bucket/models/bid_optimizer/job-2/output/model.tar.gz",
}
ACCOUNT = "123456789012"  # moto's
BUCKET = f"linkedin-ads-{ACCOUNT}-us-east-1"
BUCKET_ARN = f"arn:aws:s3:::{BUCKET}"


class Stack:
    """The module copied to a temp dir, initialised against moto."""

    def __init__(self, root: Path, moto: th.Moto):
        self.moto = moto
        self.module = th.copy_module(root)
        th.write_moto_override(self.module, moto.endpoint)
        self.zips = th.dummy_zips(root / "lambda")
        self.env = th.tf_env(root)

    def tf(self, *args: str, timeout: int = 600) -> str:
        return th.run_terraform(list(args), self.module, self.env, timeout).stdout

    def vars_file(self, name: str, values: dict) -> str:
        path = self.module.parent / name
        path.write_text(json.dumps({"lambda_zip_dir": str(self.zips), **values}))
        return str(path)


@pytest.fixture(scope="module")
def stack():
    th.terraform_bin()  # fail here, with how to install it, rather than deep in a subprocess
    mirror = th.provider_mirror()
    moto = th.Moto()
    tmp = tempfile.TemporaryDirectory(prefix="tf-moto-")
    try:
        s = Stack(Path(tmp.name), moto)
        s.tf("init", "-input=false", "-no-color", f"-plugin-dir={mirror}")
        yield s
    finally:
        moto.stop()
        tmp.cleanup()


@pytest.fixture(scope="module")
def default_plan(stack):
    """A plan with only the required variable: what a first `terraform apply` would create."""
    vf = stack.vars_file("defaults.tfvars.json", {"linkedin_ad_account_id": "508720451"})
    stack.tf("plan", "-input=false", "-no-color", f"-var-file={vf}", "-out=defaults.tfplan", timeout=300)
    return json.loads(stack.tf("show", "-json", "defaults.tfplan"))


@pytest.fixture(scope="module")
def applied(stack, default_plan):
    """Every option on: Athena, auto-publish, SageMaker endpoints, an email subscription."""
    vf = stack.vars_file("full.tfvars.json", {
        "linkedin_ad_account_id": "508720451",
        "campaign_ids": ["454453134", "454453135"],
        "linkedin_api_version": "202610.01",  # a revision, which the code accepts too
        "notification_email": "ads-team@example.com",
        "athena_enabled": True,
        "copy_generator_auto_publish": True,
        "enable_sagemaker_endpoints": True,
        "secret_recovery_window_days": 0,
        "paused_jobs": ["copy-generator"],  # the emergency stop: its rule disabled, its missing-run alarm silent
        **SAGEMAKER_VARS,
    })
    stack.vars = vf
    stack.tf("apply", "-input=false", "-no-color", "-auto-approve", f"-var-file={vf}", timeout=900)
    return json.loads(stack.tf("output", "-json"))


def planned(plan: dict, address: str) -> dict:
    """The planned values of one resource (values known only after apply are absent)."""
    for r in plan["resource_changes"]:
        if r["address"] == address:
            return r["change"]["after"]
    raise AssertionError(f"{address} is not in the plan")


def test_a_default_plan_sets_only_what_each_job_reads(default_plan):
    env = {job: planned(default_plan, f'aws_lambda_function.job["{job}"]')["environment"][0]["variables"] for job in JOBS}
    assert env["collector"] == {
        "BUCKET_NAME": BUCKET, "LOOKBACK_DAYS": "7", "LINKEDIN_AD_ACCOUNT_ID": "508720451",
        "SECRET_NAME": "linkedin-ads/linkedin-credentials",
    }
    assert env["data-processor"] == {"BUCKET_NAME": BUCKET, "LOOKBACK_DAYS": "7"}
    assert env["copy-generator"] == {
        "BUCKET_NAME": BUCKET, "AUTO_PUBLISH": "false",
        "ANTHROPIC_SECRET_NAME": "linkedin-ads/anthropic-api-key", "ANTHROPIC_MODEL": "claude-sonnet-4-5",
    }
    opt = env["optimizer"]
    # Every value is known at plan time (a threshold change shows in the plan), the topic ARN included.
    assert opt["DRY_RUN"] == "true" and opt["SNS_TOPIC_ARN"] == f"arn:aws:sns:us-east-1:{ACCOUNT}:linkedin-ads-notifications"
    assert {k: opt[k] for k in ("MIN_CTR_THRESHOLD", "MAX_CPC", "MIN_SAMPLE_SIZE", "BID_CHANGE_THRESHOLD", "DECISION_POLICY")} == {
        "MIN_CTR_THRESHOLD": "1", "MAX_CPC": "8", "MIN_SAMPLE_SIZE": "100", "BID_CHANGE_THRESHOLD": "0.5",
        "DECISION_POLICY": "conversions",
    }
    assert "MAX_DAILY_BUDGET" not in opt and "CAMPAIGN_IDS" not in opt and "LINKEDIN_API_VERSION" not in opt
    assert not [k for k in opt if k.startswith("ATHENA_") or k.endswith("_ENDPOINT")]
    documented = vars_from_config_rs()
    for job, e in env.items():
        assert set(e) <= set(documented), f"{job}: {set(e) - set(documented)}"
    types = {r["type"] for r in default_plan["resource_changes"]}
    assert not {t for t in types if t.startswith("aws_sagemaker_")}, "endpoints must be off by default"
    assert "aws_sns_topic_subscription" not in types


def test_bad_inputs_fail_at_plan_with_the_fix(stack):
    """Values the jobs would refuse at start-up are refused by the plan, each error naming the fix."""
    vf = stack.vars_file("bad.tfvars.json", {
        "linkedin_ad_account_id": "acme",
        "optimizer_settings": {"pause_confidence": 1.5, "cooldown_days": 2.5},
        "schedules": {"collector": "cron(0 6 * * *)", "data-processor": "rate(1 day)",
                      "optimizer": "rate(1 day)", "copy-generator": "rate(7 days)"},
        "missing_run_alarm_hours": {"collector": 13, "data-processor": 26, "optimizer": 26, "copy-generator": 192},
        "log_retention_days": 10,
        "lambda_log_level": "WARN",
        "paused_jobs": ["optimiser"],
        "linkedin_api_version": "2026-10",
    })
    with pytest.raises(RuntimeError) as failed:
        stack.tf("plan", "-input=false", "-no-color", f"-var-file={vf}", timeout=300)
    out = " ".join(str(failed.value).split())
    for expected in ("linkedin_ad_account_id must be digits", "pause_confidence 0.5-0.9999",
                     "must be whole numbers", "six fields", "at most 7 days", "log_retention_days must be a value",
                     "lambda_log_level must be TRACE, DEBUG or INFO", "linkedin_api_version must be YYYYMM",
                     "paused_jobs may hold only"):
        assert expected in out, f"no {expected!r} in: {out[-3000:]}"

    vf = stack.vars_file("endpoints.tfvars.json", {"linkedin_ad_account_id": "508720451", "enable_sagemaker_endpoints": True})
    with pytest.raises(RuntimeError) as failed:
        stack.tf("plan", "-input=false", "-no-color", f"-var-file={vf}", timeout=300)
    assert "enable_sagemaker_endpoints needs sagemaker_image_uri" in " ".join(str(failed.value).split())


def test_the_bucket_is_private_encrypted_versioned_tls_only_with_the_lifecycle(stack, applied):
    s3 = stack.moto.client("s3")
    assert applied["bucket_name"]["value"] == BUCKET
    rule = s3.get_bucket_encryption(Bucket=BUCKET)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms" and rule["BucketKeyEnabled"]
    assert all(s3.get_public_access_block(Bucket=BUCKET)["PublicAccessBlockConfiguration"].values())
    assert s3.get_bucket_versioning(Bucket=BUCKET)["Status"] == "Enabled"
    assert s3.get_bucket_ownership_controls(Bucket=BUCKET)["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    statements = bucket_policy(s3)
    assert set(statements) == {"DenyInsecureTransport", "DenyOverwritesOfWriteOnceLogs", "DenyDeletesOfWriteOnceLogs"}
    deny = statements["DenyInsecureTransport"]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert set(deny["Resource"]) == {BUCKET_ARN, f"{BUCKET_ARN}/*"} and deny["Action"] == ["s3:*"]
    assert deny["Principal"] == "*"

    rules = {r["ID"]: r for r in s3.get_bucket_lifecycle_configuration(Bucket=BUCKET)["Rules"]}
    assert rules["expire-raw-pulls"]["Filter"]["Prefix"] == "raw/" and rules["expire-raw-pulls"]["Expiration"]["Days"] == 90
    tiers = rules["tier-processed-data"]
    assert tiers["Filter"]["Prefix"] == "processed/"
    assert [(t["Days"], t["StorageClass"]) for t in tiers["Transitions"]] == [(30, "STANDARD_IA"), (90, "GLACIER_IR")]
    assert rules["expire-athena-results"]["Filter"]["Prefix"] == "athena-results/"
    uploads = rules["abort-incomplete-uploads"]
    assert uploads["Filter"]["Prefix"] == "" and uploads["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"] == 7
    assert not {"Expiration", "NoncurrentVersionExpiration"} & set(uploads), "the bucket-wide rule must not expire anything"
    noncurrent = {r["Filter"]["Prefix"]: r["NoncurrentVersionExpiration"]["NoncurrentDays"]
                  for r in rules.values() if "NoncurrentVersionExpiration" in r}
    assert noncurrent == {
        "raw/": 30, "processed/": 30, "logs/collector_runs/": 30, "reports/": 30, "copy/": 30, "models/": 30,
        "code/": 30, "athena-results/": 30, "logs/optimizer_actions/": 365, "logs/write_ahead/": 365,
    }
    assert rules["expire-noncurrent-logs-optimizer_actions"]["Filter"]["Prefix"] == "logs/optimizer_actions/"


# --- The audit history: written once, never deleted, old versions kept a year --------------------------

WRITE_ONCE = ("logs/optimizer_actions/", "logs/write_ahead/")


def as_list(value) -> list:
    return [value] if isinstance(value, str) else list(value)


def bucket_policy(s3, bucket: str = BUCKET) -> dict[str, dict]:
    """The bucket policy's statements by Sid, Action and Resource always lists."""
    out = {}
    for st in json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])["Statement"]:
        out[st["Sid"]] = {**st, "Action": as_list(st["Action"]), "Resource": as_list(st["Resource"])}
    return out


def overlapping(rules: list[dict], prefix: str) -> list[dict]:
    """The enabled lifecycle rules that apply to some key under `prefix` (theirs contains it, or it theirs)."""
    out = []
    for r in rules:
        theirs = r.get("Filter", {}).get("Prefix", r.get("Prefix", ""))
        if r["Status"] == "Enabled" and (prefix.startswith(theirs) or theirs.startswith(prefix)):
            out.append(r)
    return out


def test_the_audit_and_write_ahead_logs_are_write_once_for_everyone(stack, applied):
    """What terraform/s3.tf puts in the bucket policy, as applied. That S3 enforces it is AWS's side:
    moto does not evaluate these conditions (the next test pins what it does)."""
    statements = bucket_policy(stack.moto.client("s3"))
    objects = {f"{BUCKET_ARN}/{p}*" for p in WRITE_ONCE}

    put = statements["DenyOverwritesOfWriteOnceLogs"]
    assert put["Effect"] == "Deny" and put["Principal"] == "*"
    assert put["Action"] == ["s3:PutObject"] and set(put["Resource"]) == objects
    # AWS's documented test ("Enforce conditional writes on Amazon S3 buckets"): refused unless the PUT
    # carries If-None-Match. One key only: a second key in the same Null block would be ANDed and narrow the
    # Deny (If-Match, which replaces an object whose ETag matches, must not get through).
    assert put["Condition"] == {"Null": {"s3:if-none-match": "true"}}

    delete = statements["DenyDeletesOfWriteOnceLogs"]
    assert delete["Effect"] == "Deny" and delete["Principal"] == "*"
    assert set(delete["Action"]) == {"s3:DeleteObject", "s3:DeleteObjectVersion"} and set(delete["Resource"]) == objects
    assert "Condition" not in delete, "deletes there are refused to everyone, unconditionally"


def test_old_versions_of_the_audit_logs_are_kept_a_year_and_nothing_shortens_it(stack, applied):
    """Where lifecycle rules overlap, S3 honours the shorter expiration: every rule that reaches a key under
    the write-once prefixes must keep old versions >= 365 days, and none may expire current versions.
    Every prefix anything writes has exactly one noncurrent expiry (else its old versions pile up)."""
    s3 = stack.moto.client("s3")
    assert s3.get_bucket_versioning(Bucket=BUCKET)["Status"] == "Enabled"
    rules = s3.get_bucket_lifecycle_configuration(Bucket=BUCKET)["Rules"]
    for prefix in WRITE_ONCE:
        reaching = overlapping(rules, prefix)
        days = [r["NoncurrentVersionExpiration"]["NoncurrentDays"] for r in reaching if "NoncurrentVersionExpiration" in r]
        assert days and min(days) >= 365, f"{prefix}: old versions expire after {days} days"
        assert not [r["ID"] for r in reaching if "Expiration" in r], f"{prefix}: a rule expires current versions"

    written = {"code/"}  # deploy/train-models.sh uploads the SageMaker source there
    for role in [f"linkedin-ads-{job}-lambda" for job in JOBS] + ["linkedin-ads-sagemaker"]:
        for arn in granted(role_policy(stack, role), "s3:PutObject"):
            assert arn.startswith(f"{BUCKET_ARN}/") and arn.endswith("*"), arn
            written.add(arn[len(BUCKET_ARN) + 1:-1])
    assert set(WRITE_ONCE) <= written
    for prefix in sorted(written):
        days = [r["NoncurrentVersionExpiration"]["NoncurrentDays"] for r in overlapping(rules, prefix)
                if "NoncurrentVersionExpiration" in r]
        assert days == ([365] if prefix in WRITE_ONCE else [30]), f"{prefix}: noncurrent expiries {days}"


def test_moto_enforces_the_bucket_policy_denies_but_ignores_their_conditions(stack, applied):
    """What moto 5.2.5 does with a bucket policy, pinned, so that the README's claim stays true and an
    upgrade that changes it is noticed. For object GET/PUT/DELETE it matches each statement's action
    (from the HTTP method: a DELETE with a versionId is s3:DeleteObject) and resource, and ignores
    principals and every condition (moto/iam/access_control.py: only StringEquals is implemented, and no
    request values are passed). So a conditional Deny is applied as an unconditional one: on the stack's
    bucket, the TLS-only Deny refuses every object request (the moto endpoint is plain HTTP, as AWS would).
    The write-once statements, put alone on a probe bucket, show their scope with moto's evaluator: the
    two prefixes refused, the rest of the bucket untouched, reads untouched."""
    import botocore.exceptions

    s3 = stack.moto.client("s3")

    def status(call, bucket: str, **kw) -> int:
        try:
            return call(Bucket=bucket, **kw)["ResponseMetadata"]["HTTPStatusCode"]
        except botocore.exceptions.ClientError as e:
            return e.response["ResponseMetadata"]["HTTPStatusCode"]

    # The stack's own bucket: the TLS-only Deny, its condition ignored, refuses even a conditional PUT.
    assert status(s3.put_object, BUCKET, Key="raw/x.ndjson", Body=b"x", IfNoneMatch="*") == 403

    probe = "audit-policy-probe"
    audit_key = "logs/optimizer_actions/dt=2026-11-20/20261120T080000Z-3f9a1c.jsonl"
    intent_key = "logs/write_ahead/dt=2026-11-20/20261120T080000Z-3f9a1c/0001.intent.json"
    s3.create_bucket(Bucket=probe)
    try:
        s3.put_bucket_versioning(Bucket=probe, VersioningConfiguration={"Status": "Enabled"})
        for key in ("raw/a.ndjson", audit_key, intent_key):
            s3.put_object(Bucket=probe, Key=key, Body=b"first\n")
        ours = bucket_policy(s3)
        statements = [ours[sid] for sid in ("DenyOverwritesOfWriteOnceLogs", "DenyDeletesOfWriteOnceLogs")]
        policy = json.dumps({"Version": "2012-10-17", "Statement": statements}).replace(BUCKET_ARN, f"arn:aws:s3:::{probe}")
        s3.put_bucket_policy(Bucket=probe, Policy=policy)

        assert status(s3.put_object, probe, Key="raw/b.ndjson", Body=b"x") == 200
        assert status(s3.put_object, probe, Key=audit_key, Body=b"replaced\n") == 403
        assert status(s3.put_object, probe, Key="logs/write_ahead/dt=2026-11-20/r/0002.intent.json", Body=b"x") == 403
        # On AWS a conditional PUT of a new key is allowed; moto refuses it (the Null condition ignored). If
        # this fails, moto now evaluates conditions: assert the real semantics here instead.
        assert status(s3.put_object, probe, Key="logs/optimizer_actions/dt=2026-11-20/new.jsonl", Body=b"x", IfNoneMatch="*") == 403
        assert status(s3.delete_object, probe, Key=audit_key) == 403
        [version] = s3.list_object_versions(Bucket=probe, Prefix=intent_key)["Versions"]
        assert status(s3.delete_object, probe, Key=intent_key, VersionId=version["VersionId"]) == 403
        errors = s3.delete_objects(Bucket=probe, Delete={"Objects": [{"Key": audit_key}, {"Key": "raw/a.ndjson"}]}).get("Errors", [])
        assert [(e["Key"], e["Code"]) for e in errors] == [(audit_key, "AccessDenied")]
        assert s3.get_object(Bucket=probe, Key=audit_key)["Body"].read() == b"first\n"
        assert s3.get_object(Bucket=probe, Key=intent_key)["Body"].read() == b"first\n"
    finally:  # the destroy test expects no bucket but the stack's
        s3.delete_bucket_policy(Bucket=probe)
        listed = s3.list_object_versions(Bucket=probe)
        for v in listed.get("Versions", []) + listed.get("DeleteMarkers", []):
            s3.delete_object(Bucket=probe, Key=v["Key"], VersionId=v["VersionId"])
        s3.delete_bucket(Bucket=probe)


def test_each_lambda_runs_the_zip_with_its_role_env_and_limits(stack, applied):
    lam = stack.moto.client("lambda")
    roles = applied["lambda_role_arns"]["value"]
    sns_arn = applied["sns_topic_arn"]["value"]
    envs = {}
    for job in JOBS:
        name = f"linkedin-ads-{job}"
        assert applied["lambda_function_names"]["value"][job] == name
        c = lam.get_function_configuration(FunctionName=name)
        assert (c["Runtime"], c["Handler"], c["Architectures"]) == ("provided.al2023", "bootstrap", ["arm64"])
        assert c["Role"] == roles[job] == f"arn:aws:iam::{ACCOUNT}:role/linkedin-ads-{job}-lambda"
        assert c["Timeout"] == 900 and c["MemorySize"] == (1024 if job == "data-processor" else 512)
        assert c["TracingConfig"]["Mode"] == "Active"
        assert lam.get_function_concurrency(FunctionName=name)["ReservedConcurrentExecutions"] == 1
        # A repeat of a failed optimizer or copy-generator run would act twice (lambda.tf says why).
        retries = lam.get_function_event_invoke_config(FunctionName=name)["MaximumRetryAttempts"]
        assert retries == (2 if job in ("collector", "data-processor") else 0), f"{job}: {retries} retries"
        envs[job] = c["Environment"]["Variables"]

    common = {"BUCKET_NAME": BUCKET}
    linkedin = {
        "LINKEDIN_AD_ACCOUNT_ID": "508720451", "SECRET_NAME": "linkedin-ads/linkedin-credentials",
        "LINKEDIN_API_VERSION": "202610.01",
    }
    athena = {
        "ATHENA_DATABASE": "linkedin_ads", "ATHENA_WORKGROUP": "linkedin-ads",
        "ATHENA_OUTPUT_LOCATION": f"s3://{BUCKET}/athena-results/",
    }
    assert envs["collector"] == {**common, **linkedin, "LOOKBACK_DAYS": "7", "CAMPAIGN_IDS": "454453134,454453135"}
    assert envs["data-processor"] == {**common, "LOOKBACK_DAYS": "7"}
    opt = envs["optimizer"]
    assert {k: opt.pop(k) for k in list(opt) if k in {**common, **linkedin, **athena}} == {**common, **linkedin, **athena}
    assert opt.pop("SNS_TOPIC_ARN") == sns_arn
    assert opt.pop("BID_OPTIMIZER_ENDPOINT") == "linkedin-ads-bid-optimizer"
    assert (opt.pop("DRY_RUN"), opt.pop("LOOKBACK_DAYS"), opt.pop("CAMPAIGN_IDS")) == ("true", "7", "454453134,454453135")
    assert set(opt) == {  # what is left: the thresholds and guardrails, all of them
        "DECISION_POLICY", "MIN_CTR_THRESHOLD", "TOP_PERFORMER_THRESHOLD", "MAX_CPC", "MIN_SAMPLE_SIZE",
        "BID_CHANGE_THRESHOLD", "PAUSE_CONFIDENCE", "PROB_BEST_FLOOR", "BAYES_MIN_IMPRESSIONS",
        "MAX_PAUSES_PER_CAMPAIGN", "COOLDOWN_DAYS", "MAX_BID_STEP_PERCENT", "MIN_BID", "MAX_BUDGET_STEP_PERCENT",
        "DECISION_WINDOW_DAYS", "FRESHNESS_HOURS", "MAX_MARGINAL_CPA_MULTIPLE", "CONVERSIONS_PROB_BEST_FLOOR",
        "BID_EXPERIMENT_PERCENT", "BUDGET_REALLOCATION",
    }
    assert envs["copy-generator"] == {
        **common, **linkedin, **athena, "AUTO_PUBLISH": "true", "DRY_RUN": "true",
        "ANTHROPIC_SECRET_NAME": "linkedin-ads/anthropic-api-key", "ANTHROPIC_MODEL": "claude-sonnet-4-5",
        "CREATIVE_SCORER_ENDPOINT": "linkedin-ads-creative-scorer",
    }

    logs = stack.moto.client("logs")
    groups = {g["logGroupName"]: g for g in logs.describe_log_groups(logGroupNamePrefix="/aws/lambda/linkedin-ads-")["logGroups"]}
    assert set(groups) == {f"/aws/lambda/linkedin-ads-{job}" for job in JOBS}
    assert {g.get("retentionInDays") for g in groups.values()} == {365}


def test_four_schedules_each_invoking_only_its_function(stack, applied):
    events, lam = stack.moto.client("events"), stack.moto.client("lambda")
    expected = {
        "collector": "rate(6 hours)", "data-processor": "cron(0 6 * * ? *)",
        "optimizer": "cron(0 8 * * ? *)", "copy-generator": "cron(0 9 ? * MON *)",
    }
    rules = {r["Name"]: r for r in events.list_rules(NamePrefix="linkedin-ads-")["Rules"]}
    assert set(rules) == {f"linkedin-ads-{job}-schedule" for job in JOBS}
    for job, expression in expected.items():
        rule = rules[f"linkedin-ads-{job}-schedule"]
        # paused_jobs = ["copy-generator"] in the applied variables: its rule stays, disabled.
        state = "DISABLED" if job == "copy-generator" else "ENABLED"
        assert rule["ScheduleExpression"] == expression and rule["State"] == state, f"{job}: {rule['State']}"
        [target] = events.list_targets_by_rule(Rule=rule["Name"])["Targets"]
        assert target["Arn"] == applied["lambda_function_arns"]["value"][job]
        [grant] = json.loads(lam.get_policy(FunctionName=f"linkedin-ads-{job}")["Policy"])["Statement"]
        assert grant["Principal"] == {"Service": "events.amazonaws.com"} and grant["Action"] == "lambda:InvokeFunction"
        assert grant["Condition"]["ArnLike"]["AWS:SourceArn"] == rule["Arn"]


def role_policy(stack, role: str) -> list[dict]:
    iam = stack.moto.client("iam")
    [name] = iam.list_role_policies(RoleName=role)["PolicyNames"]
    assert not iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"], f"{role}: managed policies"
    doc = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
    doc = json.loads(doc) if isinstance(doc, str) else doc
    statements = doc["Statement"]
    for s in statements:
        for key in ("Action", "Resource"):
            if isinstance(s.get(key), str):
                s[key] = [s[key]]
    return statements


def granted(statements: list[dict], action: str) -> set[str]:
    return {r for s in statements if s["Effect"] == "Allow" and action in s["Action"] for r in s["Resource"]}


def test_each_role_has_least_privilege(stack, applied):
    objects = lambda *prefixes: {f"{BUCKET_ARN}/{p}*" for p in prefixes}  # noqa: E731
    expect = {
        "collector": dict(read=[], write=["raw/analytics/", "raw/campaigns/", "raw/creatives/", "logs/collector_runs/"]),
        "data-processor": dict(
            read=["raw/analytics/", "raw/campaigns/", "raw/creatives/", "processed/creative_daily/"],
            write=["processed/creative_daily/", "processed/training/", "processed/conversion_lag/"]),
        "optimizer": dict(
            read=["processed/creative_daily/", "processed/conversion_lag/", "raw/campaigns/", "raw/creatives/",
                  "logs/collector_runs/", "logs/optimizer_actions/", "logs/write_ahead/", "models/bid_optimizer/",
                  "models/creative_scorer/", "athena-results/"],
            write=["logs/optimizer_actions/", "logs/write_ahead/", "reports/optimizer/", "athena-results/"]),
        "copy-generator": dict(
            read=["processed/creative_daily/", "raw/campaigns/", "raw/creatives/", "models/creative_scorer/",
                  "logs/optimizer_actions/", "logs/write_ahead/", "athena-results/"],
            write=["copy/pending/", "logs/optimizer_actions/", "logs/write_ahead/", "athena-results/"]),
    }
    secret_arn = stack.moto.client("secretsmanager").describe_secret(SecretId="linkedin-ads/linkedin-credentials")["ARN"]
    anthropic_arn = stack.moto.client("secretsmanager").describe_secret(SecretId="linkedin-ads/anthropic-api-key")["ARN"]
    for job, prefixes in expect.items():
        st = role_policy(stack, f"linkedin-ads-{job}-lambda")
        actions = {a for s in st for a in s["Action"]}
        assert not [a for a in actions if "*" in a], f"{job}: wildcard action"
        star = {a for s in st if "*" in s["Resource"] for a in s["Action"]}
        assert star == {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}, f"{job}: Resource * for {star}"
        assert not {a for a in actions if a.startswith("s3:Delete")}, f"{job} may delete objects"

        assert granted(st, "s3:GetObject") == objects(*prefixes["read"])
        assert granted(st, "s3:PutObject") == objects(*prefixes["write"])
        # The write-once logs only with If-None-Match (the bucket policy refuses anything else anyway).
        once = [p for p in prefixes["write"] if p in WRITE_ONCE]
        puts_once = [s for s in st if "s3:PutObject" in s["Action"] and set(s["Resource"]) & objects(*WRITE_ONCE)]
        assert len(puts_once) == (1 if once else 0), f"{job}: {puts_once}"
        for s in puts_once:
            assert set(s["Resource"]) == objects(*once) and s["Condition"] == {"Null": {"s3:if-none-match": "false"}}, s
        lists = [s for s in st if "s3:ListBucket" in s["Action"]]
        if prefixes["read"]:
            [ls] = lists
            assert ls["Resource"] == [BUCKET_ARN]
            values = ls["Condition"]["StringLike"]["s3:prefix"]
            assert set([values] if isinstance(values, str) else values) == {f"{p}*" for p in prefixes["read"]}
        else:
            assert not lists
        assert granted(st, "logs:PutLogEvents") == {f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/lambda/linkedin-ads-{job}:*"}
        assert "logs:CreateLogGroup" not in actions and "cloudwatch:PutMetricData" not in actions

        # Shared resources: only the jobs that use them, only those resources.
        assert granted(st, "secretsmanager:PutSecretValue") == ({secret_arn} if job != "data-processor" else set())
        assert granted(st, "secretsmanager:GetSecretValue") == {
            "collector": {secret_arn}, "data-processor": set(), "optimizer": {secret_arn},
            "copy-generator": {secret_arn, anthropic_arn},
        }[job]
        assert granted(st, "sns:Publish") == ({applied["sns_topic_arn"]["value"]} if job == "optimizer" else set())
        athena = job in ("optimizer", "copy-generator")
        assert granted(st, "athena:StartQueryExecution") == ({f"arn:aws:athena:us-east-1:{ACCOUNT}:workgroup/linkedin-ads"} if athena else set())
        assert granted(st, "glue:GetTable") == ({
            f"arn:aws:glue:us-east-1:{ACCOUNT}:catalog", f"arn:aws:glue:us-east-1:{ACCOUNT}:database/linkedin_ads",
            f"arn:aws:glue:us-east-1:{ACCOUNT}:table/linkedin_ads/*",
        } if athena else set())
        # The results location: the bucket's region and multipart uploads, on the bucket alone.
        for action in ("s3:GetBucketLocation", "s3:ListBucketMultipartUploads"):
            assert granted(st, action) == ({BUCKET_ARN} if athena else set()), f"{job}: {action}"
        assert granted(st, "s3:AbortMultipartUpload") == (objects("athena-results/") if athena else set())
        endpoint = {"optimizer": "linkedin-ads-bid-optimizer", "copy-generator": "linkedin-ads-creative-scorer"}.get(job)
        assert granted(st, "sagemaker:InvokeEndpoint") == (
            {f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:endpoint/{endpoint}"} if endpoint else set())

        trust = stack.moto.client("iam").get_role(RoleName=f"linkedin-ads-{job}-lambda")["Role"]["AssumeRolePolicyDocument"]
        assert [s["Principal"] for s in trust["Statement"]] == [{"Service": "lambda.amazonaws.com"}]

    sm = role_policy(stack, "linkedin-ads-sagemaker")
    star = {a for s in sm if "*" in s["Resource"] for a in s["Action"]}
    assert star == {"ecr:GetAuthorizationToken", "cloudwatch:PutMetricData"}
    assert granted(sm, "s3:PutObject") == {f"{BUCKET_ARN}/models/*"}
    assert {f"arn:aws:s3:::{u[5:]}" for u in SAGEMAKER_VARS.values() if u.startswith("s3://")} <= granted(sm, "s3:GetObject")


def test_the_topic_the_alarms_and_the_secrets(stack, applied):
    sns = stack.moto.client("sns")
    topic = applied["sns_topic_arn"]["value"]
    [sub] = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert (sub["Protocol"], sub["Endpoint"]) == ("email", "ads-team@example.com")
    policy = json.loads(sns.get_topic_attributes(TopicArn=topic)["Attributes"]["Policy"])
    assert {s["Sid"] for s in policy["Statement"]} == {"CloudWatchAlarmsPublish", "DenyInsecureTransport"}

    alarms = {a["AlarmName"]: a for a in stack.moto.client("cloudwatch").describe_alarms(AlarmNamePrefix="linkedin-ads-")["MetricAlarms"]}
    # 4 errors, 4 missing runs, 1 refresh token expiring, 3 token save failures (auto-publish is on).
    assert set(alarms) == set(applied["alarm_names"]["value"]) and len(alarms) == 12
    for job in ("collector", "optimizer", "copy-generator"):
        save = alarms[f"linkedin-ads-{job}-token-save-failures"]
        assert (save["Namespace"], save["MetricName"], save["Statistic"]) == ("LinkedInAds", "TokenSaveFailures", "Sum")
        assert save["Dimensions"] == [{"Name": "Job", "Value": job}]
        assert (save["ComparisonOperator"], save["Threshold"], save["TreatMissingData"]) == ("GreaterThanOrEqualToThreshold", 1, "notBreaching")
    hours = {"collector": 13, "data-processor": 26, "optimizer": 26, "copy-generator": 168}
    for job in JOBS:
        err = alarms[f"linkedin-ads-{job}-errors"]
        assert (err["Namespace"], err["MetricName"], err["Statistic"]) == ("AWS/Lambda", "Errors", "Sum")
        assert err["Dimensions"] == [{"Name": "FunctionName", "Value": f"linkedin-ads-{job}"}]
        assert (err["ComparisonOperator"], err["Threshold"], err["TreatMissingData"]) == ("GreaterThanOrEqualToThreshold", 1, "notBreaching")
        miss = alarms[f"linkedin-ads-{job}-missing-runs"]
        assert (miss["Namespace"], miss["MetricName"], miss["Statistic"]) == ("LinkedInAds", "Runs", "Sum")
        assert miss["Dimensions"] == [{"Name": "Job", "Value": job}]
        assert (miss["Period"], miss["EvaluationPeriods"], miss["DatapointsToAlarm"]) == (3600, hours[job], hours[job])
        assert miss["Period"] * miss["EvaluationPeriods"] <= 7 * 86400, "CloudWatch evaluates at most 7 days"
        assert (miss["ComparisonOperator"], miss["Threshold"], miss["TreatMissingData"]) == ("LessThanThreshold", 1, "breaching")
    for name, a in alarms.items():
        # A paused job (copy-generator here) misses runs on purpose: that one alarm sends nothing.
        assert a["ActionsEnabled"] == (name != "linkedin-ads-copy-generator-missing-runs"), name
        assert a["AlarmActions"] == [topic] and a["OKActions"] == [topic]

    sm = stack.moto.client("secretsmanager")
    for name in ("linkedin-ads/linkedin-credentials", "linkedin-ads/anthropic-api-key"):
        with pytest.raises(sm.exceptions.ResourceNotFoundException):  # Terraform never sets a value
            sm.get_secret_value(SecretId=name)


def test_athena_glue_and_the_endpoints(stack, applied):
    athena = stack.moto.client("athena")
    config = athena.get_work_group(WorkGroup="linkedin-ads")["WorkGroup"]["Configuration"]
    assert config["ResultConfiguration"]["OutputLocation"] == f"s3://{BUCKET}/athena-results/"
    assert config["EnforceWorkGroupConfiguration"] and config["BytesScannedCutoffPerQuery"] == 1073741824
    assert stack.moto.client("glue").get_database(Name="linkedin_ads")["Database"]["Name"] == "linkedin_ads"

    ids = applied["athena_ddl_named_query_ids"]["value"]
    queries = [athena.get_named_query(NamedQueryId=i)["NamedQuery"] for i in ids]
    sql = th.CREATE_TABLES.read_text().replace("__BUCKET__", BUCKET)
    expected = [athena_harness.strip_comments(s).strip() for s in athena_harness.split_statements(sql)]
    assert [q["QueryString"] for q in queries] == expected
    assert [q["Name"] for q in queries][:2] == ["linkedin-ads-ddl-01-linkedin_ads", "linkedin-ads-ddl-02-raw_analytics"]
    assert {q["Database"] for q in queries} == {"linkedin_ads"} and {q["WorkGroup"] for q in queries} == {"linkedin-ads"}

    sagemaker = stack.moto.client("sagemaker")
    for model, url in (("creative_scorer", SAGEMAKER_VARS["creative_scorer_model_data_url"]),
                       ("bid_optimizer", SAGEMAKER_VARS["bid_optimizer_model_data_url"])):
        name = applied[f"{model}_endpoint_name"]["value"]
        endpoint = sagemaker.describe_endpoint(EndpointName=name)
        config = sagemaker.describe_endpoint_config(EndpointConfigName=endpoint["EndpointConfigName"])
        [variant] = config["ProductionVariants"]
        assert variant["InstanceType"] == "ml.t2.medium" and variant["InitialInstanceCount"] == 1
        container = sagemaker.describe_model(ModelName=variant["ModelName"])["PrimaryContainer"]
        assert container["ModelDataUrl"] == url and container["Image"] == SAGEMAKER_VARS["sagemaker_image_uri"]
        assert container["Environment"]["SAGEMAKER_PROGRAM"] == "inference.py"
        assert container["Environment"]["SAGEMAKER_SUBMIT_DIRECTORY"] == SAGEMAKER_VARS["sagemaker_source_dir_url"]


def test_destroy_removes_the_stack(stack, applied):
    # moto has no DeleteNamedQuery; on AWS, destroy deletes them (and force_destroy on the workgroup would).
    stack.tf("state", "rm", "aws_athena_named_query.ddl")
    stack.tf("destroy", "-input=false", "-no-color", "-auto-approve", f"-var-file={stack.vars}", timeout=600)
    assert stack.moto.client("lambda").list_functions()["Functions"] == []
    assert stack.moto.client("s3").list_buckets()["Buckets"] == []
    assert stack.moto.client("events").list_rules(NamePrefix="linkedin-ads-")["Rules"] == []
    assert stack.moto.client("sns").list_topics()["Topics"] == []
    assert stack.moto.client("cloudwatch").describe_alarms()["MetricAlarms"] == []
    assert [r for r in stack.moto.client("iam").list_roles()["Roles"] if r["RoleName"].startswith("linkedin-ads-")] == []
    assert json.loads(stack.tf("show", "-json")).get("values") is None, "state should be empty"
