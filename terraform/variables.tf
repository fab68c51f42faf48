# Inputs of the stack. Only linkedin_ad_account_id is required; everything else has the default a first
# production deploy should use. The environment variables these become are documented in README.md
# ("Configuration"); names and defaults here follow crates/linkedin-core/src/config.rs (VARS), and
# tests/python/test_terraform.py holds the two equal.

# --- Where and what -------------------------------------------------------------------------------------

variable "aws_region" {
  description = "AWS region of the whole stack."
  type        = string
  default     = "us-east-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.aws_region))
    error_message = "aws_region must be a region name such as us-east-1 or eu-west-2."
  }
}

variable "project_name" {
  description = "Prefix of every resource name (functions are <project_name>-collector, ...; deploy/ reads the names from the outputs, or LAMBDA_NAME_PREFIX) and the Project tag."
  type        = string
  default     = "linkedin-ads"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}[a-z0-9]$", var.project_name))
    error_message = "project_name must be 3-32 characters: lowercase letters, digits and '-', starting with a letter (it goes into S3, IAM and Lambda names)."
  }
}

variable "tags" {
  description = "Extra tags for every resource (merged over Project and ManagedBy)."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for k, v in var.tags : length(k) <= 128 && length(v) <= 256])
    error_message = "Tag keys are at most 128 characters and values at most 256."
  }
}

variable "bucket_name" {
  description = "Name of the data bucket (raw/, processed/, logs/, models/, ...). null = <project_name>-<account id>-<region>, unique and stable."
  type        = string
  default     = null

  validation {
    condition     = var.bucket_name == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "bucket_name must be a valid S3 bucket name: 3-63 characters, lowercase letters, digits, '.' and '-'."
  }
}

# --- LinkedIn ---------------------------------------------------------------------------------------------

variable "linkedin_ad_account_id" {
  description = "LINKEDIN_AD_ACCOUNT_ID: the numeric LinkedIn ad account id (or its urn:li:sponsoredAccount URN)."
  type        = string

  validation {
    condition     = can(regex("^(urn:li:sponsoredAccount:)?[0-9]+$", var.linkedin_ad_account_id))
    error_message = "linkedin_ad_account_id must be digits, e.g. 508720451, or urn:li:sponsoredAccount:508720451."
  }
}

variable "campaign_ids" {
  description = "CAMPAIGN_IDS: the campaigns to collect and optimize. Empty = every ACTIVE and PAUSED campaign of the account."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for id in var.campaign_ids : can(regex("^[0-9]+$", id))])
    error_message = "campaign_ids must be numeric campaign ids, e.g. [\"454453134\"]."
  }
}

variable "linkedin_api_version" {
  description = "LINKEDIN_API_VERSION (YYYYMM, or YYYYMM.RR for a revision). null = the version the binaries were built with, which a unit test keeps current; set it only to pin or to move ahead of a release."
  type        = string
  default     = null

  validation {
    condition     = var.linkedin_api_version == null || can(regex("^20[0-9]{2}(0[1-9]|1[0-2])([.][0-9]{2})?$", var.linkedin_api_version))
    error_message = "linkedin_api_version must be YYYYMM or YYYYMM.RR, e.g. 202610 or 202610.01."
  }
}

variable "lookback_days" {
  description = "LOOKBACK_DAYS: days before each run's day that are pulled and processed again, because LinkedIn restates them."
  type        = number
  default     = 7

  validation {
    condition     = var.lookback_days >= 0 && var.lookback_days <= 90 && floor(var.lookback_days) == var.lookback_days
    error_message = "lookback_days must be a whole number from 0 to 90."
  }
}

variable "dry_run" {
  description = "DRY_RUN for the optimizer (and the copy generator's publishing): decide, log and report everything, write nothing to LinkedIn. Default true so a first deploy can be watched for a few days (reports by email, decisions in logs/optimizer_actions/) before it spends or pauses anything; set false to let it act."
  type        = bool
  default     = true
}

