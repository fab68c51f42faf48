# The four jobs as data: names, code, environment and what each may touch in the bucket. Every other
# file builds its resources from these maps (one role, log group, schedule and pair of alarms per job),
# so a job cannot end up with a role but no schedule, or a schedule but no alarm.

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition

  jobs = toset(["collector", "data-processor", "optimizer", "copy-generator"])

  function_names = { for job in local.jobs : job => "${var.project_name}-${job}" }

  # `cargo lambda build --output-format zip` writes target/lambda/<binary>/bootstrap.zip.
  zip_dir   = var.lambda_zip_dir != null ? var.lambda_zip_dir : "${path.module}/../target/lambda"
  zip_paths = { for job in local.jobs : job => "${local.zip_dir}/${job}/bootstrap.zip" }

  bucket_name = var.bucket_name != null ? var.bucket_name : "${var.project_name}-${local.account_id}-${var.aws_region}"

  # --- Environment (README.md "Configuration"; names from VARS in crates/linkedin-core/src/config.rs) ---

  # What every job that talks to LinkedIn needs. LINKEDIN_API_VERSION null = unset = the binaries' default
  # (a Lambda environment holds strings only, so nulls are dropped).
  linkedin_env = { for k, v in {
    LINKEDIN_AD_ACCOUNT_ID = var.linkedin_ad_account_id
    LINKEDIN_API_VERSION   = var.linkedin_api_version
    SECRET_NAME            = aws_secretsmanager_secret.linkedin.name
  } : k => v if v != null }
  # Unset (not empty) when no campaigns are listed: every ACTIVE and PAUSED campaign.
  campaign_env = { for k, v in { CAMPAIGN_IDS = join(",", var.campaign_ids) } : k => v if length(var.campaign_ids) > 0 }

  athena_env = { for k, v in {
    ATHENA_DATABASE        = aws_glue_catalog_database.linkedin_ads.name
    ATHENA_WORKGROUP       = aws_athena_workgroup.this.name
    ATHENA_OUTPUT_LOCATION = local.athena_results_url
  } : k => v if var.athena_enabled }

  # optimizer_settings.min_ctr_threshold -> MIN_CTR_THRESHOLD=1 (null attributes stay unset).
  optimizer_settings_env = { for k, v in var.optimizer_settings : upper(k) => tostring(v) if v != null }

  job_env = {
    collector = merge(
      { BUCKET_NAME = local.bucket_name, LOOKBACK_DAYS = tostring(var.lookback_days) },
      local.linkedin_env,
      local.campaign_env,
    )
    data-processor = { BUCKET_NAME = local.bucket_name, LOOKBACK_DAYS = tostring(var.lookback_days) }
    optimizer = merge(
      {
        BUCKET_NAME   = local.bucket_name
        LOOKBACK_DAYS = tostring(var.lookback_days)
        DRY_RUN       = tostring(var.dry_run)
        # Built from known parts (sns.tf), not aws_sns_topic.notifications.arn: merge() with a value known
        # only after apply is wholly unknown, and plans would hide every optimizer variable, thresholds
        # included. The apply test checks it is the topic's ARN.
        SNS_TOPIC_ARN = local.sns_topic_arn
      },
      local.linkedin_env,
      local.campaign_env,
      local.optimizer_settings_env,
      local.athena_env,
      { for k, v in { BID_OPTIMIZER_ENDPOINT = try(aws_sagemaker_endpoint.model["bid_optimizer"].name, null) } : k => v if var.enable_sagemaker_endpoints },
    )
    copy-generator = merge(
      { BUCKET_NAME = local.bucket_name, AUTO_PUBLISH = tostring(var.copy_generator_auto_publish) },
      { for k, v in {
        ANTHROPIC_SECRET_NAME = one(aws_secretsmanager_secret.anthropic[*].name)
        ANTHROPIC_MODEL       = var.anthropic_model
      } : k => v if var.copy_generator_use_claude },
      # Publishing writes to LinkedIn like the optimizer, under the same DRY_RUN.
      { for k, v in merge(local.linkedin_env, { DRY_RUN = tostring(var.dry_run) }) : k => v if var.copy_generator_auto_publish },
      local.athena_env,
      { for k, v in { CREATIVE_SCORER_ENDPOINT = try(aws_sagemaker_endpoint.model["creative_scorer"].name, null) } : k => v if var.enable_sagemaker_endpoints },
    )
  }

  # --- Bucket access by key prefix (README.md "Object-store layout"), checked against the code ---------
  # read: s3:GetObject on <prefix>* and s3:ListBucket for the prefix (the jobs list a partition, then read
  # it; ListBucket also makes a missing key a 404, which the jobs treat as "none yet", instead of a 403).
  # write: s3:PutObject on <prefix>*; on a write-once prefix (below) only with If-None-Match (iam.tf). No
  # job deletes objects, so no role may.
  s3_access = {
    collector = {
      read  = []
      write = ["raw/analytics/", "raw/campaigns/", "raw/creatives/", "logs/collector_runs/"]
    }
    data-processor = {
      # creative_daily is read back for the training sets (the whole history); raw/creatives for the copy;
      # conversion_lag: each final day's restatement sums, for the optimizer's lag curve.
      read  = ["raw/analytics/", "raw/campaigns/", "raw/creatives/", "processed/creative_daily/"]
      write = ["processed/creative_daily/", "processed/training/", "processed/conversion_lag/"]
    }
    optimizer = {
      # processed/creative_daily + raw/campaigns: performance (local or through Athena, which reads them
      # with the caller's permissions); collector_runs: freshness; optimizer_actions: cooldowns and reviews;
      # write_ahead: intents recorded before each LinkedIn write and their outcomes, read back to reconcile;
      # conversion_lag: the lag curve from the account's restatements; raw/creatives + the creative scorer:
      # new creatives' CTR priors from their copy.
      read = concat(
        ["processed/creative_daily/", "processed/conversion_lag/", "raw/campaigns/", "raw/creatives/", "logs/collector_runs/", "logs/optimizer_actions/", "logs/write_ahead/", "models/bid_optimizer/", "models/creative_scorer/"],
        var.athena_enabled ? [local.athena_results_prefix] : [],
      )
      write = concat(["logs/optimizer_actions/", "logs/write_ahead/", "reports/optimizer/"], var.athena_enabled ? [local.athena_results_prefix] : [])
    }
    copy-generator = {
      # raw/creatives: the winners' copy; optimizer_actions: what was already published (AUTO_PUBLISH);
      # write_ahead: a publish is a LinkedIn write, recorded before and after like the optimizer's.
      read = concat(
        ["processed/creative_daily/", "raw/campaigns/", "raw/creatives/", "models/creative_scorer/"],
        var.copy_generator_auto_publish ? ["logs/optimizer_actions/", "logs/write_ahead/"] : [],
        var.athena_enabled ? [local.athena_results_prefix] : [],
      )
      write = concat(
        ["copy/pending/"],
        var.copy_generator_auto_publish ? ["logs/optimizer_actions/", "logs/write_ahead/"] : [],
        var.athena_enabled ? [local.athena_results_prefix] : [],
      )
    }
  }

  # Write-once records: the audit log and the write-ahead log (README.md "Audit history on AWS"). Each
  # object is written once with If-None-Match: * (ObjectStore::put_new); the bucket policy (s3.tf) refuses
  # any other write and every delete there, the roles may write there only conditionally (iam.tf), and
  # their old versions are kept audit_noncurrent_version_expiration_days (s3.tf lifecycle).
  write_once_prefixes = ["logs/optimizer_actions/", "logs/write_ahead/"]

  # Lambda's retries of a failed scheduled run (lambda.tf): only for the jobs whose repeat is harmless.
  retry_attempts = { collector = 2, data-processor = 2, optimizer = 0, copy-generator = 0 }

  # Which jobs use which shared resource (the IAM statements in iam.tf follow these).
  linkedin_secret_jobs = concat(["collector", "optimizer"], var.copy_generator_auto_publish ? ["copy-generator"] : [])
  athena_jobs          = var.athena_enabled ? ["optimizer", "copy-generator"] : []
  endpoint_jobs        = var.enable_sagemaker_endpoints ? { optimizer = "bid_optimizer", copy-generator = "creative_scorer" } : {}
}
