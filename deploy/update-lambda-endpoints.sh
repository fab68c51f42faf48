#!/usr/bin/env bash
# Points the Lambdas at the SageMaker endpoints (CREATIVE_SCORER_ENDPOINT, BID_OPTIMIZER_ENDPOINT), or
# back at the native model (--unset).
set -euo pipefail

# shellcheck source=deploy/lib/common.bash
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.bash"

usage() {
    cat <<'EOF'
Usage: deploy/update-lambda-endpoints.sh [--via terraform|aws] [--unset]
                                          [--creative-scorer NAME] [--bid-optimizer NAME]
                                          [--var-file FILE] [--yes]

Sets CREATIVE_SCORER_ENDPOINT on the copy generator and BID_OPTIMIZER_ENDPOINT on the optimizer (the
functions that score copy and bids), or removes them (--unset: the functions use
models/<model>/model.json natively again, else the heuristics). The change takes effect at each
function's next run.

Why Terraform by default: Terraform owns the functions' environment. A variable set any other way is
drift, and the next `terraform apply` (deploy/deploy-all.sh) silently puts back what Terraform says.
So --via terraform (the default) applies the Terraform configuration with
enable_sagemaker_endpoints=true (false with --unset), which wires the endpoint names
(outputs creative_scorer_endpoint_name, bid_optimizer_endpoint_name) into the functions'
environment, and then checks each function's live environment holds them.

--via aws changes the live functions directly with `aws lambda update-function-configuration`,
merging into each function's existing environment (read, change the two variables, write back: every
other variable is kept). Use it for an endpoint Terraform does not manage, or to switch an endpoint
off at once (--unset) without a Terraform run; remember the next apply undoes it.

Options:
  --via terraform|aws     how to set them (default terraform)
  --unset                 remove the variables instead
  --creative-scorer NAME  --via aws: the endpoint name (default: Terraform's output)
  --bid-optimizer NAME    --via aws: the endpoint name (default: Terraform's output)
  --var-file FILE         --via terraform: the .tfvars file you deploy with
  --yes                   --via terraform: apply without asking
  -h, --help              this text

Function names: LAMBDA_NAME_PREFIX + copy-generator / optimizer when that is set, else Terraform's
output lambda_function_names, else "linkedin-ads-" + the job.
EOF
}

via=terraform
unset_vars=false
scorer=""
bidder=""
yes=false
plan_args=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        -h | --help) usage; exit 0 ;;
        --via) need_value "$1" "${2-}"; via="$2"; shift 2 ;;
        --unset) unset_vars=true; shift ;;
        --creative-scorer) need_value "$1" "${2-}"; scorer="$2"; shift 2 ;;
        --bid-optimizer) need_value "$1" "${2-}"; bidder="$2"; shift 2 ;;
        --var-file) need_value "$1" "${2-}"; plan_args+=("-var-file=$(abs_path "$2")"); shift 2 ;;
        --yes) yes=true; shift ;;
        *) usage_error "unknown option: $1" ;;
    esac
done
case "$via" in
    terraform)
        [[ -z "$scorer" && -z "$bidder" ]] ||
            usage_error "--creative-scorer and --bid-optimizer go with --via aws (Terraform names its own endpoints)" ;;
    aws)
        if [[ ${#plan_args[@]} -gt 0 ]] || $yes; then
            usage_error "--var-file and --yes go with --via terraform"
        fi ;;
    *) usage_error "--via must be terraform or aws, not '$via'" ;;
esac

need_aws
workdir="$(mktemp -d)"
trap 'rm -rf "$workdir"' EXIT

# The live value of one environment variable of a function ("" when unset).
live_env() {
    aws lambda get-function-configuration --function-name "$1" \
        --query "Environment.Variables.$2" --output text | sed 's/^None$//'
}

# Sets (or with an empty value removes) one variable of a function, keeping every other one.
merge_env() {
    local fn="$1" key="$2" value="$3"
    aws lambda get-function-configuration --function-name "$fn" --output json >"$workdir/config.json"
    python3 - "$workdir/config.json" "$key" "$value" >"$workdir/env.json" <<'PY'
import json, sys

config, key, value = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3]
variables = dict((config.get("Environment") or {}).get("Variables") or {})
if value:
    variables[key] = value
else:
    variables.pop(key, None)
json.dump({"Variables": variables}, sys.stdout)
PY
    aws lambda update-function-configuration --function-name "$fn" \
        --environment "file://$workdir/env.json" >/dev/null
    aws lambda wait function-updated --function-name "$fn"
}

pairs=("copy-generator:CREATIVE_SCORER_ENDPOINT:creative_scorer_endpoint_name:$scorer"
    "optimizer:BID_OPTIMIZER_ENDPOINT:bid_optimizer_endpoint_name:$bidder")

if [[ "$via" == terraform ]]; then
    need_terraform
    tf_has_variable enable_sagemaker_endpoints ||
        die "$TF_DIR declares no variable enable_sagemaker_endpoints: use --via aws"
    if $unset_vars; then enable=false; else enable=true; fi
    append_lambda_vars plan_args
    tf_plan_apply "$yes" "${plan_args[@]}" "-var=enable_sagemaker_endpoints=$enable"
fi

status=0
for pair in "${pairs[@]}"; do
    IFS=: read -r name key output value <<<"$pair"
    fn="$(function_name "$name")"
    if $unset_vars; then
        value=""
    elif [[ -z "$value" ]]; then
        option="${output%_endpoint_name}"
        command -v terraform >/dev/null 2>&1 && [[ -d "$TF_DIR" ]] && value="$(tf_output "$output")"
        [[ -n "$value" ]] || die "no endpoint name for $key: Terraform has no output $output (deploy/deploy-endpoints.sh
  creates the endpoints), or pass it with --via aws --${option//_/-} NAME"
    fi
    if [[ "$via" == aws ]]; then
        if [[ -n "$value" ]]; then
            note "$fn: setting $key=$value (merged into its environment)"
        else
            note "$fn: removing $key (the rest of its environment is kept)"
        fi
        merge_env "$fn" "$key" "$value"
    fi
    live="$(live_env "$fn" "$key")"
    if [[ "$live" == "$value" ]]; then
        echo "$fn: $key=${live:-(unset)}"
    else
        printf 'error: %s: %s is "%s", expected "%s" (does Terraform wire the endpoint into the function environment?)\n' \
            "$fn" "$key" "$live" "$value" >&2
        status=1
    fi
done
exit "$status"