variable "optimizer_settings" {
  description = "The optimizer's thresholds and guardrails, one attribute per environment variable (the attribute name upper-cased: min_ctr_threshold -> MIN_CTR_THRESHOLD). Defaults are the code's; README.md 'Configuration' says what each means. max_daily_budget null = a budget is raised only by a reallocation, which keeps the account's total (budget_reallocation)."
  type = object({
    decision_policy             = optional(string, "conversions")
    target_cpa                  = optional(number)
    target_cpa_by_campaign      = optional(string)
    max_marginal_cpa_multiple   = optional(number, 2.0)
    conversions_prob_best_floor = optional(number, 0.01)
    bid_experiment_percent      = optional(number, 10)
    budget_reallocation         = optional(bool, true)
    min_ctr_threshold           = optional(number, 1.0)
    top_performer_threshold     = optional(number, 3.0)
    max_cpc                     = optional(number, 8.0)
    min_sample_size             = optional(number, 100)
    bid_change_threshold        = optional(number, 0.5)
    pause_confidence            = optional(number, 0.95)
    prob_best_floor             = optional(number, 0.05)
    bayes_min_impressions       = optional(number, 2000)
    max_pauses_per_campaign     = optional(number, 1)
    cooldown_days               = optional(number, 3)
    max_bid_step_percent        = optional(number, 20)
    min_bid                     = optional(number, 2.0)
    max_budget_step_percent     = optional(number, 20)
    max_daily_budget            = optional(number)
    decision_window_days        = optional(number, 7)
    freshness_hours             = optional(number, 30)
  })
  default = {}

  validation {
    condition     = contains(["conversions", "bayesian", "threshold"], var.optimizer_settings.decision_policy)
    error_message = "optimizer_settings.decision_policy must be conversions, bayesian or threshold."
  }
  # The ranges the optimizer accepts at start-up (crates/optimizer/src/config.rs): a value outside them
  # fails here, at plan, instead of failing every run.
  validation {
    condition = alltrue([
      for k, r in {
        min_ctr_threshold           = [0, 100]
        top_performer_threshold     = [0, 100]
        max_cpc                     = [0.01, 10000]
        min_sample_size             = [0, 10000000]
        bid_change_threshold        = [0, 1000]
        pause_confidence            = [0.5, 0.9999]
        prob_best_floor             = [0, 0.5]
        bayes_min_impressions       = [0, 100000000]
        max_pauses_per_campaign     = [0, 100]
        cooldown_days               = [0, 90]
        max_bid_step_percent        = [0, 100]
        min_bid                     = [0.01, 10000]
        max_budget_step_percent     = [0, 100]
        decision_window_days        = [1, 90]
        freshness_hours             = [1, 720]
        max_marginal_cpa_multiple   = [1, 10]
        conversions_prob_best_floor = [0, 0.5]
        bid_experiment_percent      = [1, 25]
      } : var.optimizer_settings[k] >= r[0] && var.optimizer_settings[k] <= r[1]
    ])
    error_message = "optimizer_settings out of range. Accepted: min_ctr_threshold and top_performer_threshold 0-100 (percent), max_cpc and min_bid 0.01-10000 (USD), min_sample_size 0-10000000, bid_change_threshold 0-1000, pause_confidence 0.5-0.9999, prob_best_floor 0-0.5, bayes_min_impressions 0-100000000, max_pauses_per_campaign 0-100, cooldown_days 0-90, max_bid_step_percent and max_budget_step_percent 0-100, decision_window_days 1-90, freshness_hours 1-720, max_marginal_cpa_multiple 1-10, conversions_prob_best_floor 0-0.5, bid_experiment_percent 1-25."
  }
  validation {
    condition = alltrue([
      for k in ["min_sample_size", "bayes_min_impressions", "max_pauses_per_campaign", "cooldown_days", "decision_window_days", "freshness_hours"] :
      floor(var.optimizer_settings[k]) == var.optimizer_settings[k]
    ])
    error_message = "optimizer_settings min_sample_size, bayes_min_impressions, max_pauses_per_campaign, cooldown_days, decision_window_days and freshness_hours must be whole numbers."
  }
  validation {
    condition     = var.optimizer_settings.max_daily_budget == null || try(var.optimizer_settings.max_daily_budget >= 1 && var.optimizer_settings.max_daily_budget <= 10000000, false)
    error_message = "optimizer_settings.max_daily_budget must be 1-10000000 USD, or null (a budget is raised only by a reallocation, which keeps the account's total)."
  }
}

