//! The production [`PerformanceSource`]: the queries in `athena/queries/` run on Athena.
//!
//! One query is: start (with the window as positional execution parameters, so no SQL is built by
//! string concatenation), poll with exponential backoff until it leaves QUEUED/RUNNING (stopping it
//! if it outlives the timeout), then page through the results. Every value arrives as text; rows are
//! parsed by column name into the same types the local aggregation returns, and a value that does not
//! parse names the query, row and column.

use std::collections::HashMap;
use std::str::FromStr;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use aws_sdk_athena::Client;
use aws_sdk_athena::types::{QueryExecutionContext, QueryExecutionState, ResultConfiguration};
use chrono::NaiveDate;
use linkedin_core::config::AthenaConfig;
use linkedin_core::performance::{
    CampaignDay, CreativePerformance, DateWindow, PerformanceError, PerformanceSource, Totals,
};
use rust_decimal::Decimal;

/// A query shipped in `athena/queries/`, with its name for messages.
#[derive(Debug, Clone, Copy)]
pub struct NamedQuery {
    pub name: &'static str,
    pub sql: &'static str,
}

pub const CREATIVE_WINDOW: NamedQuery =
    NamedQuery { name: "creative_window.sql", sql: include_str!("../../../athena/queries/creative_window.sql") };
pub const CAMPAIGN_DAILY: NamedQuery =
    NamedQuery { name: "campaign_daily.sql", sql: include_str!("../../../athena/queries/campaign_daily.sql") };

/// Polling: the first wait, and the cap the doubling stops at.
#[derive(Debug, Clone, Copy)]
pub struct Polling {
    pub first: Duration,
    pub max: Duration,
}

impl Default for Polling {
    fn default() -> Self {
        // Most small queries finish in 1-3 s; past that, a 5 s cap keeps GetQueryExecution calls cheap.
        Self { first: Duration::from_millis(200), max: Duration::from_secs(5) }
    }
}

pub struct AthenaPerformance {
    client: Client,
    config: AthenaConfig,
    polling: Polling,
}

/// A finished query's results: column name to index, and the rows as optional text (NULL is `None`).
#[derive(Debug, Clone, PartialEq)]
pub struct ResultTable {
    pub query: &'static str,
    pub columns: HashMap<String, usize>,
    pub rows: Vec<Vec<Option<String>>>,
}

impl ResultTable {
    fn bad(&self, row: usize, column: &str, reason: impl Into<String>) -> PerformanceError {
        PerformanceError::BadRow { query: self.query, row: row + 1, column: column.to_string(), reason: reason.into() }
    }

    /// The text in `column` of `row`; a missing column is an error naming the query file.
    pub fn text(&self, row: usize, column: &str) -> Result<Option<&str>, PerformanceError> {
        let i = *self.columns.get(column).ok_or_else(|| {
            self.bad(
                row,
                column,
                format!("the result has no such column; athena/queries/{} must return it", self.query),
            )
        })?;
        Ok(self.rows[row].get(i).and_then(|v| v.as_deref()))
    }

    pub fn optional<T: FromStr>(&self, row: usize, column: &str) -> Result<Option<T>, PerformanceError>
    where
        T::Err: std::fmt::Display,
    {
        match self.text(row, column)? {
            None => Ok(None),
            Some(s) => s.trim().parse().map(Some).map_err(|e| self.bad(row, column, format!("'{s}': {e}"))),
        }
    }

    pub fn required<T: FromStr>(&self, row: usize, column: &str) -> Result<T, PerformanceError>
    where
        T::Err: std::fmt::Display,
    {
        self.optional(row, column)?.ok_or_else(|| self.bad(row, column, "NULL where a value is required"))
    }

