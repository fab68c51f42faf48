# The data bucket: everything the jobs read and write (README.md "Object-store layout"), the models, the
# Athena results and the SageMaker code. Private, encrypted, versioned, TLS only.

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

resource "aws_s3_bucket_lifecycle_configuration" "data" {
  bucket = aws_s3_bucket.data.id

  # The design's rules, with two corrections: processed data goes to Glacier INSTANT Retrieval, because
  # the data processor reads the whole processed/creative_daily history every day for the training sets
  # and a GetObject on a Glacier Flexible Retrieval object fails (InvalidObjectState) until restored; and
  # noncurrent versions expire, else versioning would keep every overwritten partition forever.

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

  rule {
    id     = "expire-noncurrent-versions-and-uploads"
    status = "Enabled"

    # Every object (an empty prefix).
    filter {
      prefix = ""
    }

    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_expiration_days
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
}

resource "aws_s3_bucket_policy" "data" {
  bucket = aws_s3_bucket.data.id
  policy = data.aws_iam_policy_document.bucket.json

  # A bucket policy is refused while the public access block is being created.
  depends_on = [aws_s3_bucket_public_access_block.data]
}
