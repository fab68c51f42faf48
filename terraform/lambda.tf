# The four Lambdas: Rust binaries named bootstrap on the OS-only runtime, from the zips cargo-lambda
# builds (deploy/build.sh). Each has its own role (iam.tf), log group, schedule (eventbridge.tf) and
# alarms (monitoring.tf).

resource "aws_cloudwatch_log_group" "job" {
  #checkov:skip=CKV_AWS_158:The AWS-owned CloudWatch Logs encryption already applies; a customer key would add $1/month and a key policy for logs that by design hold no secret (tokens print as [redacted]; a test searches a run's every log line).
  for_each = local.jobs

  # The name Lambda would use itself; created here so retention is set and the roles need no
  # logs:CreateLogGroup.
  name              = "/aws/lambda/${local.function_names[each.key]}"
  retention_in_days = var.log_retention_days
}

resource "aws_lambda_function" "job" {
  #checkov:skip=CKV_AWS_117:The jobs call only public endpoints (LinkedIn, Anthropic, AWS APIs); in a VPC they would need a NAT gateway (about $32/month per AZ) or endpoints for five services, for no isolation gained.
  #checkov:skip=CKV_AWS_116:A dead-letter queue would hold copies of the schedule's empty event: a failed run is alarmed on (monitoring.tf: Errors and missing runs), retried where a repeat is safe (aws_lambda_function_event_invoke_config below), and run again by the next schedule; its report says what failed.
  #checkov:skip=CKV_AWS_173:The environment holds names and ARNs only, no secret (secrets are read from Secrets Manager at run time), so a customer key for it would add cost and nothing else.
  #checkov:skip=CKV_AWS_272:Code signing needs an AWS Signer profile and a signing step in the release build; the zips are built from this repository by deploy/build.sh and deployed by the same operator.
  for_each = local.jobs

  function_name = local.function_names[each.key]
  description   = "LinkedIn Ads pipeline: the ${each.key} job (schedule ${var.schedules[each.key]})."
  role          = aws_iam_role.job[each.key].arn

  runtime       = "provided.al2023"
  handler       = "bootstrap"
  architectures = [var.lambda_architecture]

  filename         = local.zip_paths[each.key]
  source_code_hash = filebase64sha256(local.zip_paths[each.key])

  timeout     = var.lambda_settings[each.key].timeout
  memory_size = var.lambda_settings[each.key].memory_size

  # 1 (the default): a job never overlaps itself.
  reserved_concurrent_executions = var.lambda_reserved_concurrency

  environment {
    variables = local.job_env[each.key]
  }

  # Advanced logging: sets AWS_LAMBDA_LOG_FORMAT=JSON and AWS_LAMBDA_LOG_LEVEL, which the jobs' logger
  # follows (crates/linkedin-core/src/telemetry.rs); the EMF metric lines are JSON already.
  logging_config {
    log_format            = "JSON"
    log_group             = aws_cloudwatch_log_group.job[each.key].name
    application_log_level = var.lambda_log_level
    system_log_level      = "INFO"
  }

  # Cheap at a few hundred runs a month (inside X-Ray's free tier): init and invoke timings per run.
  tracing_config {
    mode = "Active"
  }

  # The role's permissions must exist before the first invocation can use them.
  depends_on = [aws_iam_role_policy.job]
}

# Lambda retries a failed asynchronous (scheduled) run twice unless told otherwise. A run "fails" when any
# part of it failed, after the rest has been done. The collector and the data processor only overwrite
# their own objects, so a repeat is harmless and may succeed. The optimizer and the copy generator have
# acted by then: a repeat sends a second report, and the copy generator would queue a second batch (paying
# Claude again) and, with AUTO_PUBLISH, could publish a second creative from it. Those two wait for the
# next schedule; the Errors alarm says a run failed.
resource "aws_lambda_function_event_invoke_config" "job" {
  for_each = local.jobs

  function_name          = aws_lambda_function.job[each.key].function_name
  maximum_retry_attempts = local.retry_attempts[each.key]
}
