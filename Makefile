# The two commands a newcomer needs: `make test` (every check) and `make demo` (the main job on the
# embedded default). Everything else here is a building block of those two.

SHELL := /bin/bash
VENV  := .venv
PY    := $(VENV)/bin/python
export MOTO_SERVER := $(abspath $(VENV))/bin/moto_server
export CARGO_TERM_COLOR ?= never

.PHONY: test demo venv fmt-check clippy cargo-test py-test fmt clean

## test: fmt check, clippy, every Rust test (moto included), the Python tests
test: venv fmt-check clippy cargo-test py-test
	@echo "make test: all checks passed"

## demo: the pipeline on the local LinkedIn sandbox (28 simulated days, b2b-saas), report in data/demo/reports/
demo:
	cargo build --locked -p cli
	./target/debug/linkedin-ads --data-dir data/demo demo $(DEMO_ARGS)

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
