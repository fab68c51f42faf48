-- Athena (engine v3, Trino) schema of the LinkedIn Ads pipeline: the database, the external tables over
-- what the Lambdas write to the bucket, and the two views the optimizer and the reports read.
--
-- Deploying: __BUCKET__ is a placeholder; the deploy script substitutes the data bucket's name, then runs
-- the statements ONE AT A TIME (StartQueryExecution takes a single statement): split on ';' outside
-- comments and quotes (tests/python/athena_harness.py does exactly that). DDL (CREATE DATABASE /
-- EXTERNAL TABLE) is Hive syntax and the views are Trino SQL: Athena routes each statement to its
-- engine, which is another reason to send them separately. Re-running is harmless
-- (IF NOT EXISTS, OR REPLACE); after changing a table's columns, DROP TABLE it first (external: the data
-- stays).
--
-- No MSCK REPAIR / ADD PARTITION is ever needed: every table uses partition projection on dt
-- (yyyy-MM-dd, from 2024-01-01 to today), so a new day's folder is queryable as soon as it is written, and
-- a query that filters on dt reads only those folders.
--
-- What this fixes in the seed design:
--   1. The seed's views summed every raw pull. The collector pulls four times a day and each pull
--      re-reads the last 8 days, so a creative-day was counted up to 32 times. Here the views read
--      processed/creative_daily (one row per creative and day: latest pull wins) and still keep only
--      the latest row per creative and day, in case a stray file lands in a partition.
--   2. The seed grouped by the pull's date instead of the metric date. Raw analytics are partitioned
--      by the METRIC day (dt = date) and everything here groups by "date", never by pulled_at.
--   3. The seed pointed Athena at pretty-printed JSON, which the JSON SerDe reads one line = one
--      record, so every object spanning lines was malformed. The collector now writes NDJSON (one
--      compact object per line) and the tables say so; 'ignore.malformed.json' turns a damaged line
--      into a row of NULLs instead of failing every query over that partition.
--   Also: the seed averaged daily CTRs. Every ratio over more than one row here is a ratio of sums
--   (sum(clicks) / sum(impressions)), so a day with 10 impressions does not weigh like one with 10,000.
--
-- Money in the raw NDJSON is a decimal STRING ("13.163241"; LinkedIn's noise like "-2E-18" included), so
-- the raw tables declare it string and the views cast it; processed Parquet already holds DECIMAL(18,6).
-- Ratios are DOUBLE (cast before dividing: Trino's bigint / bigint is integer division, and decimal /
-- bigint keeps only the decimal's scale), and NULL when their denominator is zero.

CREATE DATABASE IF NOT EXISTS linkedin_ads;

-- One line per creative and metric day as of one pull (dt = the metric day). Many pulls per day.
CREATE EXTERNAL TABLE IF NOT EXISTS linkedin_ads.raw_analytics (
  pulled_at string,
  run_id string,
  account_id string,
  campaign_id string,
  creative_id string,
  `date` string,
  impressions bigint,
  clicks bigint,
  landing_page_clicks bigint,
  cost_usd string,
  cost_local string,
  conversions double,
  external_website_conversions double,
  post_click_conversions double,
  post_view_conversions double,
  one_click_leads double,
  total_engagements bigint,
  video_views bigint,
  approximate_member_reach bigint
)
PARTITIONED BY (dt string)
ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
WITH SERDEPROPERTIES ('ignore.malformed.json' = 'true')
STORED AS INPUTFORMAT 'org.apache.hadoop.mapred.TextInputFormat'
OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'
LOCATION 's3://__BUCKET__/raw/analytics/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd',
  'projection.dt.range' = '2024-01-01,NOW',
  'projection.dt.interval' = '1',
  'projection.dt.interval.unit' = 'DAYS',
  'storage.location.template' = 's3://__BUCKET__/raw/analytics/dt=${dt}/'
);

-- Campaign state as of each pull (dt = the pull's day): the bid (unit_cost) and daily budget in force.
CREATE EXTERNAL TABLE IF NOT EXISTS linkedin_ads.raw_campaigns (
  pulled_at string,
  run_id string,
  account_id string,
  campaign_id string,
  name string,
  status string,
  cost_type string,
  unit_cost string,
  daily_budget string,
  currency string,
  objective_type string,
  optimization_target_type string,
  creative_selection string
)
PARTITIONED BY (dt string)
ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
WITH SERDEPROPERTIES ('ignore.malformed.json' = 'true')
STORED AS INPUTFORMAT 'org.apache.hadoop.mapred.TextInputFormat'
OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'
LOCATION 's3://__BUCKET__/raw/campaigns/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd',
  'projection.dt.range' = '2024-01-01,NOW',
  'projection.dt.interval' = '1',
  'projection.dt.interval.unit' = 'DAYS',
  'storage.location.template' = 's3://__BUCKET__/raw/campaigns/dt=${dt}/'
);

-- Creative state and copy as of each pull (dt = the pull's day).
CREATE EXTERNAL TABLE IF NOT EXISTS linkedin_ads.raw_creatives (
  pulled_at string,
  run_id string,
  account_id string,
  campaign_id string,
  creative_id string,
  name string,
  intended_status string,
  is_serving boolean,
  review_status string,
  post_urn string,
  created_at string,
  intro_text string,
  headline string,
  description string,
  call_to_action string,
  landing_page string,
  copy_error string
)
PARTITIONED BY (dt string)
ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
WITH SERDEPROPERTIES ('ignore.malformed.json' = 'true')
STORED AS INPUTFORMAT 'org.apache.hadoop.mapred.TextInputFormat'
OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'
LOCATION 's3://__BUCKET__/raw/creatives/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd',
  'projection.dt.range' = '2024-01-01,NOW',
  'projection.dt.interval' = '1',
  'projection.dt.interval.unit' = 'DAYS',
  'storage.location.template' = 's3://__BUCKET__/raw/creatives/dt=${dt}/'
);

-- The data processor's output: one row per creative and day (dt = date), latest pull, exact money.
-- Parquet columns are matched by name, so the processor may add columns without breaking this table.
CREATE EXTERNAL TABLE IF NOT EXISTS linkedin_ads.creative_daily (
  `date` date,
  account_id string,
  campaign_id string,
  creative_id string,
  impressions bigint,
  clicks bigint,
  landing_page_clicks bigint,
  cost_usd decimal(18,6),
  conversions double,
  total_engagements bigint,
  pulled_at timestamp,
  run_id string
)
PARTITIONED BY (dt string)
STORED AS PARQUET
LOCATION 's3://__BUCKET__/processed/creative_daily/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd',
  'projection.dt.range' = '2024-01-01,NOW',
  'projection.dt.interval' = '1',
  'projection.dt.interval.unit' = 'DAYS',
  'storage.location.template' = 's3://__BUCKET__/processed/creative_daily/dt=${dt}/'
);

