-- One row per campaign and day in a window, with the settings in force that day: the bid optimizer's
-- and the pacing report's input. The Rust Athena PerformanceSource reads these columns BY NAME: keep them
-- exact (account_id, campaign_id, date, creatives, impressions, clicks, landing_page_clicks, cost_usd,
-- conversions, ctr, cpc, cpa, conversion_rate, status, cost_type, unit_cost, daily_budget,
-- budget_utilization).
--
-- Athena execution parameters, in order (dates as string literals, e.g. '2026-10-05'):
--   ?1 from date 'YYYY-MM-DD' (inclusive)
--   ?2 to date 'YYYY-MM-DD' (inclusive)
-- Unqualified names: run with QueryExecutionContext.Database = linkedin_ads.
SELECT
  account_id,
  campaign_id,
  "date",
  creatives,
  impressions,
  clicks,
  landing_page_clicks,
  cost_usd,
  conversions,
  ctr,
  cpc,
  cpa,
  conversion_rate,
  status,
  cost_type,
  unit_cost,
  daily_budget,
  budget_utilization
FROM daily_summary
WHERE dt BETWEEN ? AND ?
ORDER BY account_id, campaign_id, "date"
