# The schedules (var.schedules, UTC): one rule per job, targeting that job's function, and a Lambda
# permission that lets only that rule invoke it. A job in var.paused_jobs keeps its rule, disabled.

resource "aws_cloudwatch_event_rule" "job" {
  for_each = local.jobs

  name                = "${local.function_names[each.key]}-schedule"
  description         = "Runs ${local.function_names[each.key]} on ${var.schedules[each.key]} (UTC)."
  schedule_expression = var.schedules[each.key]
  # paused_jobs: the emergency stop. The rule stays, so un-pausing is one apply.
  state = contains(var.paused_jobs, each.key) ? "DISABLED" : "ENABLED"
}

resource "aws_cloudwatch_event_target" "job" {
  for_each = local.jobs

  rule      = aws_cloudwatch_event_rule.job[each.key].name
  target_id = each.key
  arn       = aws_lambda_function.job[each.key].arn
  # No input: the function takes the scheduled event's time as the run's day. A manual backfill sends
  # {"detail": {"as_of": "YYYY-MM-DD"}} (deploy/invoke.sh).
}

resource "aws_lambda_permission" "schedule" {
  for_each = local.jobs

  statement_id  = "AllowRunFromSchedule"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.job[each.key].function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.job[each.key].arn
}