-- One row per creative and day with that day's ratios. The processor already keeps one row per
-- creative and day; ranking again costs little and keeps a stray or half-replaced file (a re-run racing
-- a reader, a manual copy) from double counting: the latest pull wins, ties go to the greater run_id.
-- dt is in the PARTITION BY (it equals "date" by construction, so the grouping is unchanged) because
-- Trino pushes a filter through a window function only when it is on the window's partition keys:
-- without it, "WHERE dt BETWEEN ..." on this view would scan every partition.
CREATE OR REPLACE VIEW linkedin_ads.creative_performance AS
SELECT
  dt,
  "date",
  account_id,
  campaign_id,
  creative_id,
  impressions,
  clicks,
  landing_page_clicks,
  cost_usd,
  conversions,
  total_engagements,
  CAST(clicks AS double) / NULLIF(impressions, 0) AS ctr,
  CAST(cost_usd AS double) / NULLIF(clicks, 0) AS cpc,
  CAST(cost_usd AS double) / NULLIF(conversions, 0) AS cpa,
  conversions / NULLIF(clicks, 0) AS conversion_rate,
  pulled_at,
  run_id
FROM (
  SELECT
    d.*,
    row_number() OVER (
      PARTITION BY d.dt, d.creative_id, d."date"
      ORDER BY d.pulled_at DESC NULLS LAST, d.run_id DESC NULLS LAST
    ) AS pull_rank
  FROM linkedin_ads.creative_daily AS d
) AS ranked
WHERE pull_rank = 1;

-- One row per campaign and day: totals of the de-duplicated creative rows, weighted ratios, and the
-- campaign's settings that day from its LATEST snapshot pulled that day (the bid and budget in force at
-- the end of the day; NULL when no pull read the campaign that day). Snapshots are ordered by the parsed
-- pulled_at, not the string: '...00.5Z' sorts before '...00Z' as text. TRY_CAST: a malformed amount
-- gives a NULL setting instead of failing every query (the totals never depend on it). The join on dt
-- lets a dt filter on this view reach raw_campaigns' partitions too.
CREATE OR REPLACE VIEW linkedin_ads.daily_summary AS
WITH campaign_day AS (
  SELECT
    dt,
    "date",
    account_id,
    campaign_id,
    count(*) AS creatives,
    sum(impressions) AS impressions,
    sum(clicks) AS clicks,
    sum(landing_page_clicks) AS landing_page_clicks,
    sum(cost_usd) AS cost_usd,
    sum(conversions) AS conversions
  FROM linkedin_ads.creative_performance
  GROUP BY dt, "date", account_id, campaign_id
),
settings AS (
  SELECT
    dt,
    account_id,
    campaign_id,
    status,
    cost_type,
    TRY_CAST(unit_cost AS decimal(18, 6)) AS unit_cost,
    TRY_CAST(daily_budget AS decimal(18, 6)) AS daily_budget,
    row_number() OVER (
      PARTITION BY dt, account_id, campaign_id
      ORDER BY from_iso8601_timestamp(pulled_at) DESC NULLS LAST, run_id DESC NULLS LAST
    ) AS pull_rank
  FROM linkedin_ads.raw_campaigns
  WHERE campaign_id IS NOT NULL
)
SELECT
  c.dt,
  c."date",
  c.account_id,
  c.campaign_id,
  c.creatives,
  c.impressions,
  c.clicks,
  c.landing_page_clicks,
  c.cost_usd,
  c.conversions,
  CAST(c.clicks AS double) / NULLIF(c.impressions, 0) AS ctr,
  CAST(c.cost_usd AS double) / NULLIF(c.clicks, 0) AS cpc,
  CAST(c.cost_usd AS double) / NULLIF(c.conversions, 0) AS cpa,
  c.conversions / NULLIF(c.clicks, 0) AS conversion_rate,
  s.status,
  s.cost_type,
  s.unit_cost,
  s.daily_budget,
  CAST(c.cost_usd AS double) / NULLIF(CAST(s.daily_budget AS double), 0) AS budget_utilization
FROM campaign_day AS c
LEFT JOIN settings AS s
  ON s.dt = c.dt
  AND s.account_id = c.account_id
  AND s.campaign_id = c.campaign_id
  AND s.pull_rank = 1;
