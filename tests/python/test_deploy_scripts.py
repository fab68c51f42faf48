"""The deploy scripts (deploy/*.sh): their command lines, the zip check, and the AWS and Terraform
calls they make, against recording stand-ins for `aws` and `terraform` (no cloud account needed).

`make deploy-check` runs shellcheck on the same scripts.
"""

import base64
import hashlib
import json
import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
SCRIPTS = sorted(DEPLOY.glob("*.sh"))
LAMBDAS = ["collector", "data-processor", "optimizer", "copy-generator"]

# A stand-in for the AWS CLI: logs every call as a JSON line to $FAKE_LOG, keeps S3 objects under
# $FAKE_S3/<bucket>/<key> and the functions' configurations in $FAKE_LAMBDA (JSON, name -> config).
FAKE_AWS = r'''
import io, json, os, shutil, sys, tarfile
from pathlib import Path

args = sys.argv[1:]
with open(os.environ["FAKE_LOG"], "a") as log:
    log.write(json.dumps({"tool": "aws", "args": args,
                          "AWS_MAX_ATTEMPTS": os.environ.get("AWS_MAX_ATTEMPTS")}) + "\n")

def opt(name, default=None):
    return args[args.index(name) + 1] if name in args else default

def s3_path(uri):
    return Path(os.environ["FAKE_S3"]) / uri[len("s3://"):]

def lambdas():
    return json.loads(Path(os.environ["FAKE_LAMBDA"]).read_text())

service, command = args[0], args[1]
if (service, command) == ("configure", "get"):
    print("us-east-1")
elif (service, command) == ("s3", "ls"):
    sys.exit(0 if s3_path(args[2]).exists() else 1)
elif (service, command) == ("s3", "cp"):
    src, dst = [a for a in args[2:] if not a.startswith("--")]
    if dst.startswith("s3://"):
        s3_path(dst).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(src, s3_path(dst))
    else:
        shutil.copy(s3_path(src), dst)
elif (service, command) == ("sagemaker", "create-training-job"):
    request = json.loads(Path(opt("--cli-input-json")[len("file://"):]).read_text())
    with open(os.environ["FAKE_LOG"], "a") as log:
        log.write(json.dumps({"tool": "aws", "training_job": request}) + "\n")
    print(json.dumps({"TrainingJobArn": "arn:aws:sagemaker:us-east-1:1:training-job/" + request["TrainingJobName"]}))
elif (service, command) == ("sagemaker", "wait"):
    pass
elif (service, command) == ("sagemaker", "describe-training-job"):
    job = opt("--training-job-name")
    model = "creative_scorer" if "creative-scorer" in job else "bid_optimizer"
    artifact = f"s3://{os.environ['FAKE_BUCKET']}/models/{model}/{job}/output/model.tar.gz"
    path = s3_path(artifact)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as tar:
        for name, body in [("model.json", '{"model": "%s"}' % model), ("model.joblib", "pickle"),
                           ("features.json", "{}"),
                           ("metrics.json", json.dumps({"training_rows": 40, "metrics": {"cv_r2": 0.77, "train_r2": 0.9}}))]:
            data = body.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    print(json.dumps({"TrainingJobStatus": os.environ.get("FAKE_JOB_STATUS", "Completed"),
                      "FailureReason": "AlgorithmError: boom",
                      "ModelArtifacts": {"S3ModelArtifacts": artifact}}))
elif (service, command) == ("lambda", "invoke"):
    out = args[-1]
    payload = Path(opt("--payload")[len("fileb://"):]).read_text()
    with open(os.environ["FAKE_LOG"], "a") as log:
        log.write(json.dumps({"tool": "aws", "payload": json.loads(payload)}) + "\n")
    Path(out).write_text(os.environ.get("FAKE_RESULT", '{"ok": true}'))
    meta = {"StatusCode": 200, "LogResult": "aGVsbG8gbG9n"}  # "hello log"
    if os.environ.get("FAKE_FUNCTION_ERROR"):
        meta["FunctionError"] = "Unhandled"
    print(json.dumps(meta))
elif (service, command) == ("lambda", "get-function-configuration"):
    config = lambdas()[opt("--function-name")]
    query = opt("--query")
    if query:
        key = query.split(".")[-1]
        print(config.get("Environment", {}).get("Variables", {}).get(key, "None"))
    else:
        print(json.dumps(config))
elif (service, command) == ("lambda", "update-function-configuration"):
    state = lambdas()
    env = json.loads(Path(opt("--environment")[len("file://"):]).read_text())
    state[opt("--function-name")]["Environment"] = env
    Path(os.environ["FAKE_LAMBDA"]).write_text(json.dumps(state))
elif (service, command) == ("lambda", "wait"):
    pass
elif (service, command) == ("athena", "get-named-query"):
    i = opt("--named-query-id")
    print(json.dumps({"NamedQuery": {"Name": f"q-{i}", "QueryString": f"SELECT '{i}'"}}))
elif (service, command) == ("athena", "start-query-execution"):
    print("exec-" + opt("--query-string").split("'")[1])
elif (service, command) == ("athena", "get-query-execution"):
    # FAKE_ATHENA_FAIL=<named query id>: that one's execution fails; every other one succeeds.
    failed = opt("--query-execution-id") == "exec-" + os.environ.get("FAKE_ATHENA_FAIL", "none")
    assert opt("--query") == "QueryExecution.Status.[State,StateChangeReason]", opt("--query")
    print("FAILED\tline 1:8: mismatched input 'TABLEX'" if failed else "SUCCEEDED\tNone")
else:
    print(f"fake aws: unexpected call {args}", file=sys.stderr)
    sys.exit(99)
'''

