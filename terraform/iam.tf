# One role per job, each allowed exactly what its code does (locals.tf lists the bucket prefixes; the
# rest follows the shared resources each job uses). No job statement has Resource "*" except X-Ray's,
# whose actions take no resource. (The SageMaker role, in sagemaker.tf, has its own, each justified.)

locals {
  bucket_arn = aws_s3_bucket.data.arn

  # Each job's write prefixes, split: those it may overwrite, and the write-once ones (locals.tf).
  s3_write_once = { for job in local.jobs : job => [for p in local.s3_access[job].write : p if contains(local.write_once_prefixes, p)] }
  s3_rewrite    = { for job in local.jobs : job => [for p in local.s3_access[job].write : p if !contains(local.write_once_prefixes, p)] }

  # The statements of each job's policy, as data; rendered by data.aws_iam_policy_document.job below.
  job_statements = {
    for job in local.jobs : job => concat(
      [
        {
          sid       = "WriteOwnLogs"
          actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
          resources = ["${aws_cloudwatch_log_group.job[job].arn}:*"]
          condition = []
        },
        {
          sid = "XRayTracing"
          # Wildcard: AWS requires Resource "*" for these two X-Ray actions (they support no resource-level
          # permissions); they only upload the function's own trace segments (tracing_config Active).
          actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
          resources = ["*"]
          condition = []
        },
      ],
      length(local.s3_access[job].read) == 0 ? [] : [
        {
          sid       = "ReadPrefixes"
          actions   = ["s3:GetObject"]
          resources = [for p in local.s3_access[job].read : "${local.bucket_arn}/${p}*"]
          condition = []
        },
        {
          # Listing is limited to the same prefixes. S3 also uses this permission to answer a GetObject
          # on a missing key with 404 (evaluating s3:prefix as that key), which the jobs read as "none yet"
          # (e.g. no trained model); without it they would get 403 and fail.
          sid       = "ListPrefixes"
          actions   = ["s3:ListBucket"]
          resources = [local.bucket_arn]
          condition = [{ test = "StringLike", variable = "s3:prefix", values = [for p in local.s3_access[job].read : "${p}*"] }]
        },
      ],
      length(local.s3_rewrite[job]) == 0 ? [] : [
        {
          sid       = "WritePrefixes"
          actions   = ["s3:PutObject"]
          resources = [for p in local.s3_rewrite[job] : "${local.bucket_arn}/${p}*"]
          condition = []
        },
      ],
      length(local.s3_write_once[job]) == 0 ? [] : [
        {
          # The audit and write-ahead logs: only a conditional PUT (If-None-Match: *, which creates and never
          # replaces), the form AWS documents for enforcing it; the bucket policy refuses any other write.
          sid       = "WriteOncePrefixes"
          actions   = ["s3:PutObject"]
          resources = [for p in local.s3_write_once[job] : "${local.bucket_arn}/${p}*"]
          condition = [{ test = "Null", variable = "s3:if-none-match", values = ["false"] }]
        },
      ],
      contains(local.linkedin_secret_jobs, job) ? [
        {
          # Read the OAuth credentials; write back the refreshed access token.
          sid       = "LinkedInCredentials"
          actions   = ["secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"]
          resources = [aws_secretsmanager_secret.linkedin.arn]
          condition = []
        },
      ] : [],
      job == "copy-generator" && var.copy_generator_use_claude ? [
        {
          sid       = "AnthropicApiKey"
          actions   = ["secretsmanager:GetSecretValue"]
          resources = aws_secretsmanager_secret.anthropic[*].arn
          condition = []
        },
      ] : [],
      job == "optimizer" ? [
        {
          sid       = "PublishReport"
          actions   = ["sns:Publish"]
          resources = [aws_sns_topic.notifications.arn]
          condition = []
        },
      ] : [],
      contains(local.athena_jobs, job) ? [
        {
          # Run, poll, page through and (past ATHENA_TIMEOUT_SECONDS) stop queries in this workgroup only.
          sid       = "AthenaQueries"
          actions   = ["athena:StartQueryExecution", "athena:GetQueryExecution", "athena:GetQueryResults", "athena:StopQueryExecution"]
          resources = [aws_athena_workgroup.this.arn]
          condition = []
        },
        {
          # The table and view definitions Athena reads on the caller's behalf.
          sid     = "GlueCatalogRead"
          actions = ["glue:GetDatabase", "glue:GetTable", "glue:GetPartitions"]
          resources = [
            "arn:${local.partition}:glue:${var.aws_region}:${local.account_id}:catalog",
            "arn:${local.partition}:glue:${var.aws_region}:${local.account_id}:database/${aws_glue_catalog_database.linkedin_ads.name}",
            "arn:${local.partition}:glue:${var.aws_region}:${local.account_id}:table/${aws_glue_catalog_database.linkedin_ads.name}/*",
          ]
          condition = []
        },
        {
          # Athena checks the bucket's region for the data and the results location, and lists the
          # multipart uploads of the results it writes (AWS's documented results-location permissions).
          sid       = "AthenaBucketLocation"
          actions   = ["s3:GetBucketLocation", "s3:ListBucketMultipartUploads"]
          resources = [local.bucket_arn]
          condition = []
        },
        {
          # Athena writes results in parts under the caller's permissions.
          sid       = "AthenaResultUploads"
          actions   = ["s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"]
          resources = ["${local.bucket_arn}/${local.athena_results_prefix}*"]
          condition = []
        },
      ] : [],
      contains(keys(local.endpoint_jobs), job) ? [
        {
          sid       = "InvokeModelEndpoint"
          actions   = ["sagemaker:InvokeEndpoint"]
          resources = [aws_sagemaker_endpoint.model[local.endpoint_jobs[job]].arn]
          condition = []
        },
      ] : [],
    )
  }
}

data "aws_iam_policy_document" "lambda_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "job" {
  for_each = local.jobs

  name                 = "${local.function_names[each.key]}-lambda"
  description          = "Runs the ${each.key} Lambda: only the bucket prefixes, secrets, topic, Athena workgroup and endpoints it uses."
  assume_role_policy   = data.aws_iam_policy_document.lambda_assume.json
  max_session_duration = 3600
}

data "aws_iam_policy_document" "job" {
  for_each = local.job_statements

  dynamic "statement" {
    for_each = each.value

    content {
      sid       = statement.value.sid
      actions   = statement.value.actions
      resources = statement.value.resources

      dynamic "condition" {
        for_each = statement.value.condition

        content {
          test     = condition.value.test
          variable = condition.value.variable
          values   = condition.value.values
        }
      }
    }
  }
}

resource "aws_iam_role_policy" "job" {
  for_each = local.jobs

  name   = "${local.function_names[each.key]}-least-privilege"
  role   = aws_iam_role.job[each.key].id
  policy = data.aws_iam_policy_document.job[each.key].json
}