    /// A decimal, also in the scientific notation Athena uses for large or tiny doubles.
    pub fn decimal(&self, row: usize, column: &str) -> Result<Option<Decimal>, PerformanceError> {
        match self.text(row, column)? {
            None => Ok(None),
            Some(s) => Decimal::from_str(s.trim())
                .or_else(|_| Decimal::from_scientific(s.trim()))
                .map(Some)
                .map_err(|e| self.bad(row, column, format!("'{s}': {e}"))),
        }
    }

    /// The rows of `creative_window.sql`, by creative. A value that does not parse is an error naming
    /// the query, row and column; never a panic (`demo::fuzz` holds it to that).
    pub fn creatives(&self) -> Result<Vec<CreativePerformance>, PerformanceError> {
        let mut out = Vec::with_capacity(self.rows.len());
        for i in 0..self.rows.len() {
            out.push(CreativePerformance {
                account_id: self.required(i, "account_id")?,
                campaign_id: self.required(i, "campaign_id")?,
                creative_id: self.required(i, "creative_id")?,
                days: self.required(i, "days")?,
                first_date: self.required::<NaiveDate>(i, "first_date")?,
                last_date: self.required::<NaiveDate>(i, "last_date")?,
                totals: self.totals(i)?,
            });
        }
        out.sort_by_key(|c| c.creative_id);
        Ok(out)
    }

    /// The rows of `campaign_daily.sql`, by campaign and day; errors as [`Self::creatives`].
    pub fn campaign_days(&self) -> Result<Vec<CampaignDay>, PerformanceError> {
        let mut out = Vec::with_capacity(self.rows.len());
        for i in 0..self.rows.len() {
            out.push(CampaignDay {
                account_id: self.required(i, "account_id")?,
                campaign_id: self.required(i, "campaign_id")?,
                date: self.required::<NaiveDate>(i, "date")?,
                creatives: self.required(i, "creatives")?,
                totals: self.totals(i)?,
                status: self.text(i, "status")?.map(str::to_string),
                cost_type: self.text(i, "cost_type")?.map(str::to_string),
                unit_cost: self.decimal(i, "unit_cost")?,
                daily_budget: self.decimal(i, "daily_budget")?,
            });
        }
        out.sort_by_key(|d| (d.campaign_id, d.date));
        Ok(out)
    }

    fn totals(&self, row: usize) -> Result<Totals, PerformanceError> {
        Ok(Totals {
            impressions: self.required(row, "impressions")?,
            clicks: self.required(row, "clicks")?,
            landing_page_clicks: self.optional(row, "landing_page_clicks")?.unwrap_or(0),
            cost_usd: self.decimal(row, "cost_usd")?.unwrap_or_default(),
            conversions: self.optional(row, "conversions")?.unwrap_or(0.0),
        })
    }
}

impl AthenaPerformance {
    pub fn new(client: Client, config: AthenaConfig) -> Self {
        Self { client, config, polling: Polling::default() }
    }

    pub fn with_polling(mut self, polling: Polling) -> Self {
        self.polling = polling;
        self
    }

    fn sdk_err(e: impl std::error::Error) -> PerformanceError {
        // The SDK's Display is terse ("service error"); the source chain holds the service's message.
        let mut msg = e.to_string();
        let mut source = e.source();
        while let Some(s) = source {
            msg.push_str(": ");
            msg.push_str(&s.to_string());
            source = s.source();
        }
        PerformanceError::Athena(msg)
    }

    /// Runs `query` with `params` (Athena literals, e.g. `'2026-11-20'`) and returns every row.
    pub async fn run(&self, query: NamedQuery, params: &[String]) -> Result<ResultTable, PerformanceError> {
        let mut start = self
            .client
            .start_query_execution()
            .query_string(query.sql)
            .query_execution_context(QueryExecutionContext::builder().database(&self.config.database).build())
            .work_group(&self.config.workgroup)
            .set_execution_parameters(Some(params.to_vec()));
        if let Some(loc) = &self.config.output_location {
            start = start.result_configuration(ResultConfiguration::builder().output_location(loc).build());
        }
        let id = start.send().await.map_err(Self::sdk_err)?.query_execution_id().unwrap_or_default().to_string();
        tracing::debug!(query = query.name, execution_id = %id, "Athena query started");
        self.wait(query.name, &id).await?;
        self.results(query.name, &id).await
    }

