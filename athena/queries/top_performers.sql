-- The best creatives over a window by weighted CTR (sum of clicks / sum of impressions), among those
-- with enough impressions for the CTR to mean something: candidates to scale and to learn copy from.
-- Ties: more clicks first, then creative_id, so the ranking is stable.
--
-- Athena execution parameters, in order:
--   ?1 from date 'YYYY-MM-DD' (inclusive)
--   ?2 to date 'YYYY-MM-DD' (inclusive)
--   ?3 min_impressions: integer, creatives with fewer impressions in the window are left out
--   ?4 limit: integer, how many creatives to return
-- Every ? sits in a WHERE clause (Athena does not take execution parameters in LIMIT or HAVING), hence
-- the rank column instead of LIMIT ?.
-- Unqualified names: run with QueryExecutionContext.Database = linkedin_ads.
WITH creative AS (
  SELECT
    account_id,
    campaign_id,
    creative_id,
    count(*) AS days,
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
),
ranked AS (
  SELECT
    creative.*,
    row_number() OVER (ORDER BY ctr DESC, clicks DESC, creative_id) AS ctr_rank
  FROM creative
  WHERE impressions >= ?
)
SELECT
  ctr_rank,
  account_id,
  campaign_id,
  creative_id,
  days,
  impressions,
  clicks,
  landing_page_clicks,
  cost_usd,
  conversions,
  ctr,
  cpc,
  cpa,
  conversion_rate
FROM ranked
WHERE ctr_rank <= ?
ORDER BY ctr_rank
