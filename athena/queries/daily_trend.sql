-- Account totals per day over a window, weighted ratios (sums over every creative that day): the
-- trend line of the daily report.
--
-- Athena execution parameters, in order (dates as string literals, e.g. '2026-10-05'):
--   ?1 from date 'YYYY-MM-DD' (inclusive)
--   ?2 to date 'YYYY-MM-DD' (inclusive)
-- Unqualified names: run with QueryExecutionContext.Database = linkedin_ads.
SELECT
  account_id,
  "date",
  count(DISTINCT campaign_id) AS campaigns,
  count(*) AS creatives,
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
GROUP BY account_id, "date"
ORDER BY account_id, "date"
