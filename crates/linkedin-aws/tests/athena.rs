//! The Athena performance source against moto's Athena (results seeded through moto's API, queries
//! held in QUEUED/RUNNING by its state manager so the polling is exercised).

use std::time::Duration;

use chrono::NaiveDate;
use linkedin_aws::athena::{AthenaPerformance, CREATIVE_WINDOW, Polling};
use linkedin_core::config::AthenaConfig;
use linkedin_core::performance::{DateWindow, PerformanceError, PerformanceSource};
use linkedin_core::{CampaignId, CreativeId};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use test_support::Moto;

fn config(timeout: Duration) -> AthenaConfig {
    AthenaConfig {
        database: "linkedin_ads".into(),
        workgroup: "primary".into(),
        output_location: Some("s3://results/athena/".into()),
        timeout,
    }
}

fn fast() -> Polling {
    Polling { first: Duration::from_millis(10), max: Duration::from_millis(40) }
}

/// One seeded result: a header row (real Athena sends one) and the rows; `None` is SQL NULL.
fn result(columns: &[&str], rows: &[Vec<Option<&str>>]) -> Value {
    let datum = |v: &Option<&str>| match v {
        Some(s) => json!({"VarCharValue": s}),
        None => json!({}),
    };
    let mut all = vec![json!({"Data": columns.iter().map(|c| json!({"VarCharValue": c})).collect::<Vec<_>>()})];
    all.extend(rows.iter().map(|r| json!({"Data": r.iter().map(datum).collect::<Vec<_>>()})));
    json!({"rows": all, "column_info": columns.iter().map(|c| json!({"Name": c, "Type": "varchar"})).collect::<Vec<_>>()})
}

fn seed(moto: &Moto, results: &[Value]) {
    moto.moto_api("/moto-api/static/athena/query-results", &json!({"results": results}).to_string());
}

fn hold_queries(moto: &Moto, polls: u32) {
    let body = json!({"model_name": "athena::execution", "transition": {"progression": "manual", "times": polls}});
    moto.moto_api("/moto-api/state-manager/set-transition", &body.to_string());
}

const CREATIVE_COLUMNS: [&str; 15] = [
    "account_id",
    "campaign_id",
    "creative_id",
    "days",
    "first_date",
    "last_date",
    "impressions",
    "clicks",
    "landing_page_clicks",
    "cost_usd",
    "conversions",
    "ctr",
    "cpc",
    "cpa",
    "conversion_rate",
];

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

