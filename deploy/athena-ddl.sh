#!/usr/bin/env bash
# Runs athena/create_tables.sql on Athena: the named queries Terraform made from it, in order, each
# waited for before the next (a view needs its table).
set -euo pipefail

# shellcheck source=deploy/lib/common.bash
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.bash"

usage() {
    cat <<'EOF'
Usage: deploy/athena-ddl.sh [--timeout SECONDS] [--dry-run]

Creates the Athena tables and views the jobs read when athena_enabled is set: runs the named queries
that Terraform made from athena/create_tables.sql (output athena_ddl_named_query_ids, one statement
each, in file order) in the stack's workgroup (output athena_workgroup). Each query is waited for
before the next starts, because a view needs the tables it reads. The statements are idempotent
(CREATE ... IF NOT EXISTS, CREATE OR REPLACE VIEW), so running this again after a change to the SQL
and a terraform apply brings the views up to date.

Stops at the first query that does not succeed and prints Athena's reason. Run it after the first
apply, before setting athena_enabled = true (README.md "Deploying to AWS").

Options:
  --timeout SECONDS  how long one query may take (default 300)
  --dry-run          list the queries in the order they would run, run nothing
  -h, --help         this text

Environment: AWS credentials and region as for the AWS CLI; TF_DIR (default terraform/).
EOF
}

timeout=300
dry_run=false
while [[ $# -gt 0 ]]; do
    case "$1" in
        -h | --help) usage; exit 0 ;;
        --timeout) need_value "$1" "${2-}"; timeout="$2"; shift 2 ;;
        --dry-run) dry_run=true; shift ;;
        *) usage_error "unknown option: $1" ;;
    esac
done
[[ "$timeout" =~ ^[1-9][0-9]*$ ]] || usage_error "--timeout must be a whole number of seconds (got '$timeout')"

need_terraform
need_aws

workgroup="$(tf_output athena_workgroup)"
[[ -n "$workgroup" ]] || die "Terraform has no output athena_workgroup in $TF_DIR: apply the stack first
  (deploy/deploy-all.sh)"
mapfile -t ids < <(terraform -chdir="$TF_DIR" output -json athena_ddl_named_query_ids 2>/dev/null |
    python3 -c 'import json, sys; print("\n".join(json.load(sys.stdin)))' 2>/dev/null || true)
[[ ${#ids[@]} -gt 0 && -n "${ids[0]}" ]] || die "Terraform has no output athena_ddl_named_query_ids in $TF_DIR:
  apply the stack first (deploy/deploy-all.sh)"

note "${#ids[@]} statements of athena/create_tables.sql, workgroup $workgroup"
for i in "${!ids[@]}"; do
    id="${ids[$i]}"
    # One call: the name on the first line, the (multi-line) SQL after it.
    named="$(aws athena get-named-query --named-query-id "$id" --output json |
        python3 -c 'import json, sys; q = json.load(sys.stdin)["NamedQuery"]; print(q["Name"]); print(q["QueryString"])')"
    name="${named%%$'\n'*}"
    query="${named#*$'\n'}"
    if $dry_run; then
        echo "$((i + 1)). $name ($id)"
        continue
    fi
    execution="$(aws athena start-query-execution --work-group "$workgroup" --query-string "$query" \
        --query QueryExecutionId --output text)"
    started=$SECONDS
    while true; do
        status="$(aws athena get-query-execution --query-execution-id "$execution" \
            --query 'QueryExecution.Status.[State,StateChangeReason]' --output text)"
        IFS=$'\t' read -r state reason <<<"$status"
        case "$state" in
            QUEUED | RUNNING) ;;
            *) break ;;
        esac
        if ((SECONDS - started >= timeout)); then
            aws athena stop-query-execution --query-execution-id "$execution" || true
            die "$name ($execution) was still $state after $timeout s: stopped. Rerun with a longer --timeout"
        fi
        sleep 1
    done
    if [[ "$state" != SUCCEEDED ]]; then
        die "$name ($execution): $state: $reason
  The statements before it ran; fix the cause (or the SQL, then terraform apply) and run this again"
    fi
    echo "$((i + 1)). $name: SUCCEEDED ($execution)"
done
if ! $dry_run; then
    echo "tables and views ready; set athena_enabled = true and apply to have the jobs read through Athena"
fi
