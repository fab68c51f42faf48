//! The data processor: turns the collector's raw pulls into clean, de-duplicated tables.
//!
//! Each run re-builds the `processed/creative_daily/dt=<day>/` partitions of the days the collector
//! may have restated (the run's day and the `window_days` before it): it reads every pull of each day,
//! keeps the latest per creative and day ([`linkedin_core::raw::LatestPulls`]), rejects rows with
//! negative or non-finite metrics (with the reason), and overwrites the partition with one Parquet file,
//! so a re-run is idempotent and nothing is ever summed across pulls. A malformed line or object is
//! skipped, counted and named in the report; the rest of the day is still written.
//!
//! Still to come (issue 4): the ML training sets, the Athena layer and the `PerformanceSource`.

pub mod creative_daily;
pub mod parquet_table;
mod process;

pub use process::{DayResult, ProcessReport, Processor};
