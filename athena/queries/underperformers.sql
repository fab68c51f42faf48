-- Creatives to consider pausing: enough impressions in the window to judge, and a weighted CTR under a
-- threshold. With the evidence: the creative's totals and ratios, its campaign's weighted CTR over the
-- same window, how many other creatives the campaign has (pausing the last one stops the campaign), and
-- the upper bound of the 95% Wilson interval of its CTR (when even that is under max_ctr, the low CTR is
-- not bad luck). Worst first; among equals, the bigger spender first.
--
-- Athena execution parameters, in order:
--   ?1 from date 'YYYY-MM-DD' (inclusive)
--   ?2 to date 'YYYY-MM-DD' (inclusive)
--   ?3 min_impressions: integer, creatives with fewer impressions in the window are not judged
--   ?4 max_ctr: decimal fraction (0.004 = 0.4%), creatives at or above it are left out
-- Unqualified names: run with QueryExecutionContext.Database = linkedin_ads.
WITH creative AS (
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
    sum(conversions) AS conversions
  FROM creative_performance
  WHERE dt BETWEEN ? AND ?
  GROUP BY account_id, campaign_id, creative_id
),
campaign AS (
  SELECT
    account_id,
    campaign_id,
    count(*) AS campaign_creatives,
    CAST(sum(clicks) AS double) / NULLIF(sum(impressions), 0) AS campaign_ctr
  FROM creative
  GROUP BY account_id, campaign_id
),
judged AS (
  SELECT
    cr.*,
    CAST(cr.clicks AS double) / NULLIF(cr.impressions, 0) AS ctr,
    CAST(cr.cost_usd AS double) / NULLIF(cr.clicks, 0) AS cpc,
    CAST(cr.cost_usd AS double) / NULLIF(cr.conversions, 0) AS cpa,
    cr.conversions / NULLIF(cr.clicks, 0) AS conversion_rate,
    ca.campaign_ctr,
    ca.campaign_creatives - 1 AS other_creatives,
    CAST(NULLIF(cr.impressions, 0) AS double) AS n
  FROM creative AS cr
  JOIN campaign AS ca
    ON ca.account_id = cr.account_id
    AND ca.campaign_id = cr.campaign_id
)
SELECT
  account_id,
  campaign_id,
  creative_id,
  days,
  first_date,
  last_date,
  impressions,
  clicks,
  landing_page_clicks,
  cost_usd,
  conversions,
  ctr,
  cpc,
  cpa,
  conversion_rate,
  campaign_ctr,
  ctr / NULLIF(campaign_ctr, 0) AS ctr_vs_campaign,
  other_creatives,
  -- Upper bound of the Wilson score interval, z = 1.96 (z^2 = 3.8416). Double literals (e0): a plain
  -- 3.8416 is a DECIMAL in Trino.
  (ctr + 3.8416e0 / (2 * n) + 1.96e0 * sqrt(ctr * (1 - ctr) / n + 3.8416e0 / (4 * n * n)))
    / (1 + 3.8416e0 / n) AS ctr_upper_95
FROM judged
WHERE impressions >= ?
  AND ctr < ?
ORDER BY ctr, cost_usd DESC, creative_id