# --- Copy generation ------------------------------------------------------------------------------------

variable "copy_generator_use_claude" {
  description = "true: the copy generator writes with Claude, its API key read from a Secrets Manager secret this stack creates (ANTHROPIC_SECRET_NAME; put the key in it after the first apply). false: the offline generator, no secret, no API cost."
  type        = bool
  default     = true
}

variable "anthropic_model" {
  description = "ANTHROPIC_MODEL: the Claude model that writes the variations (used when copy_generator_use_claude)."
  type        = string
  default     = "claude-sonnet-4-5"

  validation {
    condition     = can(regex("^claude-[a-z0-9.-]+$", var.anthropic_model))
    error_message = "anthropic_model must be a Claude model id such as claude-sonnet-4-5."
  }
}

variable "copy_generator_auto_publish" {
  description = "AUTO_PUBLISH: the copy generator publishes each batch's best-ranked variation to LinkedIn without review (dry_run holds it back). Adds the LinkedIn settings and secret (read and write) and logs/optimizer_actions/ to its role. false = a human approves with `linkedin-ads copy approve`."
  type        = bool
  default     = false
}

# --- Lambdas ----------------------------------------------------------------------------------------------

variable "lambda_zip_dir" {
  description = "Folder holding <name>/bootstrap.zip for collector, data-processor, optimizer and copy-generator, as `cargo lambda build --release --output-format zip` (deploy/build.sh) writes them. null = ../target/lambda from this folder."
  type        = string
  default     = null

  validation {
    condition     = var.lambda_zip_dir == null || try(length(trimspace(var.lambda_zip_dir)) > 0, false)
    error_message = "lambda_zip_dir must be a folder path, or null for ../target/lambda."
  }
}

variable "lambda_architecture" {
  description = "Instruction set of the four functions; must match the zips' build (deploy/build.sh --arch). arm64 (Graviton) costs about 20% less per GB-second."
  type        = string
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.lambda_architecture)
    error_message = "lambda_architecture must be arm64 or x86_64."
  }
}

variable "lambda_settings" {
  description = "Timeout (seconds) and memory (MB) per function. The collector and optimizer may wait minutes on LinkedIn's backoff (LINKEDIN_MAX_RETRY_WAIT_SECONDS, 600 s per call), hence 900 s; the data processor reads every raw pull of the lookback window, hence 1024 MB."
  type = map(object({
    timeout     = number
    memory_size = number
  }))
  default = {
    collector      = { timeout = 900, memory_size = 512 }
    data-processor = { timeout = 900, memory_size = 1024 }
    optimizer      = { timeout = 900, memory_size = 512 }
    copy-generator = { timeout = 900, memory_size = 512 }
  }

  validation {
    condition     = toset(keys(var.lambda_settings)) == toset(["collector", "data-processor", "optimizer", "copy-generator"])
    error_message = "lambda_settings needs exactly the keys collector, data-processor, optimizer and copy-generator."
  }
  validation {
    condition     = alltrue([for s in values(var.lambda_settings) : s.timeout >= 1 && s.timeout <= 900 && s.memory_size >= 128 && s.memory_size <= 10240])
    error_message = "Each timeout must be 1-900 seconds and each memory_size 128-10240 MB (Lambda's limits)."
  }
}

