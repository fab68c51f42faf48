#!/usr/bin/env bash
# Trains the creative scorer and the bid optimizer: SageMaker training jobs (AWS CLI), or --local.
set -euo pipefail

# shellcheck source=deploy/lib/common.bash
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.bash"

MODELS=(creative_scorer bid_optimizer)

usage() {
    cat <<'EOF'
Usage: deploy/train-models.sh [--model MODEL] [--bucket BUCKET] [--role-arn ARN] [--region REGION]
                              [--image-uri URI | --framework-version V] [--instance-type TYPE]
                              [--no-wait] [--publish]
       deploy/train-models.sh --local [--model MODEL] [--data DIR] [--out DIR]

Trains both models (or MODEL: creative_scorer or bid_optimizer) with the scripts in sagemaker/.

SageMaker (the default): packages sagemaker/*.py and requirements.txt as the job's source
(s3://BUCKET/code/sagemaker/<stamp>/sourcedir.tar.gz) and starts one `aws sagemaker
create-training-job` per model in script mode on the scikit-learn framework container, with
  train channel   s3://BUCKET/processed/training/<model>/   (written by the data processor)
  output          s3://BUCKET/models/<model>/<job>/output/model.tar.gz
and the scripts' metrics (train/cv: mse, rmse, mae, r2, mape) as the job's metric definitions. Then
it waits for the jobs and prints their cross-validated metrics. The Lambdas read
models/<model>/model.json: a trained model is used only once it is published there (--publish, or
by hand). The bid model is not published by default on purpose: README.md "The models" explains
why the pacing heuristic may be the better choice until bids have varied.

Options:
  --model MODEL            train only this model (repeatable; default both)
  --bucket BUCKET          the pipeline's bucket (default: BUCKET_NAME, else `terraform output bucket_name`)
  --role-arn ARN           SageMaker execution role that can read and write the bucket (default:
                           SAGEMAKER_ROLE_ARN, else `terraform output sagemaker_role_arn`)
  --region REGION          default: AWS_REGION (or AWS_DEFAULT_REGION), else the region Terraform
                           deployed to, else the AWS CLI's configured region
  --image-uri URI          the training image (default: SKLEARN_IMAGE_URI, else the SageMaker
                           scikit-learn image of --framework-version for the region:
                           <registry>.dkr.ecr.<region>.amazonaws.com/sagemaker-scikit-learn:<V>-cpu-py3)
  --framework-version V    scikit-learn container version (default: SKLEARN_FRAMEWORK_VERSION, else 1.2-1)
  --instance-type TYPE     default ml.m5.large
  --no-wait                start the jobs and return (follow them in the SageMaker console or with
                           `aws sagemaker describe-training-job --training-job-name NAME`)
  --publish                after the jobs succeed, copy model.json, model.joblib, features.json and
                           metrics.json to s3://BUCKET/models/<model>/, where the Lambdas read them

Local (--local): runs the scripts with .venv/bin/python, as `make train` does:
  --data DIR               the object-store folder holding processed/training/ (default data/demo;
                           `make demo` writes it)
  --out DIR                where the models go, DIR/<model>/ (default data/models); copy a model to
                           <data dir>/models/<model>/ (or the bucket) for the jobs to use it
  -h, --help               this text
EOF
}

# The SageMaker scikit-learn image registries (account per region), from the SageMaker Python SDK's
# image_uri_config/sklearn.json. Another region: --image-uri.
sklearn_registry() {
    case "$1" in
        us-east-1) echo 683313688378 ;;
        us-east-2) echo 257758044811 ;;
        us-west-1) echo 746614075791 ;;
        us-west-2) echo 246618743249 ;;
        ca-central-1) echo 341280168497 ;;
        eu-west-1) echo 141502667606 ;;
        eu-west-2) echo 764974769150 ;;
        eu-west-3) echo 659782779980 ;;
        eu-central-1) echo 492215442770 ;;
        eu-north-1) echo 662702820516 ;;
        ap-south-1) echo 720646828776 ;;
        ap-southeast-1) echo 121021644041 ;;
        ap-southeast-2) echo 783357654285 ;;
        ap-northeast-1) echo 354813040037 ;;
        ap-northeast-2) echo 366743142698 ;;
        sa-east-1) echo 737474898029 ;;
        *) return 1 ;;
    esac
}

local_mode=false
models=()
bucket="${BUCKET_NAME:-}"
role_arn="${SAGEMAKER_ROLE_ARN:-}"
region="${AWS_REGION:-${AWS_DEFAULT_REGION:-}}"
image_uri="${SKLEARN_IMAGE_URI:-}"
framework_version="${SKLEARN_FRAMEWORK_VERSION:-1.2-1}"
instance_type=ml.m5.large
wait=true
publish=false
data_dir=data/demo
out_dir=data/models
while [[ $# -gt 0 ]]; do
    case "$1" in
        -h | --help) usage; exit 0 ;;
        --local) local_mode=true; shift ;;
        --model) need_value "$1" "${2-}"; models+=("$2"); shift 2 ;;
        --bucket) need_value "$1" "${2-}"; bucket="$2"; shift 2 ;;
        --role-arn) need_value "$1" "${2-}"; role_arn="$2"; shift 2 ;;
        --region) need_value "$1" "${2-}"; region="$2"; shift 2 ;;
        --image-uri) need_value "$1" "${2-}"; image_uri="$2"; shift 2 ;;
        --framework-version) need_value "$1" "${2-}"; framework_version="$2"; shift 2 ;;
        --instance-type) need_value "$1" "${2-}"; instance_type="$2"; shift 2 ;;
        --no-wait) wait=false; shift ;;
        --publish) publish=true; shift ;;
        --data) need_value "$1" "${2-}"; data_dir="$2"; shift 2 ;;
        --out) need_value "$1" "${2-}"; out_dir="$2"; shift 2 ;;
        *) usage_error "unknown option: $1" ;;
    esac
done
[[ ${#models[@]} -gt 0 ]] || models=("${MODELS[@]}")
for model in "${models[@]}"; do
    [[ "$model" == creative_scorer || "$model" == bid_optimizer ]] ||
        usage_error "unknown model '$model': creative_scorer or bid_optimizer"
done
if $publish && ! $wait; then
    usage_error "--publish needs the jobs' results: it does not go with --no-wait"
fi

if $local_mode; then
    python="$ROOT/.venv/bin/python"
    [[ -x "$python" ]] || die "no .venv/: run \`make venv\` (scikit-learn, pandas, pyarrow from requirements-dev.txt)"
    for model in "${models[@]}"; do
        train="$data_dir/processed/training/$model"
        [[ -f "$train/features.json" ]] || die "no training set in $train: run the pipeline first (\`make demo\`
  writes data/demo/processed/training/), or pass --data DIR"
        note "training $model on $train into $out_dir/$model"
        "$python" "$ROOT/sagemaker/train_$model.py" --train "$train" \
            --model-dir "$out_dir/$model" --output-data-dir "$out_dir/$model/output"
    done
    echo "models in $out_dir/: copy one to <data dir>/models/<model>/ (or s3://BUCKET/models/<model>/) for the jobs to use it"
    exit 0
fi

need_aws
if [[ -z "$bucket" || -z "$role_arn" ]] && command -v terraform >/dev/null 2>&1 && [[ -d "$TF_DIR" ]]; then
    [[ -n "$bucket" ]] || bucket="$(tf_output bucket_name)"
    [[ -n "$role_arn" ]] || role_arn="$(tf_output sagemaker_role_arn)"
fi
[[ -n "$bucket" ]] || usage_error "which bucket? --bucket or BUCKET_NAME (Terraform's output bucket_name was not found)"
[[ -n "$role_arn" ]] || usage_error "which SageMaker execution role? --role-arn or SAGEMAKER_ROLE_ARN (a role SageMaker
  can assume, with read and write access to the bucket; Terraform's output sagemaker_role_arn was not found)"
[[ -n "$region" ]] || region="${AWS_REGION:-}"  # need_aws: else the stack's region, from Terraform
[[ -n "$region" ]] || region="$(aws configure get region 2>/dev/null || true)"
[[ -n "$region" ]] || usage_error "which region? --region or AWS_REGION"
if [[ -z "$image_uri" ]]; then
    registry="$(sklearn_registry "$region")" ||
        usage_error "no known scikit-learn image registry for $region: pass --image-uri (see the SageMaker docs, 'Docker registry paths')"
    image_uri="$registry.dkr.ecr.$region.amazonaws.com/sagemaker-scikit-learn:$framework_version-cpu-py3"
fi
export AWS_REGION="$region" AWS_DEFAULT_REGION="$region"

workdir="$(mktemp -d)"
trap 'rm -rf "$workdir"' EXIT
stamp="$(date -u +%Y%m%d-%H%M%S)"

for model in "${models[@]}"; do
    aws s3 ls "s3://$bucket/processed/training/$model/features.json" >/dev/null 2>&1 ||
        die "no training set at s3://$bucket/processed/training/$model/: the data processor writes it on its daily run"
done

source_uri="s3://$bucket/code/sagemaker/$stamp/sourcedir.tar.gz"
tar -czf "$workdir/sourcedir.tar.gz" -C "$ROOT/sagemaker" --exclude=__pycache__ \
    common.py inference.py requirements.txt train_creative_scorer.py train_bid_optimizer.py
note "uploading the training scripts to $source_uri"
aws s3 cp --only-show-errors "$workdir/sourcedir.tar.gz" "$source_uri"

# Job names follow the functions' names (<project_name>-<job>, from Terraform's outputs or
# LAMBDA_NAME_PREFIX), so two stacks in one account keep their jobs apart.
prefix="$(function_name collector)"
prefix="${prefix%collector}"
jobs=()
for model in "${models[@]}"; do
    job="${prefix}${model//_/-}-$stamp"
    ((${#job} <= 63)) || die "training job name $job is longer than SageMaker's 63 characters: use a shorter
  project_name (or LAMBDA_NAME_PREFIX)"
    JOB="$job" PROJECT="${prefix%-}" MODEL="$model" ROLE_ARN="$role_arn" IMAGE_URI="$image_uri" SOURCE_URI="$source_uri" \
        REGION="$region" BUCKET="$bucket" INSTANCE_TYPE="$instance_type" \
        python3 - "$workdir/$model.json" <<'PY'
import json, os, sys

e = os.environ

metrics = [
    {"Name": f"{split}:{metric}", "Regex": f"{split}_{metric}=([-+0-9.eE]+);"}
    for split in ("train", "cv", "validation")
    for metric in ("mse", "rmse", "mae", "r2", "mape")
]
request = {
    "TrainingJobName": e["JOB"],
    "RoleArn": e["ROLE_ARN"],
    "AlgorithmSpecification": {
        "TrainingImage": e["IMAGE_URI"],
        "TrainingInputMode": "File",
        "MetricDefinitions": metrics,
    },
    # Script mode, as the SageMaker Python SDK sends it: every value a JSON-encoded string.
    "HyperParameters": {
        "sagemaker_program": json.dumps(f"train_{e['MODEL']}.py"),
        "sagemaker_submit_directory": json.dumps(e["SOURCE_URI"]),
        "sagemaker_region": json.dumps(e["REGION"]),
        "sagemaker_container_log_level": "20",
        "sagemaker_job_name": json.dumps(e["JOB"]),
    },
    "InputDataConfig": [{
        "ChannelName": "train",
        "DataSource": {"S3DataSource": {
            "S3DataType": "S3Prefix",
            "S3Uri": f"s3://{e['BUCKET']}/processed/training/{e['MODEL']}/",
            "S3DataDistributionType": "FullyReplicated",
        }},
    }],
    "OutputDataConfig": {"S3OutputPath": f"s3://{e['BUCKET']}/models/{e['MODEL']}/"},
    "ResourceConfig": {"InstanceType": e["INSTANCE_TYPE"], "InstanceCount": 1, "VolumeSizeInGB": 10},
    "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
    "Tags": [{"Key": "project", "Value": e["PROJECT"]}],
}
json.dump(request, open(sys.argv[1], "w"), indent=2)
PY
    note "starting training job $job ($image_uri, $instance_type)"
    aws sagemaker create-training-job --cli-input-json "file://$workdir/$model.json" >/dev/null
    jobs+=("$model:$job")
done

if ! $wait; then
    printf 'started: %s\n' "${jobs[@]}"
    exit 0
fi

failed=0
endpoint_args=(--image-uri "$image_uri" --source-dir-url "$source_uri")
for entry in "${jobs[@]}"; do
    model="${entry%%:*}"
    job="${entry#*:}"
    note "waiting for $job (a few minutes)"
    aws sagemaker wait training-job-completed-or-stopped --training-job-name "$job" || true
    aws sagemaker describe-training-job --training-job-name "$job" --output json >"$workdir/$job.json"
    status="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["TrainingJobStatus"])' "$workdir/$job.json")"
    if [[ "$status" != Completed ]]; then
        python3 -c 'import json,sys; print("error: " + sys.argv[2] + ": " + json.load(open(sys.argv[1])).get("FailureReason", "no reason given"), file=sys.stderr)' \
            "$workdir/$job.json" "$job $status"
        failed=1
        continue
    fi
    artifact="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["ModelArtifacts"]["S3ModelArtifacts"])' "$workdir/$job.json")"
    mkdir -p "$workdir/$model"
    aws s3 cp --only-show-errors "$artifact" "$workdir/$model/model.tar.gz"
    tar -xzf "$workdir/$model/model.tar.gz" -C "$workdir/$model"
    echo "$model: $artifact"
    endpoint_args+=("--${model//_/-}-model" "$artifact")
    python3 - "$workdir/$model/metrics.json" <<'PY'
import json, sys

report = json.load(open(sys.argv[1]))
metrics = report.get("metrics", {})
print(f"  {report.get('training_rows')} training rows")
for group in ("cv", "train", "validation"):
    shown = ", ".join(f"{k[len(group) + 1:]} {v:.4g}" for k, v in metrics.items()
                      if k.startswith(group + "_") and isinstance(v, (int, float)))
    if shown:
        print(f"  {group}: {shown}")
PY
    if $publish; then
        for file in model.json model.joblib features.json metrics.json; do
            aws s3 cp --only-show-errors "$workdir/$model/$file" "s3://$bucket/models/$model/$file"
        done
        echo "  published to s3://$bucket/models/$model/ (the Lambdas use it from their next run)"
    else
        echo "  not published: to use it, copy model.json, model.joblib, features.json and metrics.json from"
        echo "  $artifact to s3://$bucket/models/$model/ (or re-run with --publish)"
    fi
done
if [[ "$failed" == 0 && ${#models[@]} == 2 ]]; then
    echo "optional SageMaker endpoints for these models (README.md: they cost more than the rest together):"
    echo "  deploy/deploy-endpoints.sh ${endpoint_args[*]}"
fi
exit "$failed"
