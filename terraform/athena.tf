# Athena over the bucket: the Glue database, a workgroup with its own results location and a per-query
# scan limit, and athena/create_tables.sql as named queries (one per statement, in order), so the DDL has
# a single source: the file the SQL tests run (tests/python/test_athena_sql.py).
#
# The tables and views are made by RUNNING those queries once (README.md "Athena"): views cannot be
# declared as Glue tables without copying their SQL into a Trino-specific encoding, and the tables' DDL
# would then exist twice. The jobs use Athena only when athena_enabled is set, after that.

locals {
  # The SQL names the database (linkedin_ads.<table>), so it is fixed here too.
  athena_database       = "linkedin_ads"
  athena_results_prefix = "athena-results/"
  athena_results_url    = "s3://${aws_s3_bucket.data.bucket}/${local.athena_results_prefix}"

  # create_tables.sql split into statements as the deploy does: comments removed (no '--' occurs inside
  # a quoted string there; tests/python/test_terraform.py checks the split against the SQL tests'
  # splitter), split on ';', the bucket name put in for __BUCKET__.
  athena_ddl_sql = replace(replace(file("${path.module}/../athena/create_tables.sql"), "/--[^\n]*/", ""), "__BUCKET__", local.bucket_name)
  athena_ddl     = [for s in split(";", local.athena_ddl_sql) : trimspace(s) if trimspace(s) != ""]
  athena_ddl_queries = {
    for i, s in local.athena_ddl : format("%02d", i + 1) => {
      statement = s
      # e.g. "CREATE EXTERNAL TABLE IF NOT EXISTS linkedin_ads.raw_analytics" -> raw_analytics
      object = try(
        replace(regex("(?i)^CREATE\\s+(?:OR\\s+REPLACE\\s+)?(?:EXTERNAL\\s+)?(?:DATABASE|TABLE|VIEW)\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?([A-Za-z0-9_.]+)", s)[0], "linkedin_ads.", ""),
        "statement",
      )
    }
  }
}

resource "aws_glue_catalog_database" "linkedin_ads" {
  name        = local.athena_database
  description = "LinkedIn Ads pipeline: raw pulls, processed tables and views (athena/create_tables.sql)."
}

resource "aws_athena_workgroup" "this" {
  name        = var.project_name
  description = "LinkedIn Ads pipeline queries (the optimizer, the copy generator, ad hoc analysis)."
  # Lets destroy remove the workgroup with its query history and the named queries below.
  force_destroy = true

  configuration {
    # The jobs' ATHENA_OUTPUT_LOCATION and the console cannot put results anywhere else.
    enforce_workgroup_configuration    = true
    publish_cloudwatch_metrics_enabled = true
    bytes_scanned_cutoff_per_query     = var.athena_bytes_scanned_cutoff

    engine_version {
      selected_engine_version = "Athena engine version 3"
    }

    result_configuration {
      output_location = local.athena_results_url

      encryption_configuration {
        encryption_option = "SSE_S3"
      }
    }
  }
}

resource "aws_athena_named_query" "ddl" {
  for_each = local.athena_ddl_queries

  name        = "${var.project_name}-ddl-${each.key}-${each.value.object}"
  description = "athena/create_tables.sql statement ${each.key} of ${length(local.athena_ddl_queries)}: run them in order (README.md 'Athena')."
  workgroup   = aws_athena_workgroup.this.id
  database    = aws_glue_catalog_database.linkedin_ads.name
  query       = each.value.statement
}
