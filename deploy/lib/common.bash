# Shared by the deploy/*.sh scripts (sourced, never run). Each script defines usage() (to stdout) first.
# shellcheck shell=bash

# bash 4.4 or later: mapfile, namerefs, and empty arrays under `set -u`. macOS's /bin/bash is 3.2; the scripts run
# the first bash on PATH, so `brew install bash` is enough there.
if ((BASH_VERSINFO[0] < 4 || (BASH_VERSINFO[0] == 4 && BASH_VERSINFO[1] < 4))); then
    printf 'error: the deploy scripts need bash 4.4 or later, this is %s: install a newer bash and put it first on PATH (macOS: brew install bash)\n' "$BASH_VERSION" >&2
    exit 1
fi

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TF_DIR="${TF_DIR:-$ROOT/terraform}"
LAMBDAS=(collector data-processor optimizer copy-generator)

# The project's venv (make venv) first on PATH: cargo-lambda, and the python3 that finds zig through
# `python3 -m ziglang`, live there.
if [[ -d "$ROOT/.venv/bin" ]]; then
    PATH="$ROOT/.venv/bin:$PATH"
    export PATH
fi

die() {
    printf 'error: %s\n' "$*" >&2
    exit 1
}

note() {
    printf '==> %s\n' "$*" >&2
}

# A command-line mistake: the message and the usage on stderr, exit status 2.
usage_error() {
    printf 'error: %s\n\n' "$*" >&2
    usage >&2
    exit 2
}

# The value of an option that takes one: usage: need_value "$1" "${2-}".
need_value() {
    if [[ -z "${2-}" || "$2" == --* ]]; then
        usage_error "$1 needs a value"
    fi
}

is_lambda() {
    local name
    for name in "${LAMBDAS[@]}"; do
        [[ "$name" == "$1" ]] && return 0
    done
    return 1
}