variable "lambda_reserved_concurrency" {
  description = "Reserved concurrency of each function. 1 (default): a job never runs twice at once (a late run and the next schedule, or a retry, cannot overlap and race on the same partitions). -1: no reservation, for an account whose concurrency quota is still the new-account 10, where reserving would fail."
  type        = number
  default     = 1

  validation {
    condition     = var.lambda_reserved_concurrency == -1 || (var.lambda_reserved_concurrency >= 1 && floor(var.lambda_reserved_concurrency) == var.lambda_reserved_concurrency)
    error_message = "lambda_reserved_concurrency must be -1 (unreserved) or a whole number >= 1."
  }
}

variable "lambda_log_level" {
  description = "Application log level (Lambda's advanced logging sets AWS_LAMBDA_LOG_LEVEL, which the jobs' logger follows). At most INFO: Lambda treats a JSON log line without a level, which is what every EMF metric line is, as INFO, so WARN and above would drop the metrics and every missing-run alarm would fire."
  type        = string
  default     = "INFO"

  validation {
    condition     = contains(["TRACE", "DEBUG", "INFO"], var.lambda_log_level)
    error_message = "lambda_log_level must be TRACE, DEBUG or INFO: at WARN and above Lambda drops the metric lines (they carry no level, so count as INFO) and the missing-run alarms fire."
  }
}

variable "log_retention_days" {
  description = "Retention of the functions' CloudWatch log groups. The jobs' durable record (run reports, every optimizer decision) is in the bucket; the logs are for debugging."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653."
  }
}

# --- Schedules and monitoring ----------------------------------------------------------------------------

variable "schedules" {
  description = "EventBridge schedule expression per function (UTC). The design's: collector every 6 hours, data processor daily 06:00, optimizer daily 08:00, copy generator Mondays 09:00. Change missing_run_alarm_hours with them."
  type        = map(string)
  default = {
    collector      = "rate(6 hours)"
    data-processor = "cron(0 6 * * ? *)"
    optimizer      = "cron(0 8 * * ? *)"
    copy-generator = "cron(0 9 ? * MON *)"
  }

  validation {
    condition     = toset(keys(var.schedules)) == toset(["collector", "data-processor", "optimizer", "copy-generator"])
    error_message = "schedules needs exactly the keys collector, data-processor, optimizer and copy-generator."
  }
  validation {
    condition     = alltrue([for e in values(var.schedules) : can(regex("^(rate\\([1-9][0-9]* (minute|minutes|hour|hours|day|days)\\)|cron\\(\\S+ \\S+ \\S+ \\S+ \\S+ \\S+\\))$", e))])
    error_message = "Each schedule must be an EventBridge expression: rate(6 hours) or cron(0 6 * * ? *) (six fields)."
  }
}

variable "paused_jobs" {
  description = "Functions whose schedule is switched off (rule state DISABLED) and whose missing-run alarm is silenced, e.g. [\"optimizer\"]: the emergency stop, or a pause while rolling back (README.md \"Rolling back\"). The function, its data and its other alarms stay; a manual run (deploy/invoke.sh --remote) still works. Empty = every job runs on its schedule."
  type        = set(string)
  default     = []

  validation {
    condition     = length(setsubtract(var.paused_jobs, ["collector", "data-processor", "optimizer", "copy-generator"])) == 0
    error_message = "paused_jobs may hold only collector, data-processor, optimizer and copy-generator."
  }
}

variable "missing_run_alarm_hours" {
  description = "Per function: alarm when no run has reported (metric LinkedInAds/Runs) for this many hours. Defaults: collector 13 (two missed 6-hourly runs; one is tolerated, the next pull re-reads the days), daily jobs 26 (a day plus 2 h of slack), copy generator 168 (CloudWatch's maximum, 7 days: see monitoring.tf)."
  type        = map(number)
  default = {
    collector      = 13
    data-processor = 26
    optimizer      = 26
    copy-generator = 168
  }

  validation {
    condition     = toset(keys(var.missing_run_alarm_hours)) == toset(["collector", "data-processor", "optimizer", "copy-generator"])
    error_message = "missing_run_alarm_hours needs exactly the keys collector, data-processor, optimizer and copy-generator."
  }
  validation {
    condition     = alltrue([for h in values(var.missing_run_alarm_hours) : h >= 1 && h <= 168 && floor(h) == h])
    error_message = "Each missing_run_alarm_hours value must be a whole number of hours from 1 to 168 (CloudWatch evaluates at most 7 days)."
  }
}

