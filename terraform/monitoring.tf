# Alarms, all to the notification topic (sns.tf): per job, a failed run and a missing run; and the
# LinkedIn refresh token running out. The jobs report through CloudWatch Embedded Metric Format log
# lines (namespace LinkedInAds, dimension Job=<job>, metrics Runs and Failures, ...: README.md
# "Metrics"), so no role needs cloudwatch:PutMetricData.

locals {
  # crates/linkedin-core/src/metrics.rs NAMESPACE.
  metric_namespace = "LinkedInAds"
  alarm_actions    = [aws_sns_topic.notifications.arn]
}

# A run that failed: the function returned an error (any part of the run failed, or it crashed or timed
# out). Lambda retries a failed collector or data-processor run twice (lambda.tf); each failed attempt
# counts.
resource "aws_cloudwatch_metric_alarm" "errors" {
  for_each = local.jobs

  alarm_name        = "${local.function_names[each.key]}-errors"
  alarm_description = "The ${each.key} Lambda returned an error in the last hour: its log group ${aws_cloudwatch_log_group.job[each.key].name} and run report say which part failed."

  namespace   = "AWS/Lambda"
  metric_name = "Errors"
  dimensions  = { FunctionName = aws_lambda_function.job[each.key].function_name }
  statistic   = "Sum"
  period      = 3600

  evaluation_periods  = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = 1
  # No invocation, no datapoint: that is the missing-run alarm's business, not this one's.
  treat_missing_data = "notBreaching"

  actions_enabled = true
  alarm_actions   = local.alarm_actions
  ok_actions      = local.alarm_actions
}

# A run that did not happen (schedule disabled or deleted, permission lost, throttled for hours, the
# function crashing before it reports). Every run, failed or not, emits Runs = 1.
#
# How the window works: hourly periods, evaluation_periods = datapoints_to_alarm = N hours, missing data
# counts as breaching. Each hour without a run is one breaching datapoint and an hour with a run is not,
# so the alarm fires exactly when N consecutive hours had no run: a sliding "no run in the last N hours".
# One period of the schedule's length would instead depend on how the runs fall against CloudWatch's
# clock-aligned periods (a run a few seconds late lands in the next period and leaves one empty).
# CloudWatch evaluates at most 7 days (period x evaluation periods <= 604800 s), so the weekly copy
# generator gets N = 168: the full week, no slack. Its Monday run reports a few minutes after the
# previous week's datapoint leaves the window, so this alarm may flip to ALARM and back within minutes of
# a Monday 09:00 run (two emails a week at worst); a missed week is still caught. The metric's timestamp
# is the run's start (clock.now), in the same hour as the schedule.
# On a fresh deploy the alarms start in ALARM until each job's first run (invoke each once:
# deploy/invoke.sh --remote <job>).
resource "aws_cloudwatch_metric_alarm" "missing_runs" {
  for_each = local.jobs

  alarm_name        = "${local.function_names[each.key]}-missing-runs"
  alarm_description = "No ${each.key} run has reported for ${var.missing_run_alarm_hours[each.key]} hours (schedule ${var.schedules[each.key]}): check the rule ${aws_cloudwatch_event_rule.job[each.key].name} is enabled and the function's log group."

  namespace   = local.metric_namespace
  metric_name = "Runs"
  dimensions  = { Job = each.key }
  statistic   = "Sum"
  period      = 3600

  evaluation_periods  = var.missing_run_alarm_hours[each.key]
  datapoints_to_alarm = var.missing_run_alarm_hours[each.key]
  comparison_operator = "LessThanThreshold"
  threshold           = 1
  treat_missing_data  = "breaching"

  # A paused job (var.paused_jobs) misses its runs on purpose: the alarm still shows ALARM in the
  # console but sends nothing until the job is un-paused.
  actions_enabled = !contains(var.paused_jobs, each.key)
  alarm_actions   = local.alarm_actions
  ok_actions      = local.alarm_actions
}

# LinkedIn refresh tokens last 365 days and only a member can renew them (README.md "Credentials"). The
# collector reports the days left when the secret records the expiry; the alarm gives a month's notice.
resource "aws_cloudwatch_metric_alarm" "refresh_token_expiring" {
  alarm_name        = "${var.project_name}-linkedin-refresh-token-expiring"
  alarm_description = "The LinkedIn refresh token in ${aws_secretsmanager_secret.linkedin.name} expires in under 30 days: a member of the ad account must re-authorise the app and the new tokens go into the secret."

  namespace   = local.metric_namespace
  metric_name = "RefreshTokenDaysLeft"
  dimensions  = { Job = "collector" }
  statistic   = "Minimum"
  period      = 21600

  evaluation_periods  = 1
  comparison_operator = "LessThanThreshold"
  # The collector's own warning starts at 30 days too.
  threshold = 30
  # Not reported when the expiry is unknown: nothing to say then.
  treat_missing_data = "notBreaching"

  actions_enabled = true
  alarm_actions   = local.alarm_actions
  ok_actions      = local.alarm_actions
}

# A refreshed LinkedIn token that a job could not save to the secret, after its retries (README.md
# "Credentials"). The run used the new token and failed; if LinkedIn rotated the refresh token, the one
# left in the secret may no longer work and the next runs are locked out, so the first one alarms.
resource "aws_cloudwatch_metric_alarm" "token_save_failures" {
  for_each = toset(local.linkedin_secret_jobs)

  alarm_name        = "${local.function_names[each.key]}-token-save-failures"
  alarm_description = "The ${each.key} refreshed the LinkedIn access token but could not save it to ${aws_secretsmanager_secret.linkedin.name} (TokenSaveFailures): check its role may secretsmanager:PutSecretValue and the secret exists; if the next run is refused, a member must re-authorise the app and the new credentials go into the secret."

  namespace   = local.metric_namespace
  metric_name = "TokenSaveFailures"
  dimensions  = { Job = each.key }
  statistic   = "Sum"
  period      = 3600

  evaluation_periods  = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = 1
  # Every run of these jobs emits the metric (0 when nothing failed); no run, no datapoint.
  treat_missing_data = "notBreaching"

  actions_enabled = true
  alarm_actions   = local.alarm_actions
  ok_actions      = local.alarm_actions
}
