# The credentials, as empty secrets: Terraform never holds their values (they would land in the state).
# Put them in after the first apply (README.md "After the first apply"):
#   aws secretsmanager put-secret-value --secret-id <linkedin_secret_name> --secret-string file://creds.json
#   aws secretsmanager put-secret-value --secret-id <anthropic_secret_name> --secret-string "$ANTHROPIC_API_KEY"

resource "aws_secretsmanager_secret" "linkedin" {
  #checkov:skip=CKV_AWS_149:The AWS-managed key (aws/secretsmanager) already encrypts it and only same-account roles read it; a customer key would add $1/month and a key policy to keep in step with iam.tf, for no reader outside this account.
  #checkov:skip=CKV2_AWS_57:Rotation is the jobs' own: they refresh the access token and write it back (PutSecretValue), and LinkedIn's refresh token can only be renewed by a member re-authorising, which no rotation Lambda can do (the collector reports RefreshTokenDaysLeft; monitoring.tf alarms 30 days ahead).
  name        = "${var.project_name}/linkedin-credentials"
  description = "LinkedIn OAuth credentials JSON (access_token, expires_at, refresh_token, refresh_token_expires_at, client_id, client_secret); the collector and optimizer refresh the access token in place."

  recovery_window_in_days = var.secret_recovery_window_days
}

resource "aws_secretsmanager_secret" "anthropic" {
  #checkov:skip=CKV_AWS_149:The AWS-managed key (aws/secretsmanager) already encrypts it and only the copy generator's role reads it; a customer key would add $1/month for no reader outside this account.
  #checkov:skip=CKV2_AWS_57:An Anthropic API key cannot be rotated through an API (a new key is made in the Anthropic console); replace the value by hand, the copy generator reads it at each run.
  count = var.copy_generator_use_claude ? 1 : 0

  name        = "${var.project_name}/anthropic-api-key"
  description = "Anthropic API key for the copy generator: the key itself, or JSON {\"api_key\": \"...\"}."

  recovery_window_in_days = var.secret_recovery_window_days
}