# A stand-in for terraform: logs calls; `plan` writes its -out file and exits $FAKE_PLAN_EXIT (2:
# changes); `output [-raw|-json] [NAME]` answers from $FAKE_TF_OUTPUTS (JSON).
FAKE_TERRAFORM = r'''
import json, os, sys
from pathlib import Path

args = sys.argv[1:]
with open(os.environ["FAKE_LOG"], "a") as log:
    log.write(json.dumps({"tool": "terraform", "args": args}) + "\n")
rest = [a for a in args if not a.startswith("-chdir=")]
if rest[0] == "plan":
    out = next(a for a in rest if a.startswith("-out="))[len("-out="):]
    Path(out).write_text("plan")
    sys.exit(int(os.environ.get("FAKE_PLAN_EXIT", "2")))
if rest[0] == "output":
    outputs = json.loads(os.environ.get("FAKE_TF_OUTPUTS", "{}"))
    names = [a for a in rest[1:] if not a.startswith("-")]
    if not names:
        print(json.dumps(outputs))
    elif names[0] not in outputs:
        sys.exit(1)
    else:
        value = outputs[names[0]]
        print(value if "-raw" in rest else json.dumps(value), end="")
'''


def run(script, *args, env=None, stdin=subprocess.DEVNULL):
    return subprocess.run([str(DEPLOY / script), *args], capture_output=True, text=True, env=env,
                          stdin=stdin, cwd=ROOT, timeout=120)


def write_tool(directory: Path, name: str, source: str) -> None:
    path = directory / name
    path.write_text(f"#!{sys.executable}\n{source}")
    path.chmod(0o755)


@pytest.fixture
def fake(tmp_path):
    """An environment with the stand-ins first on PATH; .log() returns the recorded calls."""

    class Fake:
        def __init__(self):
            self.bin = tmp_path / "bin"
            self.bin.mkdir()
            write_tool(self.bin, "aws", FAKE_AWS)
            write_tool(self.bin, "terraform", FAKE_TERRAFORM)
            self.s3 = tmp_path / "s3"
            self.tf_dir = tmp_path / "terraform"
            self.tf_dir.mkdir()
            self.lambda_state = tmp_path / "lambda.json"
            self.lambda_state.write_text(json.dumps({
                f"linkedin-ads-{name}": {"FunctionName": f"linkedin-ads-{name}", "Environment": {
                    "Variables": {"BUCKET_NAME": "the-bucket", "DRY_RUN": "false"}}}
                for name in LAMBDAS}))
            self.log_path = tmp_path / "calls.jsonl"
            self.log_path.touch()
            self.env = {**os.environ, "PATH": f"{self.bin}:{os.environ['PATH']}", "FAKE_LOG": str(self.log_path),
                        "FAKE_S3": str(self.s3), "FAKE_LAMBDA": str(self.lambda_state),
                        "FAKE_BUCKET": "the-bucket", "TF_DIR": str(self.tf_dir), "AWS_REGION": "us-east-1"}
            for name in ("BUCKET_NAME", "SAGEMAKER_ROLE_ARN", "SKLEARN_IMAGE_URI", "SKLEARN_FRAMEWORK_VERSION",
                         "LAMBDA_NAME_PREFIX", "CARGO_TARGET_DIR", "TF_INIT_ARGS"):
                self.env.pop(name, None)

        def log(self, tool=None):
            calls = [json.loads(line) for line in self.log_path.read_text().splitlines()]
            return [c for c in calls if tool is None or c["tool"] == tool]

        def env_of(self, function):
            return json.loads(self.lambda_state.read_text())[function]["Environment"]["Variables"]

    return Fake()


# --- every script: the conventions ------------------------------------------------------------------


def test_there_are_the_seven_scripts():
    assert [p.name for p in SCRIPTS] == ["athena-ddl.sh", "build.sh", "deploy-all.sh", "deploy-endpoints.sh",
                                         "invoke.sh", "train-models.sh", "update-lambda-endpoints.sh"]


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_script_is_executable_bash_in_strict_mode(script):
    text = script.read_text()
    assert text.startswith("#!/usr/bin/env bash\n")
    assert "\nset -euo pipefail\n" in text
    assert script.stat().st_mode & stat.S_IXUSR


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_help_prints_the_usage_and_exits_0(script):
    for flag in ("--help", "-h"):
        result = run(script.name, flag)
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith(f"Usage: deploy/{script.name}")
        assert result.stderr == ""


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_an_unknown_option_prints_the_usage_on_stderr_and_exits_2(script):
    result = run(script.name, "--no-such-option")
    assert result.returncode == 2
    assert "unknown option: --no-such-option" in result.stderr
    assert f"Usage: deploy/{script.name}" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("script", ["invoke.sh", "train-models.sh", "update-lambda-endpoints.sh",
                                    "deploy-endpoints.sh", "athena-ddl.sh"])
def test_a_missing_aws_cli_is_named_with_how_to_install_it(script, tmp_path):
    path = ":".join(d for d in os.environ["PATH"].split(":") if d and not (Path(d) / "aws").exists())
    env = {**os.environ, "PATH": path, "TF_DIR": str(tmp_path), "BUCKET_NAME": "b", "SAGEMAKER_ROLE_ARN": "r"}
    args = {"invoke.sh": ["--remote", "collector"], "update-lambda-endpoints.sh": ["--via", "aws", "--unset"]}
    if script in ("deploy-endpoints.sh", "athena-ddl.sh"):  # terraform is checked first: give it one
        write_tool(tmp_path, "terraform", "")
        env["PATH"] = f"{tmp_path}:{path}"
    result = run(script, *args.get(script, []), env=env)
    assert result.returncode == 1
    assert "the AWS CLI (aws) is not installed" in result.stderr
    assert "getting-started-install" in result.stderr