variable "notification_email" {
  description = "Email address subscribed to the notification topic (the optimizer's daily report and every alarm). AWS sends a confirmation link first. null = no subscription (subscribe something yourself to sns_topic_arn)."
  type        = string
  default     = null

  validation {
    condition     = var.notification_email == null || can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.notification_email))
    error_message = "notification_email must be an email address, or null."
  }
}

# --- Data lifecycle ---------------------------------------------------------------------------------------

variable "raw_expiration_days" {
  description = "Days after which raw/ pulls are deleted (the design's 90). The processed tables keep the history; older raw data matters only for re-processing, and the bid training set loses campaign settings for days whose raw/campaigns snapshot is gone."
  type        = number
  default     = 90

  validation {
    condition     = var.raw_expiration_days >= 30 && floor(var.raw_expiration_days) == var.raw_expiration_days
    error_message = "raw_expiration_days must be a whole number >= 30 (the data processor re-reads up to lookback_days + 1 days, the optimizer campaign snapshots of its decision window)."
  }
}

variable "noncurrent_version_expiration_days" {
  description = "Days an overwritten or deleted object version is kept (versioning is on: a bad run's overwrite can be undone within this time), except under the audit and write-ahead logs (audit_noncurrent_version_expiration_days)."
  type        = number
  default     = 30

  validation {
    condition     = var.noncurrent_version_expiration_days >= 1 && floor(var.noncurrent_version_expiration_days) == var.noncurrent_version_expiration_days
    error_message = "noncurrent_version_expiration_days must be a whole number >= 1."
  }
}

variable "audit_noncurrent_version_expiration_days" {
  description = "Days an overwritten or deleted version of the audit log (logs/optimizer_actions/) or the write-ahead log (logs/write_ahead/) is kept. Those objects are written once and the bucket policy refuses overwrites and deletes, so an old version exists only if someone lifted the policy: it is the evidence, kept at least a year."
  type        = number
  default     = 365

  validation {
    condition     = var.audit_noncurrent_version_expiration_days >= 365 && floor(var.audit_noncurrent_version_expiration_days) == var.audit_noncurrent_version_expiration_days
    error_message = "audit_noncurrent_version_expiration_days must be a whole number >= 365 (the audit history is kept at least a year)."
  }
}

variable "secret_recovery_window_days" {
  description = "Days a deleted secret can be restored. 0 deletes at once (then a destroyed stack can be re-created under the same names immediately)."
  type        = number
  default     = 7

  validation {
    condition     = var.secret_recovery_window_days == 0 || (var.secret_recovery_window_days >= 7 && var.secret_recovery_window_days <= 30)
    error_message = "secret_recovery_window_days must be 0 or 7-30 (Secrets Manager's range)."
  }
}

# --- Athena -----------------------------------------------------------------------------------------------

variable "athena_enabled" {
  description = "Point the optimizer and the copy generator at Athena (ATHENA_DATABASE, ATHENA_WORKGROUP, ATHENA_OUTPUT_LOCATION, and the Athena, Glue and results-prefix permissions). The database, workgroup and DDL named queries exist either way; run the DDL once (README.md 'Athena') BEFORE setting this, or the jobs fail on missing tables. false = they aggregate processed/ themselves (the default, no Athena cost)."
  type        = bool
  default     = false
}

