output "bucket_name" {
  description = "The data bucket (BUCKET_NAME of every job)."
  value       = aws_s3_bucket.data.bucket
}

output "bucket_arn" {
  description = "ARN of the data bucket."
  value       = aws_s3_bucket.data.arn
}

output "lambda_function_names" {
  description = "Function name per job (deploy/invoke.sh --remote <job> runs one)."
  value       = { for job, f in aws_lambda_function.job : job => f.function_name }
}

output "lambda_function_arns" {
  description = "Function ARN per job."
  value       = { for job, f in aws_lambda_function.job : job => f.arn }
}

output "lambda_role_arns" {
  description = "Execution role ARN per job."
  value       = { for job, r in aws_iam_role.job : job => r.arn }
}

output "log_group_names" {
  description = "CloudWatch log group per job."
  value       = { for job, g in aws_cloudwatch_log_group.job : job => g.name }
}

output "schedule_rule_names" {
  description = "EventBridge rule per job (disable one to pause that job)."
  value       = { for job, r in aws_cloudwatch_event_rule.job : job => r.name }
}

output "sns_topic_arn" {
  description = "The notification topic: the optimizer's daily report and every alarm."
  value       = aws_sns_topic.notifications.arn
}

output "linkedin_secret_name" {
  description = "Secret to put the LinkedIn OAuth credentials JSON in (README.md 'Credentials')."
  value       = aws_secretsmanager_secret.linkedin.name
}

output "anthropic_secret_name" {
  description = "Secret to put the Anthropic API key in; null when copy_generator_use_claude is false."
  value       = one(aws_secretsmanager_secret.anthropic[*].name)
}

output "athena_database" {
  description = "Glue database of the Athena tables and views."
  value       = aws_glue_catalog_database.linkedin_ads.name
}

output "athena_workgroup" {
  description = "Athena workgroup (results location and scan limit enforced)."
  value       = aws_athena_workgroup.this.name
}

output "athena_results_location" {
  description = "Where the workgroup writes query results (expired after 7 days)."
  value       = local.athena_results_url
}

output "athena_ddl_named_query_ids" {
  description = "The named queries holding athena/create_tables.sql, in the order to run them."
  value       = [for k in sort(keys(aws_athena_named_query.ddl)) : aws_athena_named_query.ddl[k].id]
}

output "alarm_names" {
  description = "CloudWatch alarms, all notifying sns_topic_arn."
  value = concat(
    [for a in aws_cloudwatch_metric_alarm.errors : a.alarm_name],
    [for a in aws_cloudwatch_metric_alarm.missing_runs : a.alarm_name],
    [aws_cloudwatch_metric_alarm.refresh_token_expiring.alarm_name],
    [for a in aws_cloudwatch_metric_alarm.token_save_failures : a.alarm_name],
  )
}

output "sagemaker_role_arn" {
  description = "Execution role for SageMaker training jobs (deploy/train-models.sh) and the endpoints."
  value       = aws_iam_role.sagemaker.arn
}

output "creative_scorer_endpoint_name" {
  description = "The creative scorer's SageMaker endpoint (the copy generator's CREATIVE_SCORER_ENDPOINT); null unless enable_sagemaker_endpoints."
  value       = try(aws_sagemaker_endpoint.model["creative_scorer"].name, null)
}

output "bid_optimizer_endpoint_name" {
  description = "The bid optimizer's SageMaker endpoint (the optimizer's BID_OPTIMIZER_ENDPOINT); null unless enable_sagemaker_endpoints."
  value       = try(aws_sagemaker_endpoint.model["bid_optimizer"].name, null)
}
