# The two commands a newcomer needs: `make test` (every check) and `make demo` (the main job on the
# embedded default). Everything else here is a building block of those two.

SHELL := /bin/bash
VENV  := .venv
PY    := $(VENV)/bin/python
export MOTO_SERVER := $(abspath $(VENV))/bin/moto_server
export CARGO_TERM_COLOR ?= never

.PHONY: test demo train venv fmt-check clippy cargo-test py-test fmt clean

## test: fmt check, clippy, every Rust test (moto included), the Python tests
test: venv fmt-check clippy cargo-test py-test
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

py-test: venv
	cargo build --locked -p cli
	$(PY) -m pytest -q tests/python

fmt:
	cargo fmt --all

clean:
	cargo clean
	rm -rf $(VENV)
