-- Per creative totals over a window: the optimizer's evidence. The Rust Athena PerformanceSource reads
-- these columns BY NAME (account_id, campaign_id, creative_id, days, first_date, last_date, impressions,
-- clicks, landing_page_clicks, cost_usd, conversions, ctr, cpc, cpa, conversion_rate): keep them exact.
-- Ratios are over the window's sums (weighted), never averages of daily ratios.
--
-- Athena execution parameters, in order (dates as string literals, e.g. '2026-10-05'):
--   ?1 from date 'YYYY-MM-DD' (inclusive)
--   ?2 to date 'YYYY-MM-DD' (inclusive)
-- Unqualified names: run with QueryExecutionContext.Database = linkedin_ads.
SELECT
  account_id,
  campaign_id,
  creative_id,
  count(*) AS days,
  min("date") AS first_date,
  max("date") AS last_date,
  sum(impressions) AS impressions,
  sum(clicks) AS clicks,
  sum(landing_page_clicks) AS landing_page_clicks,
  sum(cost_usd) AS cost_usd,
  sum(conversions) AS conversions,
  CAST(sum(clicks) AS double) / NULLIF(sum(impressions), 0) AS ctr,
  CAST(sum(cost_usd) AS double) / NULLIF(sum(clicks), 0) AS cpc,
  CAST(sum(cost_usd) AS double) / NULLIF(sum(conversions), 0) AS cpa,
  sum(conversions) / NULLIF(sum(clicks), 0) AS conversion_rate
FROM creative_performance
WHERE dt BETWEEN ? AND ?
GROUP BY account_id, campaign_id, creative_id
ORDER BY account_id, campaign_id, creative_id
