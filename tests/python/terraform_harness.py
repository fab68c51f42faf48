"""Runs the Terraform module in terraform/ for the tests: the provider mirror, a moto server, and a
throw-away copy of the module with a provider override aimed at moto.

The override file is written only into the copy (a temp dir), never into terraform/, so a normal
`terraform plan` there never sees it. Nothing here skips: a missing terraform binary, provider mirror or
moto_server is an error that says how to get it.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MODULE = ROOT / "terraform"
CREATE_TABLES = ROOT / "athena" / "create_tables.sql"
CONFIG_RS = ROOT / "crates" / "linkedin-core" / "src" / "config.rs"
JOBS = ("collector", "data-processor", "optimizer", "copy-generator")

# Where machine images put a filesystem mirror of providers (`terraform init -plugin-dir`); the first
# one holding hashicorp/aws wins. TF_PLUGIN_MIRROR overrides. The Makefile searches the same list.
MIRROR_CANDIDATES = (
    "/opt/tf-plugins",
    "/usr/local/share/terraform/plugins",
    "/usr/share/terraform/plugins",
    str(Path.home() / ".terraform.d" / "plugins"),
    str(Path.home() / ".local" / "share" / "terraform" / "plugins"),
)

# Every AWS service the module creates or reads, all pointed at moto.
MOTO_SERVICES = (
    "athena", "cloudwatch", "cloudwatchlogs", "events", "glue", "iam", "lambda", "s3", "sagemaker",
    "secretsmanager", "sns", "sts",
)


def terraform_bin() -> str:
    path = shutil.which("terraform")
    if not path:
        raise RuntimeError(
            "terraform is not on PATH: install Terraform >= 1.5 (https://developer.hashicorp.com/terraform/install, "
            "or apt/brew install terraform); the tests run `terraform init/validate/apply` with it")
    return path


def provider_mirror() -> Path:
    """The folder to pass to `terraform init -plugin-dir` (it holds registry.terraform.io/hashicorp/aws)."""
    override = os.environ.get("TF_PLUGIN_MIRROR")
    candidates = [override] if override else list(MIRROR_CANDIDATES)
    for c in candidates:
        if c and (Path(c) / "registry.terraform.io" / "hashicorp" / "aws").is_dir():
            return Path(c)
    raise RuntimeError(
        "no Terraform provider mirror with hashicorp/aws found "
        + (f"at TF_PLUGIN_MIRROR={override}" if override else f"in {', '.join(MIRROR_CANDIDATES)}")
        + ": set TF_PLUGIN_MIRROR to a folder laid out as registry.terraform.io/hashicorp/aws/<version>/<os_arch>/ "
        "(`terraform providers mirror DIR` makes one on a machine that reaches the registry)")


def tf_env(workdir: Path) -> dict:
    """A clean environment for terraform: no user CLI config, no telemetry, moto's dummy credentials."""
    cli_config = workdir / "terraformrc"
    cli_config.write_text("# empty: the tests pass -plugin-dir and use no credentials helper\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TF_"))}
    env.update({
        "CHECKPOINT_DISABLE": "1",
        "TF_IN_AUTOMATION": "1",
        "TF_INPUT": "0",
        "TF_CLI_CONFIG_FILE": str(cli_config),
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
    })
    return env


def run_terraform(args: list[str], cwd: Path, env: dict, timeout: int = 600) -> subprocess.CompletedProcess:
    """Runs terraform; a failure raises with its output (the test shows why, not just the exit code)."""
    cmd = [terraform_bin(), *args]
    p = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        # A plan refusing many variables repeats the whole vars file in each error: keep enough stderr.
        raise RuntimeError(f"`terraform {' '.join(args)}` failed (exit {p.returncode}) in {cwd}:\n{p.stdout[-6000:]}\n{p.stderr[-20000:]}")
    return p


def copy_module(dest: Path) -> Path:
    """terraform/*.tf (and the example tfvars) plus athena/create_tables.sql, at the same relative places."""
    module = dest / "terraform"
    module.mkdir(parents=True)
    for f in MODULE.iterdir():
        if f.is_file() and (f.suffix == ".tf" or f.name.endswith(".tfvars.example")):
            shutil.copy2(f, module / f.name)
    (dest / "athena").mkdir()
    shutil.copy2(CREATE_TABLES, dest / "athena" / CREATE_TABLES.name)
    return module


def write_moto_override(module: Path, endpoint: str) -> None:
    """The provider aimed at moto. An *_override.tf merges into versions.tf's provider block."""
    endpoints = "\n".join(f'    {s} = "{endpoint}"' for s in MOTO_SERVICES)
    (module / "moto_override.tf").write_text(f"""# Written by tests/python/terraform_harness.py into a temp copy of the module: moto, not AWS.
provider "aws" {{
  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  s3_use_path_style           = true

  endpoints {{
{endpoints}
  }}
}}
""")


def dummy_zips(dest: Path) -> Path:
    """<dest>/<job>/bootstrap.zip, each holding a `bootstrap` file, like cargo-lambda's layout."""
    for job in JOBS:
        d = dest / job
        d.mkdir(parents=True)
        with zipfile.ZipFile(d / "bootstrap.zip", "w") as z:
            info = zipfile.ZipInfo("bootstrap")
            info.external_attr = 0o755 << 16
            z.writestr(info, f"#!/bin/sh\necho {job}\n")
    return dest


class Moto:
    """A moto server on a free loopback port, as crates/test-support does for the Rust tests."""

    def __init__(self) -> None:
        bin_ = Path(os.environ.get("MOTO_SERVER") or ROOT / ".venv" / "bin" / "moto_server")
        if not bin_.exists():
            raise RuntimeError(f"moto_server not found at {bin_}: run `make venv` (it installs moto into .venv), or set MOTO_SERVER")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen([str(bin_), "-H", "127.0.0.1", "-p", str(self.port)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{self.endpoint}/moto-api/", timeout=1)
                break
            except Exception:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"moto_server did not start on port {self.port}")
                time.sleep(0.05)

    def client(self, service: str):
        import boto3

        return boto3.client(service, endpoint_url=self.endpoint, region_name="us-east-1",
                            aws_access_key_id="test", aws_secret_access_key="test")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def write_tfvars(module: Path, values: dict) -> Path:
    path = module / "test.auto.tfvars.json"
    path.write_text(json.dumps(values, indent=2))
    return path