def test_a_missing_terraform_is_named_with_how_to_install_it(tmp_path):
    path = ":".join(d for d in os.environ["PATH"].split(":") if d and not (Path(d) / "terraform").exists())
    result = run("deploy-all.sh", "--skip-build", env={**os.environ, "PATH": path})
    assert result.returncode == 1
    assert "terraform is not installed" in result.stderr
    assert "developer.hashicorp.com/terraform/install" in result.stderr


# --- build.sh: the zip check ------------------------------------------------------------------------


def elf_header(machine: int) -> bytes:
    """The first 64 bytes of a 64-bit little-endian ELF executable (ET_DYN) for a machine."""
    head = bytearray(64)
    head[:4] = b"\x7fELF"
    head[4], head[5], head[6] = 2, 1, 1
    head[16:18] = (3).to_bytes(2, "little")
    head[18:20] = machine.to_bytes(2, "little")
    return bytes(head) + b"\0" * 1000


def make_zips(target: Path, **kwargs):
    """The four zips where a build with CARGO_TARGET_DIR=target puts them."""
    write_zips(target / "lambda", **kwargs)


def write_zips(lambda_dir: Path, machine=0x3E, mode=0o755, extra=None, skip=(), release=b""):
    for name in LAMBDAS:
        if name in skip:
            continue
        folder = lambda_dir / name
        folder.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(folder / "bootstrap.zip", "w") as z:
            info = zipfile.ZipInfo("bootstrap")
            info.external_attr = (stat.S_IFREG | mode) << 16
            z.writestr(info, elf_header(machine) + release)  # release: bytes that tell builds apart
            if extra:
                z.writestr(extra, "x")


def verify(tmp_path, arch):
    return run("build.sh", "--verify-only", "--arch", arch, env={**os.environ, "CARGO_TARGET_DIR": str(tmp_path)})


def test_verify_accepts_an_executable_bootstrap_for_the_architecture(tmp_path):
    make_zips(tmp_path)
    result = verify(tmp_path, "x86_64")
    assert result.returncode == 0, result.stderr
    for name in LAMBDAS:
        assert f"{name}" in result.stdout
        assert str(tmp_path / "lambda" / name / "bootstrap.zip") in result.stdout
    make_zips(tmp_path, machine=0xB7)
    assert verify(tmp_path, "arm64").returncode == 0


@pytest.mark.parametrize("broken, message", [
    ({"machine": 0xB7}, "built for arm64, not x86_64"),
    ({"mode": 0o644}, "not executable"),
    ({"extra": "README"}, "expected one member, bootstrap"),
    ({"skip": ("optimizer",)}, "missing"),
])
def test_verify_refuses_a_zip_lambda_could_not_run(tmp_path, broken, message):
    make_zips(tmp_path, **broken)
    result = verify(tmp_path, "x86_64")
    assert result.returncode == 1
    assert message in result.stderr


