# One topic for people: the optimizer's daily report and every alarm (monitoring.tf).

locals {
  sns_topic_name = "${var.project_name}-notifications"
  sns_topic_arn  = "arn:${local.partition}:sns:${var.aws_region}:${local.account_id}:${local.sns_topic_name}"
}

resource "aws_sns_topic" "notifications" {
  #checkov:skip=CKV_AWS_26:CloudWatch alarms cannot publish to a topic encrypted with the AWS-managed key (alias/aws/sns), and a customer key ($1/month plus a key policy) would protect messages that leave AWS as plain email anyway; nothing secret is published (reports carry campaign numbers, no credentials).
  name         = local.sns_topic_name
  display_name = "LinkedIn Ads"
}

data "aws_iam_policy_document" "notifications" {
  statement {
    sid     = "CloudWatchAlarmsPublish"
    actions = ["sns:Publish"]
    # Only this stack's alarms (monitoring.tf); the optimizer publishes through its role (iam.tf).
    resources = [aws_sns_topic.notifications.arn]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:cloudwatch:${var.aws_region}:${local.account_id}:alarm:${var.project_name}-*"]
    }
  }

  statement {
    sid    = "DenyInsecureTransport"
    effect = "Deny"
    # Wildcard: a Deny, so the broader the better: no one may publish over plain HTTP.
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.notifications.arn]

    # Wildcard: every principal (the Deny applies to all callers).
    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_sns_topic_policy" "notifications" {
  arn    = aws_sns_topic.notifications.arn
  policy = data.aws_iam_policy_document.notifications.json
}

resource "aws_sns_topic_subscription" "email" {
  count = var.notification_email == null ? 0 : 1

  topic_arn = aws_sns_topic.notifications.arn
  protocol  = "email"
  # AWS emails a confirmation link; nothing is delivered until it is clicked.
  endpoint = var.notification_email
}