variable "athena_bytes_scanned_cutoff" {
  description = "Athena stops any query of the workgroup that would scan more than this many bytes (a guard on cost: $5 per TB scanned). Default 1 GiB, far above what the jobs' date-filtered queries read."
  type        = number
  default     = 1073741824

  validation {
    condition     = var.athena_bytes_scanned_cutoff >= 10485760 && floor(var.athena_bytes_scanned_cutoff) == var.athena_bytes_scanned_cutoff
    error_message = "athena_bytes_scanned_cutoff must be a whole number of bytes >= 10485760 (10 MiB, Athena's minimum)."
  }
}

# --- SageMaker (optional) -----------------------------------------------------------------------------

variable "enable_sagemaker_endpoints" {
  description = "Create the two SageMaker endpoints (creative scorer, bid optimizer) and point the copy generator (CREATIVE_SCORER_ENDPOINT) and the optimizer (BID_OPTIMIZER_ENDPOINT) at them. Off by default: the jobs evaluate models/<model>/model.json natively for nothing, and the endpoints are the largest line of the bill (two always-on instances). Needs sagemaker_image_uri, sagemaker_source_dir_url and both model data URLs."
  type        = bool
  default     = false
}

variable "sagemaker_image_uri" {
  description = "The SageMaker scikit-learn serving image, e.g. 683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3: the framework version the models were trained with (sagemaker/README.md, 'scikit-learn versions'). Required when enable_sagemaker_endpoints."
  type        = string
  default     = null

  validation {
    condition     = var.sagemaker_image_uri == null || can(regex("^[0-9]{12}\\.dkr\\.ecr\\.[a-z0-9-]+\\.amazonaws\\.com(\\.cn)?/[a-z0-9._/-]+:[A-Za-z0-9._-]+$", var.sagemaker_image_uri))
    error_message = "sagemaker_image_uri must be an ECR image URI: <account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>."
  }
}

variable "sagemaker_source_dir_url" {
  description = "s3:// URL of the sourcedir.tar.gz holding sagemaker/inference.py (deploy/train-models.sh uploads s3://<bucket>/code/sagemaker/<stamp>/sourcedir.tar.gz); the container runs inference.py from it (SAGEMAKER_PROGRAM). Required when enable_sagemaker_endpoints."
  type        = string
  default     = null

  validation {
    condition     = var.sagemaker_source_dir_url == null || can(regex("^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/.+\\.tar\\.gz$", var.sagemaker_source_dir_url))
    error_message = "sagemaker_source_dir_url must be an s3://bucket/key.tar.gz URL."
  }
}

variable "creative_scorer_model_data_url" {
  description = "s3:// URL of the creative scorer's model.tar.gz (a training job's output, e.g. s3://<bucket>/models/creative_scorer/<job>/output/model.tar.gz). Required when enable_sagemaker_endpoints."
  type        = string
  default     = null

  validation {
    condition     = var.creative_scorer_model_data_url == null || can(regex("^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/.+\\.tar\\.gz$", var.creative_scorer_model_data_url))
    error_message = "creative_scorer_model_data_url must be an s3://bucket/key.tar.gz URL."
  }
}

variable "bid_optimizer_model_data_url" {
  description = "s3:// URL of the bid optimizer's model.tar.gz (a training job's output, e.g. s3://<bucket>/models/bid_optimizer/<job>/output/model.tar.gz). Required when enable_sagemaker_endpoints."
  type        = string
  default     = null

  validation {
    condition     = var.bid_optimizer_model_data_url == null || can(regex("^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/.+\\.tar\\.gz$", var.bid_optimizer_model_data_url))
    error_message = "bid_optimizer_model_data_url must be an s3://bucket/key.tar.gz URL."
  }
}

variable "sagemaker_instance_type" {
  description = "Instance type of each endpoint (one instance each, always on). ml.t2.medium is the cheapest that serves these models."
  type        = string
  default     = "ml.t2.medium"

  validation {
    condition     = can(regex("^ml\\.[a-z0-9]+\\.[a-z0-9]+$", var.sagemaker_instance_type))
    error_message = "sagemaker_instance_type must be a SageMaker instance type such as ml.t2.medium or ml.m5.large."
  }
}