need_aws() {
    command -v aws >/dev/null 2>&1 || die "the AWS CLI (aws) is not installed: install AWS CLI v2
  (https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html) or \`pip install awscli\`,
  then configure credentials (\`aws configure\`, AWS_PROFILE, or SSO: \`aws sso login\`)"
    use_stack_region
}

# The AWS CLI talks to the stack's region: AWS_REGION or AWS_DEFAULT_REGION when set (AWS CLI v1 reads
# only the latter), else the region of the functions Terraform deployed, else the CLI's configuration.
use_stack_region() {
    local region="${AWS_REGION:-${AWS_DEFAULT_REGION:-}}"
    if [[ -z "$region" ]] && command -v terraform >/dev/null 2>&1 && [[ -d "$TF_DIR" ]]; then
        region="$(terraform -chdir="$TF_DIR" output -json lambda_function_arns 2>/dev/null |
            python3 -c 'import json, sys; print(next(iter(json.load(sys.stdin).values())).split(":")[3])' 2>/dev/null ||
            true)"
    fi
    if [[ -n "$region" ]]; then
        export AWS_REGION="$region" AWS_DEFAULT_REGION="$region"
    fi
}

need_terraform() {
    command -v terraform >/dev/null 2>&1 || die "terraform is not installed: install Terraform >= 1.5
  (https://developer.hashicorp.com/terraform/install, or your package manager: apt/brew install terraform)"
    [[ -d "$TF_DIR" ]] || die "no Terraform configuration at $TF_DIR (set TF_DIR to use another folder)"
}

need_cargo_lambda() {
    command -v cargo >/dev/null 2>&1 || die "cargo is not installed: install Rust with rustup (https://rustup.rs)"
    command -v cargo-lambda >/dev/null 2>&1 || die "cargo-lambda is not installed: run \`make venv\` (installs
  cargo-lambda and zig into .venv/ from requirements-dev.txt, and the scripts use .venv/bin), or
  \`pip install cargo-lambda\` in a venv whose bin/ is first on PATH"
}

# A Terraform output as a plain string; empty when Terraform has no such output (or no state yet).
tf_output() {
    terraform -chdir="$TF_DIR" output -raw "$1" 2>/dev/null || true
}

# The deployed function's name for one of LAMBDAS: LAMBDA_NAME_PREFIX + name when that is set, else
# Terraform's output lambda_function_names, else "linkedin-ads-" + name (Terraform's default naming,
# <project_name>-<job>).
function_name() {
    local name=""
    if [[ -z "${LAMBDA_NAME_PREFIX:-}" ]] && command -v terraform >/dev/null 2>&1 && [[ -d "$TF_DIR" ]]; then
        name="$(terraform -chdir="$TF_DIR" output -json lambda_function_names 2>/dev/null |
            python3 -c 'import json, sys; print(json.load(sys.stdin).get(sys.argv[1], ""))' "$1" 2>/dev/null || true)"
    fi
    if [[ -n "$name" ]]; then
        printf '%s\n' "$name"
    else
        printf '%s%s\n' "${LAMBDA_NAME_PREFIX:-linkedin-ads-}" "$1"
    fi
}

# The folder holding the four zips, <dir>/<name>/bootstrap.zip, as an absolute path (Terraform reads it
# from TF_DIR): LAMBDA_ZIP_DIR (the scripts' --zip-dir sets it), else $CARGO_TARGET_DIR/lambda, else
# target/lambda, where `cargo lambda build` writes them.
zip_dir() {
    local dir
    if [[ -n "${LAMBDA_ZIP_DIR:-}" ]]; then
        dir="$LAMBDA_ZIP_DIR"
        [[ "$dir" == /* ]] || dir="$PWD/$dir"
    else
        dir="${CARGO_TARGET_DIR:-$ROOT/target}"
        # cargo runs from the repository (build.sh), so a relative CARGO_TARGET_DIR is relative to it.
        [[ "$dir" == /* ]] || dir="$ROOT/$dir"
        dir="$dir/lambda"
    fi
    printf '%s\n' "$dir"
}

# The architecture of the complete set of zips in zip_dir (arm64 or x86_64); fails when a zip is missing
# or broken. Terraform uploads the zips on every apply, so its lambda_architecture must match.
zips_arch() {
    local arch
    for arch in arm64 x86_64; do
        if "$ROOT/deploy/build.sh" --verify-only --arch "$arch" >/dev/null 2>&1; then
            echo "$arch"
            return 0
        fi
    done
    return 1
}

# Appends to the array named $1 the -var arguments that make Terraform deploy exactly the zips the
# script checked, for the variables the configuration declares: lambda_zip_dir (where they are; without
# it Terraform would read ../target/lambda whatever was checked) and lambda_architecture ($2, else the
# zips' own; a mismatch leaves functions that cannot start).
append_lambda_vars() {
    local -n args_out="$1"
    local arch="${2-}"
    if [[ -z "$arch" ]]; then
        arch="$(zips_arch)" || die "no complete set of Lambda zips in $(zip_dir)/: every terraform apply deploys
  them, so build them first (deploy/build.sh --arch <the architecture you deploy>)"
    fi
    if tf_has_variable lambda_zip_dir; then
        args_out+=("-var=lambda_zip_dir=$(zip_dir)")
    fi
    if tf_has_variable lambda_architecture; then
        args_out+=("-var=lambda_architecture=$arch")
    fi
}

# Whether the Terraform configuration declares a variable (a -var for an undeclared one is an error).
tf_has_variable() {
    grep -Eqs "^[[:space:]]*variable[[:space:]]+\"$1\"" "$TF_DIR"/*.tf
}

# An absolute path for a file given relative to the caller's directory (terraform -chdir resolves
# relative paths from TF_DIR).
abs_path() {
    [[ -f "$1" ]] || die "no such file: $1"
    printf '%s/%s\n' "$(cd "$(dirname "$1")" && pwd)" "$(basename "$1")"
}

# terraform init, plan -out, then (after a confirmation unless $1 is true) apply of that saved plan.
# Further arguments go to plan (-var, -var-file). A plan without changes applies nothing.
tf_plan_apply() {
    local yes="$1" plan_file="$TF_DIR/deploy.tfplan" status=0 answer init_args=()
    shift
    read -r -a init_args <<<"${TF_INIT_ARGS:-}"
    note "terraform init${TF_INIT_ARGS:+ $TF_INIT_ARGS}"
    terraform -chdir="$TF_DIR" init -input=false "${init_args[@]}"
    note "terraform plan -out=$plan_file $*"
    terraform -chdir="$TF_DIR" plan -input=false -detailed-exitcode -out="$plan_file" "$@" || status=$?
    case "$status" in
        0) note "no changes: nothing to apply"; rm -f "$plan_file"; return 0 ;;
        2) ;;
        *) die "terraform plan failed (exit $status)" ;;
    esac
    if [[ "$yes" != true ]]; then
        [[ -t 0 ]] || die "no terminal to confirm the plan above: review it, then re-run with --yes"
        read -r -p "Apply this plan? Type 'yes' to apply: " answer
        if [[ "$answer" != yes ]]; then
            rm -f "$plan_file"
            die "not applied"
        fi
    fi
    terraform -chdir="$TF_DIR" apply -input=false "$plan_file"
    rm -f "$plan_file"
}
