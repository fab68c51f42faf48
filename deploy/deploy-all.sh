#!/usr/bin/env bash
# Builds the four Lambda zips and deploys the stack with Terraform (init, plan -out, confirm, apply).
set -euo pipefail

# shellcheck source=deploy/lib/common.bash
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.bash"

usage() {
    cat <<'EOF'
Usage: deploy/deploy-all.sh [--arch arm64|x86_64] [--var-file FILE] [--var NAME=VALUE]...
                            [--zip-dir DIR] [--skip-build] [--yes]

Deploys the whole stack: deploy/build.sh (the four zips in target/lambda/), then in terraform/:
`terraform init`, `terraform plan -out=deploy.tfplan`, a confirmation prompt, and `terraform apply`
of exactly that saved plan. A plan without changes applies nothing. Prints the outputs at the end.

Options:
  --arch ARCH        arm64 (default, Terraform's default) or x86_64; passed to Terraform as
                     -var lambda_architecture=ARCH when the configuration declares that variable,
                     so the zips and the functions' architecture always match
  --var-file FILE    a .tfvars file for plan (e.g. your account id, alert email, schedules)
  --var NAME=VALUE   one Terraform variable for plan (repeatable)
  --zip-dir DIR      the zips' folder, DIR/<name>/bootstrap.zip (default target/lambda/; also
                     LAMBDA_ZIP_DIR): built there, checked there, and passed to Terraform as
                     -var lambda_zip_dir=DIR, so what is deployed is what was checked
  --skip-build       deploy the zips already built (they are still checked for ARCH); with
                     --zip-dir, a kept release: the rollback in README.md "Rolling back"
  --yes              apply without asking (CI); without it the plan is shown and you type 'yes'
  -h, --help         this text

Environment: AWS credentials as for the AWS CLI (AWS_PROFILE, ...), TF_DIR (default terraform/),
TF_INIT_ARGS (extra `terraform init` arguments, e.g. -backend-config=...).
First deployment, the secrets' values and the cost: README.md, "Deploying to AWS".
EOF
}

arch=arm64
yes=false
skip_build=false
plan_args=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        -h | --help) usage; exit 0 ;;
        --arch) need_value "$1" "${2-}"; arch="$2"; shift 2 ;;
        --var-file) need_value "$1" "${2-}"; plan_args+=("-var-file=$(abs_path "$2")"); shift 2 ;;
        --var)
            need_value "$1" "${2-}"
            [[ "$2" == *=* ]] || usage_error "--var takes NAME=VALUE (got '$2')"
            plan_args+=("-var=$2"); shift 2 ;;
        --zip-dir) need_value "$1" "${2-}"; export LAMBDA_ZIP_DIR="$2"; shift 2 ;;
        --skip-build) skip_build=true; shift ;;
        --yes) yes=true; shift ;;
        *) usage_error "unknown option: $1" ;;
    esac
done
case "$arch" in
    arm64 | x86_64) ;;
    *) usage_error "--arch must be arm64 or x86_64, not '$arch'" ;;
esac

need_terraform
if $skip_build; then
    "$ROOT/deploy/build.sh" --arch "$arch" --verify-only
else
    "$ROOT/deploy/build.sh" --arch "$arch"
fi

tf_has_variable lambda_architecture ||
    note "warning: $TF_DIR declares no variable lambda_architecture: make sure its Lambda architecture is $arch"
append_lambda_vars plan_args "$arch"

tf_plan_apply "$yes" "${plan_args[@]}"
terraform -chdir="$TF_DIR" output
echo "deployed. Check one run: deploy/invoke.sh --remote collector"
