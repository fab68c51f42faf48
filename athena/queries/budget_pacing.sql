-- Spend against the daily budget, per campaign and day, with a pacing flag:
--   NOT_ACTIVE  the campaign's last snapshot that day is not ACTIVE (low spend is expected)
--   NO_BUDGET   no daily budget (lifetime budget only, or no snapshot that day)
--   OVER        spent more than the daily budget (LinkedIn may deliver up to 150% of it on a day)
--   UNDER       spent under 80% of it: the bid is likely too low to win the auctions the budget allows
--   ON_PACE     otherwise
-- The budget is the one in force at the end of the day (daily_summary: latest snapshot that day). The
-- window's last day is partial when it is today.
--
-- Athena execution parameters, in order (dates as string literals, e.g. '2026-10-05'):
--   ?1 from date 'YYYY-MM-DD' (inclusive)
--   ?2 to date 'YYYY-MM-DD' (inclusive)
-- Unqualified names: run with QueryExecutionContext.Database = linkedin_ads.
SELECT
  account_id,
  campaign_id,
  "date",
  status,
  cost_type,
  unit_cost,
  daily_budget,
  cost_usd,
  daily_budget - cost_usd AS unspent_usd,
  budget_utilization,
  CASE
    WHEN status IS NULL OR status <> 'ACTIVE' THEN 'NOT_ACTIVE'
    WHEN daily_budget IS NULL OR daily_budget = 0 THEN 'NO_BUDGET'
    WHEN budget_utilization > 1.0 THEN 'OVER'
    WHEN budget_utilization < 0.8 THEN 'UNDER'
    ELSE 'ON_PACE'
  END AS pacing,
  impressions,
  clicks,
  ctr,
  cpc
FROM daily_summary
WHERE dt BETWEEN ? AND ?
ORDER BY account_id, campaign_id, "date"
