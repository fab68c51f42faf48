# The data bucket: everything the jobs read and write (README.md "Object-store layout"), the models, the
# Athena results and the SageMaker code. Private, encrypted, versioned, TLS only; the audit and write-ahead
# logs written once and never deleted, their old versions kept at least a year.

resource "aws_s3_bucket" "data" {
  #checkov:skip=CKV_AWS_18:Server access logs need a second bucket and would log the jobs' own few hundred requests a day; the four roles are the only writers (iam.tf) and CloudTrail records the management calls.
  #checkov:skip=CKV_AWS_144:Cross-region replication doubles storage for data that is re-pulled from LinkedIn (raw/) or rebuilt from it (processed/); versioning covers overwrites and deletes.
  #checkov:skip=CKV2_AWS_62:Nothing consumes object events: the jobs run on schedules (eventbridge.tf), not on writes.
  bucket = local.bucket_name
}

resource "aws_s3_bucket_ownership_controls" "data" {
  bucket = aws_s3_bucket.data.id

  rule {
    # ACLs off: access is decided by IAM and the bucket policy alone.
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "data" {
  bucket = aws_s3_bucket.data.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "data" {
  bucket = aws_s3_bucket.data.id

  versioning_configuration {
    # A re-run overwrites its own partition; versioning lets a bad overwrite be undone (for
    # noncurrent_version_expiration_days, see the lifecycle below).
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "data" {
  bucket = aws_s3_bucket.data.id

  rule {
    apply_server_side_encryption_by_default {
      # The AWS-managed key (aws/s3): no key to pay for or administer, and its key policy lets the
      # account's principals use it through S3 only, so the roles need no kms: permissions.
      sse_algorithm = "aws:kms"
    }
    # One data key per bucket instead of a KMS call per object.
    bucket_key_enabled = true
  }
}

locals {
  # How long an overwritten or deleted version is kept, by prefix. One rule per prefix, so that no two
  # rules with a noncurrent expiration cover the same key: where rules overlap, S3 honours the shorter
  # expiration (AWS, "How Amazon S3 handles conflicts in lifecycle configurations"), and a bucket-wide
  # rule of noncurrent_version_expiration_days would cut the audit logs' year to 30 days. A prefix not
  # listed here keeps its old versions (nothing expires them); the tests check every prefix a job or
  # SageMaker writes is listed.
  noncurrent_version_days = merge(
    { for p in ["raw/", "processed/", "logs/collector_runs/", "reports/", "copy/", "models/", "code/", local.athena_results_prefix] : p => var.noncurrent_version_expiration_days },
    { for p in local.write_once_prefixes : p => var.audit_noncurrent_version_expiration_days },
  )
}

resource "aws_s3_bucket_lifecycle_configuration" "data" {
  bucket = aws_s3_bucket.data.id

  # The design's rules, with two corrections: processed data goes to Glacier INSTANT Retrieval, because
  # the data processor reads the whole processed/creative_daily history every day for the training sets
  # and a GetObject on a Glacier Flexible Retrieval object fails (InvalidObjectState) until restored; and
  # noncurrent versions expire, else versioning would keep every overwritten partition forever. No rule
  # expires the current version of anything under logs/ (the audit and write-ahead logs are kept).

  rule {
    id     = "expire-raw-pulls"
    status = "Enabled"

    filter {
      prefix = "raw/"
    }

    expiration {
      days = var.raw_expiration_days
    }
  }

  rule {
    id     = "tier-processed-data"
    status = "Enabled"

    filter {
      prefix = "processed/"
    }

    # S3 does not transition objects under 128 KiB (the default minimum size), so small daily
    # partitions stay in Standard, where they cost less than the per-object tiering overhead.
    transition {
      days          = 30
      storage_class = "STANDARD_IA"
    }

    transition {
      days          = 90
      storage_class = "GLACIER_IR"
    }
  }

  rule {
    id     = "expire-athena-results"
    status = "Enabled"

    filter {
      prefix = local.athena_results_prefix
    }

    # Query results are read once, right after the query.
    expiration {
      days = 7
    }
  }

  # expire-noncurrent-raw, ..., expire-noncurrent-logs-optimizer_actions: see noncurrent_version_days.
  dynamic "rule" {
    for_each = local.noncurrent_version_days

    content {
      id     = "expire-noncurrent-${trim(replace(rule.key, "/", "-"), "-")}"
      status = "Enabled"

      filter {
        prefix = rule.key
      }

      noncurrent_version_expiration {
        noncurrent_days = rule.value
      }
    }
  }

  rule {
    id     = "abort-incomplete-uploads"
    status = "Enabled"

    # Every object (an empty prefix). No expiration here, so it overlaps no retention above.
    filter {
      prefix = ""
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  # Lifecycle rules apply to versions; the rules above assume versioning is configured first.
  depends_on = [aws_s3_bucket_versioning.data]
}

data "aws_iam_policy_document" "bucket" {
  statement {
    sid    = "DenyInsecureTransport"
    effect = "Deny"
    # Wildcard: a Deny, so the broader the better: every action by anyone over plain HTTP is refused.
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.data.arn, "${aws_s3_bucket.data.arn}/*"]

    # Wildcard: every principal (the Deny applies to all callers, this account's roles included).
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

  # The audit and write-ahead logs are written once (locals.tf write_once_prefixes). A PUT there must carry
  # If-None-Match, which S3 only accepts as "*" on a PUT and which makes it fail with 412 when the key
  # exists: so no object there can be replaced. This is AWS's documented form ("Enforce conditional writes
  # on Amazon S3 buckets": the Null test on s3:if-none-match), as a Deny for everyone. It also refuses
  # multipart uploads and CopyObject into these prefixes (neither can carry the header); the jobs write
  # each record with one small PutObject (ObjectStore::put_new).
  statement {
    sid       = "DenyOverwritesOfWriteOnceLogs"
    effect    = "Deny"
    actions   = ["s3:PutObject"]
    resources = [for p in local.write_once_prefixes : "${aws_s3_bucket.data.arn}/${p}*"]

    # Wildcard: every principal (a Deny: the jobs' roles, operators and administrators alike).
    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Null"
      variable = "s3:if-none-match"
      values   = ["true"]
    }
  }

  # Nor deleted: no delete marker hides a record and no version is removed, by anyone. Nothing in the
  # code deletes there (undo and reconciliation add records); S3's own lifecycle expiration of old
  # versions is not a request and no bucket policy applies to it. No break-glass role exists: whoever
  # may change this policy (s3:PutBucketPolicy, an administrator) can lift it, which CloudTrail records;
  # README.md "Rolling back" says how to decommission the bucket.
  statement {
    sid       = "DenyDeletesOfWriteOnceLogs"
    effect    = "Deny"
    actions   = ["s3:DeleteObject", "s3:DeleteObjectVersion"]
    resources = [for p in local.write_once_prefixes : "${aws_s3_bucket.data.arn}/${p}*"]

    # Wildcard: every principal (a Deny).
    principals {
      type        = "*"
      identifiers = ["*"]
    }
  }
}

resource "aws_s3_bucket_policy" "data" {
  bucket = aws_s3_bucket.data.id
  policy = data.aws_iam_policy_document.bucket.json

  # A bucket policy is refused while the public access block is being created.
  depends_on = [aws_s3_bucket_public_access_block.data]
}