#[tokio::test]
async fn runs_the_shipped_queries_polls_until_done_and_types_every_row() {
    let moto = Moto::start();
    hold_queries(&moto, 3);
    let creatives = result(
        &CREATIVE_COLUMNS,
        &[
            vec![
                Some("508720451"),
                Some("600100"),
                Some("900102"),
                Some("7"),
                Some("2026-11-14"),
                Some("2026-11-20"),
                Some("40210"),
                Some("161"),
                Some("150"),
                Some("724.512345"),
                Some("6.0"),
                Some("0.004003979"),
                Some("4.5"),
                Some("120.75"),
                Some("0.0372"),
            ],
            vec![
                Some("508720451"),
                Some("600100"),
                Some("900101"),
                Some("2"),
                Some("2026-11-19"),
                Some("2026-11-20"),
                Some("900"),
                Some("0"),
                Some("0"),
                Some("0.000000"),
                Some("0.0"),
                Some("0.0"),
                None,
                None,
                None,
            ],
        ],
    );
    let days = result(
        &[
            "account_id",
            "campaign_id",
            "date",
            "creatives",
            "impressions",
            "clicks",
            "landing_page_clicks",
            "cost_usd",
            "conversions",
            "status",
            "cost_type",
            "unit_cost",
            "daily_budget",
        ],
        &[vec![
            Some("508720451"),
            Some("600100"),
            Some("2026-11-20"),
            Some("2"),
            Some("6100"),
            Some("24"),
            Some("22"),
            Some("108.25"),
            Some("1.5E0"),
            Some("ACTIVE"),
            Some("CPC"),
            Some("6.50"),
            None,
        ]],
    );
    seed(&moto, &[creatives, days]);

    let source = AthenaPerformance::new(moto.athena().await, config(Duration::from_secs(30))).with_polling(fast());
    let window = DateWindow::new(d("2026-11-14"), d("2026-11-20")).unwrap();
    let data = source.load(window).await.unwrap();

    assert_eq!(data.creatives.len(), 2, "the header row is not data");
    assert_eq!(data.creatives[0].creative_id, CreativeId(900101), "sorted by creative id");
    let c = &data.creatives[1];
    assert_eq!((c.campaign_id, c.days, c.first_date), (CampaignId(600100), 7, d("2026-11-14")));
    assert_eq!((c.totals.impressions, c.totals.clicks), (40210, 161));
    assert_eq!(c.totals.cost_usd, Decimal::new(724_512_345, 6), "money stays exact");
    assert_eq!(data.creatives[0].totals.cpc(), None, "NULL ratios come back as no value");
    let day = &data.campaign_days[0];
    assert_eq!((day.date, day.creatives, day.totals.conversions), (d("2026-11-20"), 2, 1.5));
    assert_eq!((day.unit_cost, day.daily_budget), (Some(Decimal::new(650, 2)), None));
    assert_eq!(day.status.as_deref(), Some("ACTIVE"));

    // What was sent: the shipped SQL, the database, the workgroup and the window as parameters.
    let athena = moto.athena().await;
    let ids = athena.list_query_executions().send().await.unwrap().query_execution_ids().to_vec();
    assert_eq!(ids.len(), 2);
    let mut sent = Vec::new();
    for id in ids {
        let q = athena.get_query_execution().query_execution_id(id).send().await.unwrap();
        let q = q.query_execution().unwrap().clone();
        assert_eq!(q.status().unwrap().state().unwrap().as_str(), "SUCCEEDED", "polled to the end");
        assert_eq!(q.query_execution_context().unwrap().database(), Some("linkedin_ads"));
        assert_eq!(q.work_group(), Some("primary"));
        let output = q.result_configuration().unwrap().output_location().unwrap();
        assert!(output.starts_with("s3://results/athena/"), "{output}");
        assert_eq!(q.execution_parameters(), ["'2026-11-14'", "'2026-11-20'"]);
        sent.push(q.query().unwrap().to_string());
    }
    assert!(sent.iter().any(|s| s == CREATIVE_WINDOW.sql), "the query file is sent verbatim");
    assert!(sent.iter().any(|s| s.contains("FROM daily_summary")));
}

#[tokio::test]
async fn a_bad_value_or_missing_column_names_the_query_row_and_column() {
    let moto = Moto::start();
    let mut row: Vec<Option<&str>> = vec![Some("1"); CREATIVE_COLUMNS.len()];
    row[4] = Some("2026-11-14");
    row[5] = Some("2026-11-20");
    row[7] = Some("twelve");
    seed(&moto, &[result(&CREATIVE_COLUMNS, &[row]), result(&["account_id"], &[vec![Some("1")]])]);
    let source = AthenaPerformance::new(moto.athena().await, config(Duration::from_secs(30))).with_polling(fast());
    let window = DateWindow::last(d("2026-11-20"), 7);

    let err = source.creatives(window).await.unwrap_err();
    assert!(matches!(err, PerformanceError::BadRow { row: 1, .. }), "{err:?}");
    assert_eq!(err.to_string(), "creative_window.sql row 1, column clicks: 'twelve': invalid digit found in string");

    let err = source.creatives(window).await.unwrap_err().to_string();
    assert!(err.contains("column campaign_id: the result has no such column"), "{err}");
    assert!(err.contains("athena/queries/creative_window.sql must return it"), "{err}");
}

#[tokio::test]
async fn a_query_that_outlives_the_timeout_is_stopped_and_reported() {
    let moto = Moto::start();
    hold_queries(&moto, 10_000);
    seed(&moto, &[result(&CREATIVE_COLUMNS, &[])]);
    let source = AthenaPerformance::new(moto.athena().await, config(Duration::from_millis(300))).with_polling(fast());

    let err = source.creatives(DateWindow::last(d("2026-11-20"), 7)).await.unwrap_err();
    let PerformanceError::QueryTimeout { execution_id, .. } = &err else { panic!("{err:?}") };
    assert!(err.to_string().contains("raise ATHENA_TIMEOUT_SECONDS"), "{err}");
    let athena = moto.athena().await;
    let q = athena.get_query_execution().query_execution_id(execution_id).send().await.unwrap();
    assert_eq!(
        q.query_execution().unwrap().status().unwrap().state().unwrap().as_str(),
        "CANCELLED",
        "stopped, not left running"
    );
}
