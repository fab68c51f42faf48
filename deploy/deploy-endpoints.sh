#!/usr/bin/env bash
# Creates (or, with --disable, removes) the optional SageMaker endpoints through Terraform.
set -euo pipefail

# shellcheck source=deploy/lib/common.bash
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.bash"

usage() {
    cat <<'EOF'
Usage: deploy/deploy-endpoints.sh [--image-uri URI] [--source-dir-url URL]
                                   [--creative-scorer-model URL] [--bid-optimizer-model URL]
                                   [--var-file FILE] [--var NAME=VALUE]... [--yes]
       deploy/deploy-endpoints.sh --disable [--var-file FILE] [--yes]

The optional SageMaker endpoints (creative scorer, bid optimizer), which serve sagemaker/inference.py
on models trained by SageMaker jobs (deploy/train-models.sh). You do not need them: without them the
Lambdas evaluate models/<model>/model.json natively, in-process, for nothing. They are the biggest
line of the bill when on: two always-on instances, about $82 a month on ml.t2.medium (Terraform's
sagemaker_instance_type default) or $168 on ml.m5.large (README.md, "Deploying to AWS").

Runs `terraform apply -var enable_sagemaker_endpoints=true` (plan -out, confirmation, apply of the
plan), waits until both endpoints are InService and prints their names (Terraform outputs
creative_scorer_endpoint_name, bid_optimizer_endpoint_name). The same apply sets
CREATIVE_SCORER_ENDPOINT on the copy generator and BID_OPTIMIZER_ENDPOINT on the optimizer;
deploy/update-lambda-endpoints.sh checks them. Pass the same --var-file as for deploy/deploy-all.sh,
and put enable_sagemaker_endpoints = true and the four variables below in it, or the next
deploy-all removes the endpoints again.

The endpoints need four Terraform variables (in your .tfvars, or with these options);
deploy/train-models.sh prints them for the jobs it ran:
  --image-uri URI              sagemaker_image_uri: the scikit-learn serving image, the framework
                               version the models were trained with
  --source-dir-url URL         sagemaker_source_dir_url: s3://.../sourcedir.tar.gz with inference.py
  --creative-scorer-model URL  creative_scorer_model_data_url: s3://.../output/model.tar.gz
  --bid-optimizer-model URL    bid_optimizer_model_data_url: s3://.../output/model.tar.gz

Options:
  --disable          enable_sagemaker_endpoints=false: delete the endpoints; Terraform also removes
                     the two variables from the Lambdas, which go back to the native model
  --var-file FILE    a .tfvars file for plan
  --var NAME=VALUE   one Terraform variable for plan (repeatable)
  --yes              apply without asking
  -h, --help         this text
EOF
}

enable=true
yes=false
plan_args=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        -h | --help) usage; exit 0 ;;
        --disable) enable=false; shift ;;
        --image-uri) need_value "$1" "${2-}"; plan_args+=("-var=sagemaker_image_uri=$2"); shift 2 ;;
        --source-dir-url) need_value "$1" "${2-}"; plan_args+=("-var=sagemaker_source_dir_url=$2"); shift 2 ;;
        --creative-scorer-model)
            need_value "$1" "${2-}"; plan_args+=("-var=creative_scorer_model_data_url=$2"); shift 2 ;;
        --bid-optimizer-model)
            need_value "$1" "${2-}"; plan_args+=("-var=bid_optimizer_model_data_url=$2"); shift 2 ;;
        --var-file) need_value "$1" "${2-}"; plan_args+=("-var-file=$(abs_path "$2")"); shift 2 ;;
        --var)
            need_value "$1" "${2-}"
            [[ "$2" == *=* ]] || usage_error "--var takes NAME=VALUE (got '$2')"
            plan_args+=("-var=$2"); shift 2 ;;
        --yes) yes=true; shift ;;
        *) usage_error "unknown option: $1" ;;
    esac
done

need_terraform
need_aws
tf_has_variable enable_sagemaker_endpoints ||
    die "$TF_DIR declares no variable enable_sagemaker_endpoints: this Terraform configuration has no endpoints"

append_lambda_vars plan_args
tf_plan_apply "$yes" "${plan_args[@]}" "-var=enable_sagemaker_endpoints=$enable"

if ! $enable; then
    echo "endpoints disabled (Terraform deleted them)"
    exit 0
fi
for output in creative_scorer_endpoint_name bid_optimizer_endpoint_name; do
    endpoint="$(tf_output "$output")"
    [[ -n "$endpoint" ]] || die "Terraform has no output $output after the apply"
    note "waiting for $endpoint to be InService"
    aws sagemaker wait endpoint-in-service --endpoint-name "$endpoint" ||
        die "$endpoint is not InService: \`aws sagemaker describe-endpoint --endpoint-name $endpoint\` says why"
    echo "$output = $endpoint"
done
echo "the Lambdas use them from their next run; deploy/update-lambda-endpoints.sh --via aws --unset switches back at once"
