terraform {
  # optional() object attributes with defaults need 1.3; 1.5 is the oldest release this was checked against
  # (CI runs 1.11).
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # >= 5.40: aws_lambda_function.logging_config (JSON logs, log levels) and the S3 resources split out
      # of aws_s3_bucket. < 6.0: 6.x renames and removes arguments this module uses; move deliberately.
      version = ">= 5.40, < 6.0"
    }
  }

  # State: local by default. For a shared deployment, add a backend "s3" block in a file of your own
  # (README.md, "Remote state") before the first apply.
}

provider "aws" {
  region = var.aws_region

  default_tags {
    tags = merge({ Project = var.project_name, ManagedBy = "terraform" }, var.tags)
  }
}