    async fn wait(&self, query: &'static str, id: &str) -> Result<(), PerformanceError> {
        let started = Instant::now();
        let mut pause = self.polling.first;
        loop {
            let out = self.client.get_query_execution().query_execution_id(id).send().await.map_err(Self::sdk_err)?;
            let status = out.query_execution().and_then(|q| q.status());
            match status.and_then(|s| s.state()) {
                Some(QueryExecutionState::Succeeded) => return Ok(()),
                Some(state @ (QueryExecutionState::Failed | QueryExecutionState::Cancelled)) => {
                    let status = status.expect("a state has a status");
                    let reason = status
                        .athena_error()
                        .and_then(|e| e.error_message())
                        .or(status.state_change_reason())
                        .unwrap_or("no reason given")
                        .to_string();
                    return Err(PerformanceError::QueryFailed {
                        query,
                        execution_id: id.to_string(),
                        state: state.as_str().to_string(),
                        reason,
                    });
                }
                _ => {}
            }
            if started.elapsed() + pause > self.config.timeout {
                // Stop it so it does not go on scanning (and billing) after the job has given up.
                let _ = self.client.stop_query_execution().query_execution_id(id).send().await;
                return Err(PerformanceError::QueryTimeout {
                    query,
                    execution_id: id.to_string(),
                    waited_secs: started.elapsed().as_secs(),
                });
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(self.polling.max);
        }
    }

    async fn results(&self, query: &'static str, id: &str) -> Result<ResultTable, PerformanceError> {
        let mut table = ResultTable { query, columns: HashMap::new(), rows: Vec::new() };
        let mut names: Vec<String> = Vec::new();
        let mut token: Option<String> = None;
        let mut first_page = true;
        loop {
            let page = self
                .client
                .get_query_results()
                .query_execution_id(id)
                .max_results(1000)
                .set_next_token(token.take())
                .send()
                .await
                .map_err(Self::sdk_err)?;
            let Some(set) = page.result_set() else { break };
            if first_page {
                names = set
                    .result_set_metadata()
                    .map(|m| m.column_info().iter().map(|c| c.name().to_string()).collect())
                    .unwrap_or_default();
                table.columns = names.iter().enumerate().map(|(i, n)| (n.clone(), i)).collect();
            }
            for (i, row) in set.rows().iter().enumerate() {
                let values: Vec<Option<String>> =
                    row.data().iter().map(|d| d.var_char_value().map(str::to_string)).collect();
                // A SELECT's first row is the header (Athena repeats the column names as data).
                let is_header = first_page
                    && i == 0
                    && values.iter().map(|v| v.as_deref()).eq(names.iter().map(|n| Some(n.as_str())));
                if !is_header {
                    table.rows.push(values);
                }
            }
            first_page = false;
            match page.next_token() {
                Some(t) if !t.is_empty() => token = Some(t.to_string()),
                _ => break,
            }
        }
        Ok(table)
    }

    fn window_params(window: DateWindow) -> Vec<String> {
        vec![format!("'{}'", window.from()), format!("'{}'", window.to())]
    }
}

#[async_trait]
impl PerformanceSource for AthenaPerformance {
    async fn creatives(&self, window: DateWindow) -> Result<Vec<CreativePerformance>, PerformanceError> {
        self.run(CREATIVE_WINDOW, &Self::window_params(window)).await?.creatives()
    }

    async fn campaign_days(&self, window: DateWindow) -> Result<Vec<CampaignDay>, PerformanceError> {
        self.run(CAMPAIGN_DAILY, &Self::window_params(window)).await?.campaign_days()
    }

    fn describe(&self) -> String {
        format!("Athena database {} (workgroup {})", self.config.database, self.config.workgroup)
    }
}
