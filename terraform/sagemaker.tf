# SageMaker: the execution role the training jobs use (deploy/train-models.sh, always created: a role
# costs nothing), and, only with enable_sagemaker_endpoints, the two serving endpoints: the creative
# scorer (scikit-learn RandomForestRegressor) and the bid optimizer (GradientBoostingRegressor), each
# served by sagemaker/inference.py in the SageMaker scikit-learn container. Without them the jobs
# evaluate models/<model>/model.json natively (README.md "The models").

locals {
  endpoint_names = {
    creative_scorer = "${var.project_name}-creative-scorer"
    bid_optimizer   = "${var.project_name}-bid-optimizer"
  }

  sagemaker_models = var.enable_sagemaker_endpoints ? {
    creative_scorer = var.creative_scorer_model_data_url
    bid_optimizer   = var.bid_optimizer_model_data_url
  } : {}

  # Artefacts the role must read when they were put somewhere other than the bucket's models/ and code/.
  sagemaker_artifact_arns = [
    for url in compact([var.sagemaker_source_dir_url, var.creative_scorer_model_data_url, var.bid_optimizer_model_data_url]) :
    "arn:${local.partition}:s3:::${trimprefix(url, "s3://")}"
  ]
}

data "aws_iam_policy_document" "sagemaker_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["sagemaker.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "sagemaker" {
  name                 = "${var.project_name}-sagemaker"
  description          = "SageMaker training jobs and endpoints of the LinkedIn Ads pipeline: training sets in, models out."
  assume_role_policy   = data.aws_iam_policy_document.sagemaker_assume.json
  max_session_duration = 3600
}

data "aws_iam_policy_document" "sagemaker" {
  statement {
    # Training sets (the data processor's), the training/serving code (sourcedir.tar.gz) and the models.
    sid     = "ReadInputs"
    actions = ["s3:GetObject"]
    resources = concat(
      [
        "${aws_s3_bucket.data.arn}/processed/training/*",
        "${aws_s3_bucket.data.arn}/code/sagemaker/*",
        "${aws_s3_bucket.data.arn}/models/*",
      ],
      local.sagemaker_artifact_arns,
    )
  }

  statement {
    sid       = "ListInputs"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.data.arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["processed/training/*", "code/sagemaker/*", "models/*"]
    }
  }

  statement {
    # Training jobs write model.tar.gz under models/<model>/<job>/output/.
    sid       = "WriteModels"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.data.arn}/models/*"]
  }

  statement {
    sid = "EcrLogin"
    # Wildcard: AWS requires Resource "*" for ecr:GetAuthorizationToken (a registry login, no resource).
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    # Wildcard: the account. The SageMaker scikit-learn images live in AWS-owned registries, a different
    # account in each region (and sagemaker_image_uri may name any of them); the repository is pinned.
    sid       = "PullScikitLearnImage"
    actions   = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    resources = ["arn:${local.partition}:ecr:${var.aws_region}:*:repository/sagemaker-scikit-learn"]
  }

  statement {
    sid     = "WriteJobLogs"
    actions = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
    resources = [
      "arn:${local.partition}:logs:${var.aws_region}:${local.account_id}:log-group:/aws/sagemaker/TrainingJobs:*",
      "arn:${local.partition}:logs:${var.aws_region}:${local.account_id}:log-group:/aws/sagemaker/Endpoints/${var.project_name}-*",
    ]
  }

  statement {
    sid = "PublishJobMetrics"
    # Wildcard: AWS requires Resource "*" for cloudwatch:PutMetricData (no resource-level permissions);
    # the condition keeps it to SageMaker's namespaces (the training jobs' metric definitions).
    actions   = ["cloudwatch:PutMetricData"]
    resources = ["*"]

    condition {
      test     = "StringLike"
      variable = "cloudwatch:namespace"
      values   = ["/aws/sagemaker/*"]
    }
  }
}

resource "aws_iam_role_policy" "sagemaker" {
  name   = "${var.project_name}-sagemaker-least-privilege"
  role   = aws_iam_role.sagemaker.id
  policy = data.aws_iam_policy_document.sagemaker.json
}

resource "aws_sagemaker_model" "model" {
  #checkov:skip=CKV_AWS_370:Network isolation would stop the container from fetching sagemaker_source_dir_url (inference.py) from S3, which the scikit-learn container does itself at start-up.
  for_each = local.sagemaker_models

  # A new name whenever what is served changes, so the endpoint configuration (immutable) is replaced and
  # the endpoint updated in place; the old model goes after the new one is serving.
  name               = "${local.endpoint_names[each.key]}-${substr(sha1(join(" ", [var.sagemaker_image_uri, each.value, var.sagemaker_source_dir_url])), 0, 8)}"
  execution_role_arn = aws_iam_role.sagemaker.arn

  primary_container {
    image          = var.sagemaker_image_uri
    model_data_url = each.value

    environment = {
      # The serving entry point: model_fn, input_fn, predict_fn, output_fn (sagemaker/README.md, "Inference").
      SAGEMAKER_PROGRAM             = "inference.py"
      SAGEMAKER_SUBMIT_DIRECTORY    = var.sagemaker_source_dir_url
      SAGEMAKER_CONTAINER_LOG_LEVEL = "20"
      SAGEMAKER_REGION              = var.aws_region
    }
  }

  lifecycle {
    create_before_destroy = true

    precondition {
      condition     = var.sagemaker_image_uri != null && var.sagemaker_source_dir_url != null && each.value != null
      error_message = "enable_sagemaker_endpoints needs sagemaker_image_uri, sagemaker_source_dir_url, creative_scorer_model_data_url and bid_optimizer_model_data_url (README.md, 'SageMaker endpoints')."
    }
  }

  depends_on = [aws_iam_role_policy.sagemaker]
}

resource "aws_sagemaker_endpoint_configuration" "model" {
  #checkov:skip=CKV_AWS_98:The endpoint's volume holds only the model, derived from data already in this account's bucket; SageMaker encrypts it with an AWS-managed key, and a customer key would add $1/month and a key policy.
  for_each = local.sagemaker_models

  # Immutable: a new name for every change of model or instance type (create_before_destroy).
  name = "${local.endpoint_names[each.key]}-${substr(sha1(join(" ", [aws_sagemaker_model.model[each.key].name, var.sagemaker_instance_type])), 0, 8)}"

  production_variants {
    variant_name           = "primary"
    model_name             = aws_sagemaker_model.model[each.key].name
    initial_instance_count = 1
    instance_type          = var.sagemaker_instance_type
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_sagemaker_endpoint" "model" {
  for_each = local.sagemaker_models

  name                 = local.endpoint_names[each.key]
  endpoint_config_name = aws_sagemaker_endpoint_configuration.model[each.key].name
}
