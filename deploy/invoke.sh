#!/usr/bin/env bash
# Invokes one Lambda function with an EventBridge scheduled event: locally (cargo lambda watch) or the
# deployed function (--remote).
set -euo pipefail

# shellcheck source=deploy/lib/common.bash
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.bash"

usage() {
    cat <<'EOF'
Usage: deploy/invoke.sh [--remote [--async] [--function-name NAME]] [--as-of YYYY-MM-DD]
                        [--event FILE] [--port PORT] FUNCTION

Sends FUNCTION (collector, data-processor, optimizer or copy-generator) the event EventBridge sends on
its schedule: `time` is now (the run's day), `detail` is {} or, with --as-of, {"as_of": "YYYY-MM-DD"}
(a manual backfill: that day becomes the run's "today"). deploy/events/scheduled.json is a sample.

Local (the default): `cargo lambda invoke` against `cargo lambda watch`, which builds the function and
runs it with the environment you give it. Start watch first, in another terminal, from the repository:

    PATH="$PWD/.venv/bin:$PATH" cargo lambda watch -A 127.0.0.1 -P 9000 --env-file deploy/local.env

(copy deploy/local.env.example to deploy/local.env: it points the functions at the local LinkedIn
sandbox, `linkedin-ads sandbox serve --port 8089 --scenario b2b-saas --no-faults`, and a data folder).

Remote (--remote): `aws lambda invoke` on the deployed function, synchronously (no CLI retry, a
15-minute read timeout): prints the function's result and the tail of its log, and exits 1 when the
function returned an error. Credentials and region: the AWS CLI's (AWS_PROFILE, AWS_REGION, ...).

Options:
  --remote              invoke the function deployed on AWS Lambda
  --async               with --remote: queue the event as EventBridge does (invocation type Event,
                        Lambda's own retries); the result is then in CloudWatch Logs and the bucket
  --function-name NAME  with --remote: the deployed name (default: LAMBDA_NAME_PREFIX + FUNCTION
                        when that is set, else Terraform's output lambda_function_names, else
                        "linkedin-ads-" + FUNCTION)
  --as-of YYYY-MM-DD    put detail.as_of in the event
  --event FILE          send this payload as it is instead (--as-of then does not apply)
  --port PORT           local: the port cargo lambda watch listens on (default 9000, on 127.0.0.1)
  -h, --help            this text
EOF
}

remote=false
async=false
as_of=""
event_file=""
port=9000
fn_name=""
name=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        -h | --help) usage; exit 0 ;;
        --remote) remote=true; shift ;;
        --async) async=true; shift ;;
        --as-of) need_value "$1" "${2-}"; as_of="$2"; shift 2 ;;
        --event) need_value "$1" "${2-}"; event_file="$2"; shift 2 ;;
        --port) need_value "$1" "${2-}"; port="$2"; shift 2 ;;
        --function-name) need_value "$1" "${2-}"; fn_name="$2"; shift 2 ;;
        -*) usage_error "unknown option: $1" ;;
        *)
            [[ -z "$name" ]] || usage_error "one FUNCTION only (got '$name' and '$1')"
            name="$1"; shift ;;
    esac
done
[[ -n "$name" ]] || usage_error "which function? one of: ${LAMBDAS[*]}"
is_lambda "$name" || usage_error "unknown function '$name': one of ${LAMBDAS[*]}"
if [[ -n "$as_of" ]] && ! [[ "$as_of" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}$ ]]; then
    usage_error "--as-of must be a date, YYYY-MM-DD (got '$as_of')"
fi
[[ "$port" =~ ^[0-9]+$ ]] || usage_error "--port must be a number (got '$port')"
if ! $remote && { $async || [[ -n "$fn_name" ]]; }; then
    usage_error "--async and --function-name go with --remote"
fi

workdir="$(mktemp -d)"
trap 'rm -rf "$workdir"' EXIT

if [[ -n "$event_file" ]]; then
    [[ -f "$event_file" ]] || die "no such event file: $event_file"
    [[ -z "$as_of" ]] || usage_error "--as-of and --event do not go together: put detail.as_of in the file"
    event="$event_file"
else
    event="$workdir/event.json"
    detail='{}'
    [[ -z "$as_of" ]] || detail="{\"as_of\": \"$as_of\"}"
    cat >"$event" <<EOF
{
  "version": "0",
  "id": "manual-$(date -u +%Y%m%dT%H%M%SZ)-$$",
  "detail-type": "Scheduled Event",
  "source": "aws.events",
  "account": "123456789012",
  "time": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
  "region": "${AWS_REGION:-us-east-1}",
  "resources": [],
  "detail": $detail
}
EOF
fi

if ! $remote; then
    need_cargo_lambda
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        die "nothing listens on 127.0.0.1:$port: start cargo lambda watch first, in another terminal:
    PATH=\"$ROOT/.venv/bin:\$PATH\" cargo lambda watch -A 127.0.0.1 -P $port --env-file deploy/local.env
  (see --help), or invoke the deployed function with --remote"
    fi
    note "cargo lambda invoke $name (127.0.0.1:$port)"
    cargo lambda invoke "$name" --invoke-address 127.0.0.1 --invoke-port "$port" --data-file "$event"
    exit 0
fi

need_aws
[[ -n "$fn_name" ]] || fn_name="$(function_name "$name")"
if $async; then
    note "aws lambda invoke --invocation-type Event $fn_name"
    aws lambda invoke --function-name "$fn_name" --invocation-type Event \
        --payload "fileb://$event" "$workdir/result.json" >"$workdir/meta.json"
    echo "queued: follow it with \`aws logs tail /aws/lambda/$fn_name --follow\`"
    exit 0
fi

note "aws lambda invoke $fn_name (synchronous; up to 15 minutes)"
# One attempt: a retried synchronous invoke would run the job twice.
AWS_MAX_ATTEMPTS=1 aws lambda invoke --function-name "$fn_name" --payload "fileb://$event" \
    --log-type Tail --cli-read-timeout 900 "$workdir/result.json" >"$workdir/meta.json"
python3 - "$workdir/meta.json" "$workdir/result.json" <<'PY'
import base64, json, sys

meta = json.load(open(sys.argv[1]))
log = meta.get("LogResult")
if log:
    print("--- log (last 4 KB) ---", file=sys.stderr)
    print(base64.b64decode(log).decode("utf-8", "replace"), file=sys.stderr)
print(open(sys.argv[2]).read())
if meta.get("FunctionError"):
    print(f"error: the function failed ({meta['FunctionError']}): its result above", file=sys.stderr)
    sys.exit(1)
PY