def stand_in_cargo(tmp_path: Path, source: str) -> tuple[dict, Path]:
    """An environment with a stand-in `cargo` (and an empty `cargo-lambda`) first on PATH. `source` runs
    with `args` (cargo's arguments) and `log` (a JSON file for it to write, returned) defined."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "cargo.json"
    write_tool(bin_dir, "cargo", f"import json, sys\nargs = sys.argv[1:]\nlog = {str(log)!r}\n{source}")
    write_tool(bin_dir, "cargo-lambda", "")
    return {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}, log


def test_build_with_a_zip_dir_builds_and_checks_there(tmp_path):
    """--zip-dir keeps a release: cargo lambda writes there (--lambda-dir) and the check reads there."""
    # cargo records its arguments and writes x86_64 zips where --lambda-dir says.
    env, log = stand_in_cargo(tmp_path, f'''
sys.path.insert(0, {str(Path(__file__).parent)!r})
from pathlib import Path
from test_deploy_scripts import write_zips
json.dump(args, open(log, "w"))
write_zips(Path(args[args.index("--lambda-dir") + 1]))
''')
    env["CARGO_TARGET_DIR"] = str(tmp_path / "target")
    result = subprocess.run([str(DEPLOY / "build.sh"), "--arch", "x86_64", "--zip-dir", "releases/v1"],
                            capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    args = json.loads(log.read_text())
    assert args[:2] == ["lambda", "build"] and "--x86-64" in args
    release = tmp_path / "releases" / "v1"  # relative to where the operator stands
    assert args[args.index("--lambda-dir") + 1] == str(release)
    for name in LAMBDAS:
        assert str(release / name / "bootstrap.zip") in result.stdout
    assert not (tmp_path / "target" / "lambda").exists()


def test_build_refuses_an_unknown_architecture():
    result = run("build.sh", "--arch", "sparc")
    assert result.returncode == 2
    assert "--arch must be arm64 or x86_64" in result.stderr


# --- invoke.sh ----------------------------------------------------------------------------------------


def test_remote_invoke_sends_a_scheduled_event_with_as_of_once(fake):
    result = run("invoke.sh", "--remote", "--as-of", "2026-11-20", "optimizer", env=fake.env)
    assert result.returncode == 0, result.stderr
    assert '{"ok": true}' in result.stdout
    assert "hello log" in result.stderr
    call = next(c for c in fake.log("aws") if "args" in c and c["args"][:2] == ["lambda", "invoke"])
    assert call["args"][call["args"].index("--function-name") + 1] == "linkedin-ads-optimizer"
    assert call["AWS_MAX_ATTEMPTS"] == "1"  # a retried synchronous invoke would run the job twice
    payload = next(c["payload"] for c in fake.log("aws") if "payload" in c)
    assert payload["detail-type"] == "Scheduled Event"
    assert payload["source"] == "aws.events"
    assert payload["detail"] == {"as_of": "2026-11-20"}
    assert payload["time"].endswith("Z")


def test_remote_invoke_fails_when_the_function_does(fake):
    env = {**fake.env, "FAKE_FUNCTION_ERROR": "1", "FAKE_RESULT": '{"errorMessage": "2 campaigns failed"}'}
    result = run("invoke.sh", "--remote", "collector", env=env)
    assert result.returncode == 1
    assert "2 campaigns failed" in result.stdout
    assert "the function failed" in result.stderr
    payload = next(c["payload"] for c in fake.log("aws") if "payload" in c)
    assert payload["detail"] == {}


def test_the_sample_event_is_a_scheduled_event():
    event = json.loads((DEPLOY / "events" / "scheduled.json").read_text())
    assert event["detail-type"] == "Scheduled Event" and event["detail"] == {}


@pytest.mark.parametrize("args, message", [
    (["collector", "--as-of", "20261120"], "--as-of must be a date"),
    (["scheduler"], "unknown function 'scheduler'"),
    ([], "which function?"),
    (["collector", "optimizer"], "one FUNCTION only"),
    (["--async", "collector"], "go with --remote"),
])
def test_invoke_refuses_a_bad_command_line(args, message):
    result = run("invoke.sh", *args)
    assert result.returncode == 2
    assert message in result.stderr


def test_local_invoke_asks_for_cargo_lambda_watch_when_nothing_listens():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    result = run("invoke.sh", "--port", str(port), "collector")
    assert result.returncode == 1
    assert f"nothing listens on 127.0.0.1:{port}" in result.stderr
    assert "cargo lambda watch" in result.stderr


def test_local_invoke_calls_cargo_lambda_invoke_on_the_watch_port(tmp_path):
    env, log = stand_in_cargo(tmp_path, '''
event = json.load(open(args[args.index("--data-file") + 1]))
json.dump({"args": args, "event": event}, open(log, "w"))
print('{"run": "ok"}')
''')
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        result = run("invoke.sh", "--port", str(port), "--as-of", "2026-10-05", "data-processor", env=env)
    assert result.returncode == 0, result.stderr
    assert '{"run": "ok"}' in result.stdout
    call = json.loads(log.read_text())
    assert call["args"][:3] == ["lambda", "invoke", "data-processor"]
    assert call["args"][call["args"].index("--invoke-port") + 1] == str(port)
    assert call["event"]["detail"] == {"as_of": "2026-10-05"}


# --- train-models.sh -----------------------------------------------------------------------------------


def seed_training_sets(fake):
    for model in ("creative_scorer", "bid_optimizer"):
        folder = fake.s3 / "the-bucket" / "processed" / "training" / model
        folder.mkdir(parents=True)
        (folder / "features.json").write_text("{}")


def test_train_starts_one_script_mode_job_per_model(fake):
    seed_training_sets(fake)
    result = run("train-models.sh", "--bucket", "the-bucket", "--role-arn", "arn:aws:iam::1:role/sm",
                 "--no-wait", env=fake.env)
    assert result.returncode == 0, result.stderr
    jobs = [c["training_job"] for c in fake.log("aws") if "training_job" in c]
    assert [j["TrainingJobName"].rsplit("-", 2)[0] for j in jobs] == [
        "linkedin-ads-creative-scorer", "linkedin-ads-bid-optimizer"]
    assert all(j["Tags"] == [{"Key": "project", "Value": "linkedin-ads"}] for j in jobs)
    for job, model in zip(jobs, ("creative_scorer", "bid_optimizer")):
        assert job["AlgorithmSpecification"]["TrainingImage"] == (
            "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3")
        assert job["RoleArn"] == "arn:aws:iam::1:role/sm"
        channel = job["InputDataConfig"][0]
        assert channel["ChannelName"] == "train"
        assert channel["DataSource"]["S3DataSource"]["S3Uri"] == f"s3://the-bucket/processed/training/{model}/"
        assert job["OutputDataConfig"]["S3OutputPath"] == f"s3://the-bucket/models/{model}/"
        hp = job["HyperParameters"]
        assert json.loads(hp["sagemaker_program"]) == f"train_{model}.py"
        source = json.loads(hp["sagemaker_submit_directory"])
        assert source.startswith("s3://the-bucket/code/sagemaker/")
        regexes = {m["Name"]: m["Regex"] for m in job["AlgorithmSpecification"]["MetricDefinitions"]}
        assert regexes["cv:rmse"] == "cv_rmse=([-+0-9.eE]+);"
    with tarfile.open(fake.s3 / source[len("s3://"):]) as tar:
        assert {"common.py", "inference.py", "requirements.txt", "train_creative_scorer.py",
                "train_bid_optimizer.py"} <= set(tar.getnames())


def test_train_waits_reports_and_publishes_only_when_asked(fake):
    seed_training_sets(fake)
    args = ["--bucket", "the-bucket", "--role-arn", "r", "--model", "bid_optimizer"]
    result = run("train-models.sh", *args, env=fake.env)
    assert result.returncode == 0, result.stderr
    assert "cv: r2 0.77" in result.stdout
    assert "not published" in result.stdout
    published = fake.s3 / "the-bucket" / "models" / "bid_optimizer" / "model.json"
    assert not published.exists()
    result = run("train-models.sh", *args, "--publish", env=fake.env)
    assert result.returncode == 0, result.stderr
    assert json.loads(published.read_text()) == {"model": "bid_optimizer"}
    assert (published.parent / "metrics.json").exists()


def test_train_prints_the_endpoint_variables_for_both_models(fake):
    seed_training_sets(fake)
    result = run("train-models.sh", "--bucket", "the-bucket", "--role-arn", "r", env=fake.env)
    assert result.returncode == 0, result.stderr
    line = next(l for l in result.stdout.splitlines() if "deploy/deploy-endpoints.sh" in l).split()
    assert line[line.index("--image-uri") + 1].endswith("sagemaker-scikit-learn:1.2-1-cpu-py3")
    assert line[line.index("--source-dir-url") + 1].endswith("/sourcedir.tar.gz")
    assert line[line.index("--creative-scorer-model") + 1].startswith("s3://the-bucket/models/creative_scorer/")
    assert line[line.index("--bid-optimizer-model") + 1].endswith("/output/model.tar.gz")


def test_train_reports_a_failed_job(fake):
    seed_training_sets(fake)
    result = run("train-models.sh", "--bucket", "the-bucket", "--role-arn", "r", "--model", "creative_scorer",
                 env={**fake.env, "FAKE_JOB_STATUS": "Failed"})
    assert result.returncode == 1
    assert "Failed: AlgorithmError: boom" in result.stderr


def test_train_needs_the_training_sets(fake):
    result = run("train-models.sh", "--bucket", "the-bucket", "--role-arn", "r", env=fake.env)
    assert result.returncode == 1
    assert "no training set at s3://the-bucket/processed/training/creative_scorer/" in result.stderr


def test_train_takes_bucket_and_role_from_terraform_outputs(fake):
    seed_training_sets(fake)
    env = {**fake.env, "FAKE_TF_OUTPUTS": json.dumps({
        "bucket_name": "the-bucket", "sagemaker_role_arn": "tf-role",
        "lambda_function_names": {name: f"acme-ads-{name}" for name in LAMBDAS}})}
    result = run("train-models.sh", "--no-wait", "--image-uri", "my/image:1", env=env)
    assert result.returncode == 0, result.stderr
    job = next(c["training_job"] for c in fake.log("aws") if "training_job" in c)
    assert job["RoleArn"] == "tf-role"
    assert job["AlgorithmSpecification"]["TrainingImage"] == "my/image:1"
    # The stack's project_name, read from the functions' names, names and tags the jobs.
    assert job["TrainingJobName"].startswith("acme-ads-creative-scorer-")
    assert job["Tags"] == [{"Key": "project", "Value": "acme-ads"}]


def test_train_without_a_bucket_is_a_usage_error(fake):
    result = run("train-models.sh", env=fake.env)
    assert result.returncode == 2
    assert "which bucket?" in result.stderr


def test_train_local_needs_a_training_set(tmp_path):
    result = run("train-models.sh", "--local", "--data", str(tmp_path))
    assert result.returncode == 1
    assert "no training set in" in result.stderr


# --- update-lambda-endpoints.sh ------------------------------------------------------------------------


def test_update_via_aws_merges_into_the_existing_environment(fake):
    result = run("update-lambda-endpoints.sh", "--via", "aws", "--creative-scorer", "cs-ep",
                 "--bid-optimizer", "bo-ep", env=fake.env)
    assert result.returncode == 0, result.stderr
    assert fake.env_of("linkedin-ads-copy-generator") == {
        "BUCKET_NAME": "the-bucket", "DRY_RUN": "false", "CREATIVE_SCORER_ENDPOINT": "cs-ep"}
    assert fake.env_of("linkedin-ads-optimizer") == {
        "BUCKET_NAME": "the-bucket", "DRY_RUN": "false", "BID_OPTIMIZER_ENDPOINT": "bo-ep"}
    assert fake.env_of("linkedin-ads-collector") == {"BUCKET_NAME": "the-bucket", "DRY_RUN": "false"}
    result = run("update-lambda-endpoints.sh", "--via", "aws", "--unset", env=fake.env)
    assert result.returncode == 0, result.stderr
    for name in LAMBDAS:
        assert fake.env_of(f"linkedin-ads-{name}") == {"BUCKET_NAME": "the-bucket", "DRY_RUN": "false"}


def test_update_via_aws_reads_the_names_from_terraform(fake):
    outputs = {"creative_scorer_endpoint_name": "tf-cs", "bid_optimizer_endpoint_name": "tf-bo"}
    env = {**fake.env, "FAKE_TF_OUTPUTS": json.dumps(outputs), "LAMBDA_NAME_PREFIX": "linkedin-ads-"}
    result = run("update-lambda-endpoints.sh", "--via", "aws", env=env)
    assert result.returncode == 0, result.stderr
    assert fake.env_of("linkedin-ads-optimizer")["BID_OPTIMIZER_ENDPOINT"] == "tf-bo"


def test_update_via_terraform_applies_and_checks_the_live_environment(fake, tmp_path):
    (fake.tf_dir / "variables.tf").write_text('variable "enable_sagemaker_endpoints" {\n  type = bool\n}\n')
    make_zips(tmp_path / "target", machine=0xB7)
    outputs = {"creative_scorer_endpoint_name": "tf-cs", "bid_optimizer_endpoint_name": "tf-bo"}
    result = run("update-lambda-endpoints.sh", "--yes", env={**fake.env, "FAKE_TF_OUTPUTS": json.dumps(outputs),
                                                              "CARGO_TARGET_DIR": str(tmp_path / "target")})
    # the stand-in apply changes nothing, so the check finds the variables missing
    assert result.returncode == 1
    assert 'CREATIVE_SCORER_ENDPOINT is "", expected "tf-cs"' in result.stderr
    plan = next(c["args"] for c in fake.log("terraform") if "plan" in c["args"])
    assert "-var=enable_sagemaker_endpoints=true" in plan


# --- athena-ddl.sh ---------------------------------------------------------------------------------------

DDL_OUTPUTS = json.dumps({"athena_workgroup": "linkedin-ads", "athena_ddl_named_query_ids": ["nq1", "nq2", "nq3"]})


def test_athena_ddl_stops_at_the_first_failed_statement_with_athenas_reason(fake):
    env = {**fake.env, "FAKE_TF_OUTPUTS": DDL_OUTPUTS, "FAKE_ATHENA_FAIL": "nq2"}
    result = run("athena-ddl.sh", env=env)
    assert result.returncode == 1
    assert "1. q-nq1: SUCCEEDED (exec-nq1)" in result.stdout
    assert "q-nq2 (exec-nq2): FAILED: line 1:8: mismatched input 'TABLEX'" in result.stderr
    started = [c["args"] for c in fake.log("aws") if c["args"][:2] == ["athena", "start-query-execution"]]
    assert [a[a.index("--query-string") + 1] for a in started] == ["SELECT 'nq1'", "SELECT 'nq2'"]  # not nq3
    assert all(a[a.index("--work-group") + 1] == "linkedin-ads" for a in started)


def test_athena_ddl_needs_an_applied_stack(fake):
    result = run("athena-ddl.sh", env={**fake.env, "FAKE_TF_OUTPUTS": "{}"})
    assert result.returncode == 1
    assert "no output athena_workgroup" in result.stderr and "deploy-all.sh" in result.stderr
    assert run("athena-ddl.sh", "--timeout", "soon", env=fake.env).returncode == 2


# --- deploy-all.sh, deploy-endpoints.sh: the Terraform sequence ---------------------------------------


def test_deploy_all_plans_then_applies_exactly_that_plan(fake, tmp_path):
    make_zips(tmp_path / "target")
    (fake.tf_dir / "variables.tf").write_text('variable "lambda_architecture" {\n  default = "arm64"\n}\n'
                                              'variable "lambda_zip_dir" {\n  default = null\n}\n')
    var_file = tmp_path / "prod.tfvars"
    var_file.write_text('alert_email = "a@b.c"\n')
    env = {**fake.env, "CARGO_TARGET_DIR": str(tmp_path / "target")}
    result = subprocess.run([str(DEPLOY / "deploy-all.sh"), "--skip-build", "--arch", "x86_64", "--yes",
                             "--var-file", "prod.tfvars"], capture_output=True, text=True, env=env,
                            cwd=tmp_path, stdin=subprocess.DEVNULL, timeout=120)
    assert result.returncode == 0, result.stderr
    calls = [c["args"] for c in fake.log("terraform")]
    assert [c[1] for c in calls] == ["init", "plan", "apply", "output"]
    assert all(c[0] == f"-chdir={fake.tf_dir}" for c in calls)
    plan, apply = calls[1], calls[2]
    assert f"-var-file={var_file}" in plan  # absolute: -chdir would resolve a relative one from terraform/
    assert "-var=lambda_architecture=x86_64" in plan
    # Terraform deploys the zips that were checked, not whatever is in its default ../target/lambda.
    assert f"-var=lambda_zip_dir={tmp_path / 'target' / 'lambda'}" in plan
    plan_file = next(a for a in plan if a.startswith("-out="))[len("-out="):]
    assert apply[-1] == plan_file


def test_deploy_all_deploys_a_kept_release_from_its_zip_dir(fake, tmp_path):
    """The rollback: --skip-build --zip-dir checks the kept zips and has Terraform deploy exactly those."""
    make_zips(tmp_path / "target", machine=0x3E)  # the current build: x86_64
    make_zips(tmp_path / "kept", machine=0xB7)  # the release rolled back to: arm64
    (fake.tf_dir / "variables.tf").write_text('variable "lambda_architecture" {\n  default = "arm64"\n}\n'
                                              'variable "lambda_zip_dir" {\n  default = null\n}\n')
    env = {**fake.env, "CARGO_TARGET_DIR": str(tmp_path / "target")}
    result = run("deploy-all.sh", "--skip-build", "--yes", "--zip-dir", str(tmp_path / "kept" / "lambda"), env=env)
    assert result.returncode == 0, result.stderr
    plan = next(c["args"] for c in fake.log("terraform") if c["args"][1] == "plan")
    assert f"-var=lambda_zip_dir={tmp_path / 'kept' / 'lambda'}" in plan
    assert "-var=lambda_architecture=arm64" in plan  # the default --arch, checked against the kept zips

    # A kept folder of the wrong architecture is refused before Terraform runs.
    before = len(fake.log("terraform"))
    result = run("deploy-all.sh", "--skip-build", "--yes", "--arch", "x86_64",
                 "--zip-dir", str(tmp_path / "kept" / "lambda"), env=env)
    assert result.returncode == 1
    assert "built for arm64, not x86_64" in result.stderr
    assert len(fake.log("terraform")) == before


def test_deploy_endpoints_disable_deletes_them_without_waiting(fake, tmp_path):
    (fake.tf_dir / "main.tf").write_text(ENDPOINT_VARIABLES)
    make_zips(tmp_path / "target", machine=0xB7)
    result = run("deploy-endpoints.sh", "--disable", "--yes",
                 env={**fake.env, "CARGO_TARGET_DIR": str(tmp_path / "target")})
    assert result.returncode == 0, result.stderr
    plan = next(c["args"] for c in fake.log("terraform") if "plan" in c["args"])
    assert "-var=enable_sagemaker_endpoints=false" in plan
    assert not [c for c in fake.log("aws") if "wait" in c.get("args", [])]


def test_deploy_all_asks_before_applying(fake, tmp_path):
    make_zips(tmp_path / "target", machine=0xB7)
    env = {**fake.env, "CARGO_TARGET_DIR": str(tmp_path / "target")}
    result = run("deploy-all.sh", "--skip-build", env=env)  # no terminal, no --yes
    assert result.returncode == 1
    assert "no terminal to confirm the plan" in result.stderr
    assert [c["args"][1] for c in fake.log("terraform")] == ["init", "plan"]


def test_deploy_all_applies_nothing_without_changes(fake, tmp_path):
    make_zips(tmp_path / "target", machine=0xB7)
    env = {**fake.env, "CARGO_TARGET_DIR": str(tmp_path / "target"), "FAKE_PLAN_EXIT": "0"}
    result = run("deploy-all.sh", "--skip-build", env=env)
    assert result.returncode == 0, result.stderr
    assert "no changes" in result.stderr
    assert "apply" not in [c["args"][1] for c in fake.log("terraform")]


def test_deploy_all_refuses_zips_of_the_other_architecture(fake, tmp_path):
    make_zips(tmp_path / "target", machine=0x3E)
    env = {**fake.env, "CARGO_TARGET_DIR": str(tmp_path / "target")}
    result = run("deploy-all.sh", "--skip-build", "--arch", "arm64", "--yes", env=env)
    assert result.returncode == 1
    assert "built for x86_64, not arm64" in result.stderr
    assert fake.log("terraform") == []


ENDPOINT_VARIABLES = ('variable "enable_sagemaker_endpoints" {\n  default = false\n}\n'
                      'variable "lambda_architecture" {\n  default = "arm64"\n}\n')


def test_deploy_endpoints_enables_them_and_waits(fake, tmp_path):
    (fake.tf_dir / "main.tf").write_text(ENDPOINT_VARIABLES)
    make_zips(tmp_path / "target", machine=0x3E)
    outputs = {"creative_scorer_endpoint_name": "tf-cs", "bid_optimizer_endpoint_name": "tf-bo"}
    result = run("deploy-endpoints.sh", "--yes", "--image-uri", "img", "--source-dir-url", "s3://b/src.tar.gz",
                 "--creative-scorer-model", "s3://b/cs.tar.gz", "--bid-optimizer-model", "s3://b/bo.tar.gz",
                 env={**fake.env, "FAKE_TF_OUTPUTS": json.dumps(outputs), "CARGO_TARGET_DIR": str(tmp_path / "target")})
    assert result.returncode == 0, result.stderr
    plan = next(c["args"] for c in fake.log("terraform") if "plan" in c["args"])
    # every apply uploads the zips: the architecture Terraform deploys is the zips'
    assert "-var=lambda_architecture=x86_64" in plan
    assert {"-var=enable_sagemaker_endpoints=true", "-var=sagemaker_image_uri=img",
            "-var=sagemaker_source_dir_url=s3://b/src.tar.gz", "-var=creative_scorer_model_data_url=s3://b/cs.tar.gz",
            "-var=bid_optimizer_model_data_url=s3://b/bo.tar.gz"} <= set(plan)
    waits = [c["args"] for c in fake.log("aws") if c.get("args", [])[:3] == ["sagemaker", "wait", "endpoint-in-service"]]
    assert [w[-1] for w in waits] == ["tf-cs", "tf-bo"]
    assert "bid_optimizer_endpoint_name = tf-bo" in result.stdout


def test_deploy_endpoints_needs_the_zips_terraform_deploys(fake, tmp_path):
    (fake.tf_dir / "main.tf").write_text(ENDPOINT_VARIABLES)
    result = run("deploy-endpoints.sh", "--yes", env={**fake.env, "CARGO_TARGET_DIR": str(tmp_path / "none")})
    assert result.returncode == 1
    assert "no complete set of Lambda zips" in result.stderr
    assert fake.log("terraform") == []


def test_function_names_come_from_terraform_outputs(fake):
    state = json.loads(fake.lambda_state.read_text())
    state["acme-ads-collector"] = state["linkedin-ads-collector"]
    fake.lambda_state.write_text(json.dumps(state))
    outputs = {"lambda_function_names": {name: f"acme-ads-{name}" for name in LAMBDAS}}
    result = run("invoke.sh", "--remote", "collector", env={**fake.env, "FAKE_TF_OUTPUTS": json.dumps(outputs)})
    assert result.returncode == 0, result.stderr
    call = next(c["args"] for c in fake.log("aws") if c.get("args", [])[:2] == ["lambda", "invoke"])
    assert call[call.index("--function-name") + 1] == "acme-ads-collector"


# --- Against the real Terraform module and AWS CLI, on moto ---------------------------------------------
# deploy-all.sh, deploy-endpoints.sh and update-lambda-endpoints.sh as an operator runs them, on a copy
# of terraform/ whose provider is aimed at moto (tests/python/terraform_harness.py, shared with
# test_terraform.py). `aws` is the real AWS CLI, pointed at moto with AWS_ENDPOINT_URL.

SAGEMAKER_OPTIONS = [
    "--image-uri", "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3",
    "--source-dir-url", "s3://artefacts-bucket/code/sagemaker/20261123/sourcedir.tar.gz",
    "--creative-scorer-model", "s3://artefacts-bucket/models/creative_scorer/job-1/output/model.tar.gz",
    "--bid-optimizer-model", "s3://artefacts-bucket/models/bid_optimizer/job-2/output/model.tar.gz",
]


@pytest.fixture(scope="module")
def moto_deploy(tmp_path_factory):
    import terraform_harness as th

    th.terraform_bin()
    mirror = th.provider_mirror()
    # The pinned CLI from .venv-awscli/ (make py-test installs it), else one on PATH.
    aws_dir = ROOT / ".venv-awscli" / "bin"
    if not (aws_dir / "aws").exists() and shutil.which("aws") is None:
        raise RuntimeError("the AWS CLI (aws) is not installed: `make .venv-awscli/.installed` (pinned in "
                           "requirements-awscli.txt), or AWS CLI v2 on PATH; these tests run it")
    work = tmp_path_factory.mktemp("deploy-moto")
    moto = th.Moto()
    try:
        module = th.copy_module(work)
        th.write_moto_override(module, moto.endpoint)
        make_zips(work / "target", machine=0xB7)  # arm64, where terraform looks: ../target/lambda
        var_file = work / "stack.tfvars.json"
        var_file.write_text(json.dumps({"linkedin_ad_account_id": "508720451", "secret_recovery_window_days": 0}))
        env = {**th.tf_env(work), "TF_DIR": str(module), "TF_INIT_ARGS": f"-plugin-dir={mirror}",
               "CARGO_TARGET_DIR": str(work / "target"), "AWS_ENDPOINT_URL": moto.endpoint}
        env.pop("LAMBDA_NAME_PREFIX", None)
        if (aws_dir / "aws").exists():
            env["PATH"] = f"{aws_dir}:{env['PATH']}"
        yield {"moto": moto, "env": env, "var_file": str(var_file)}
    finally:
        moto.stop()


def test_deploy_all_then_endpoints_on_moto(moto_deploy):
    env, var_file, lam = moto_deploy["env"], moto_deploy["var_file"], moto_deploy["moto"].client("lambda")

    result = run("deploy-all.sh", "--skip-build", "--yes", "--var-file", var_file, env=env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    for name in LAMBDAS:
        config = lam.get_function_configuration(FunctionName=f"linkedin-ads-{name}")
        assert config["Architectures"] == ["arm64"]  # the zips' architecture, passed by deploy-all
        assert "CREATIVE_SCORER_ENDPOINT" not in config["Environment"]["Variables"]

    # The rollback (README.md "Rolling back"): a kept release's zips, deployed from their folder without
    # a build, replace every function's code; then the current build goes back.
    kept = Path(var_file).parent / "releases" / "v0"
    make_zips(kept, machine=0xB7, release=b"v0")
    result = run("deploy-all.sh", "--skip-build", "--yes", "--var-file", var_file, "--zip-dir", str(kept / "lambda"), env=env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    for name in LAMBDAS:
        sha = base64.b64encode(hashlib.sha256((kept / "lambda" / name / "bootstrap.zip").read_bytes()).digest()).decode()
        assert lam.get_function_configuration(FunctionName=f"linkedin-ads-{name}")["CodeSha256"] == sha, name
    result = run("deploy-all.sh", "--skip-build", "--yes", "--var-file", var_file, env=env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    current = Path(env["CARGO_TARGET_DIR"]) / "lambda" / "collector" / "bootstrap.zip"
    sha = base64.b64encode(hashlib.sha256(current.read_bytes()).digest()).decode()
    assert lam.get_function_configuration(FunctionName="linkedin-ads-collector")["CodeSha256"] == sha

    # The Athena DDL from the named queries, in file order: --dry-run lists them, then each one runs.
    athena = moto_deploy["moto"].client("athena")
    named = [athena.get_named_query(NamedQueryId=i)["NamedQuery"]
             for i in json.loads(subprocess.run(["terraform", f"-chdir={env['TF_DIR']}", "output", "-json",
                                                 "athena_ddl_named_query_ids"], capture_output=True, text=True,
                                                env=env, check=True).stdout)]
    assert [q["Name"] for q in named] == sorted(q["Name"] for q in named) and len(named) >= 6
    assert named[0]["QueryString"].startswith("CREATE DATABASE IF NOT EXISTS linkedin_ads")
    result = run("athena-ddl.sh", "--dry-run", env=env)
    assert result.returncode == 0, result.stderr
    assert [line.split(" ")[1] for line in result.stdout.splitlines()] == [q["Name"] for q in named]
    assert athena.list_query_executions()["QueryExecutionIds"] == []
    result = run("athena-ddl.sh", env=env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    ran = re.findall(r"^\d+\. (\S+): SUCCEEDED \((\S+)\)$", result.stdout, re.MULTILINE)
    assert [name for name, _ in ran] == [q["Name"] for q in named]
    for (_, execution), q in zip(ran, named):
        e = athena.get_query_execution(QueryExecutionId=execution)["QueryExecution"]
        assert (e["Query"], e["WorkGroup"]) == (q["QueryString"], "linkedin-ads")

    result = run("deploy-endpoints.sh", "--yes", "--var-file", var_file, *SAGEMAKER_OPTIONS, env=env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    names = dict(re.findall(r"^(creative_scorer_endpoint_name|bid_optimizer_endpoint_name) = (\S+)$",
                            result.stdout, re.MULTILINE))
    assert set(names) == {"creative_scorer_endpoint_name", "bid_optimizer_endpoint_name"}
    variables = lam.get_function_configuration(FunctionName="linkedin-ads-optimizer")["Environment"]["Variables"]
    assert variables["BID_OPTIMIZER_ENDPOINT"] == names["bid_optimizer_endpoint_name"]

    # the lasting way: the endpoint variables in the .tfvars; Terraform wires the names, the script checks
    with_endpoints = Path(var_file).with_name("endpoints.tfvars.json")
    options = dict(zip(SAGEMAKER_OPTIONS[::2], SAGEMAKER_OPTIONS[1::2]))
    with_endpoints.write_text(json.dumps({
        **json.loads(Path(var_file).read_text()), "enable_sagemaker_endpoints": True,
        "sagemaker_image_uri": options["--image-uri"], "sagemaker_source_dir_url": options["--source-dir-url"],
        "creative_scorer_model_data_url": options["--creative-scorer-model"],
        "bid_optimizer_model_data_url": options["--bid-optimizer-model"]}))
    result = run("update-lambda-endpoints.sh", "--yes", "--var-file", str(with_endpoints), env=env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert f"linkedin-ads-optimizer: BID_OPTIMIZER_ENDPOINT={names['bid_optimizer_endpoint_name']}" in result.stdout
    # the quick switch: straight on the live functions, every other variable kept
    result = run("update-lambda-endpoints.sh", "--via", "aws", "--unset", env=env)
    assert result.returncode == 0, result.stderr
    after = lam.get_function_configuration(FunctionName="linkedin-ads-optimizer")["Environment"]["Variables"]
    assert "BID_OPTIMIZER_ENDPOINT" not in after
    assert {k: v for k, v in variables.items() if k != "BID_OPTIMIZER_ENDPOINT"} == after
