//! `processed/creative_daily/dt=YYYY-MM-DD/creative_daily.parquet`: one row per creative and day, the
//! latest pull of it (the collector's de-duplication rule), overwritten per partition so a re-run is
//! idempotent. The columns are the Athena table's schema: keep them stable.

use chrono::NaiveDate;
use linkedin_core::performance::Totals;
use linkedin_core::raw::AnalyticsRecord;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::parquet_table::{self, Column};

/// The Parquet schema. `cost_usd` is DECIMAL(18,6) (exact, as Athena's `decimal(18,6)`),
/// `pulled_at` a UTC timestamp in microseconds, `date` a DATE.
pub const SCHEMA: &str = "message creative_daily {
  REQUIRED INT32 date (DATE);
  REQUIRED BYTE_ARRAY account_id (UTF8);
  REQUIRED BYTE_ARRAY campaign_id (UTF8);
  REQUIRED BYTE_ARRAY creative_id (UTF8);
  REQUIRED INT64 impressions;
  REQUIRED INT64 clicks;
  REQUIRED INT64 landing_page_clicks;
  REQUIRED INT64 cost_usd (DECIMAL(18,6));
  REQUIRED DOUBLE conversions;
  REQUIRED INT64 total_engagements;
  REQUIRED INT64 pulled_at (TIMESTAMP(MICROS,true));
  REQUIRED BYTE_ARRAY run_id (UTF8);
}";

/// The column names, in order (also the Athena DDL's).
pub const COLUMNS: [&str; 12] = [
    "date",
    "account_id",
    "campaign_id",
    "creative_id",
    "impressions",
    "clicks",
    "landing_page_clicks",
    "cost_usd",
    "conversions",
    "total_engagements",
    "pulled_at",
    "run_id",
];

/// LinkedIn reports float noise such as `-2E-18` for zero; anything more negative is a real error.
const COST_NOISE: Decimal = Decimal::from_parts(1, 0, 0, false, 9);

/// Why a raw row cannot go into the table.
pub fn reject_reason(r: &AnalyticsRecord) -> Option<String> {
    if r.cost_usd < -COST_NOISE {
        return Some(format!("negative cost_usd {}", r.cost_usd));
    }
    if !r.conversions.is_finite() || r.conversions < 0.0 {
        return Some(format!("conversions {} is not a non-negative number", r.conversions));
    }
    if r.cost_usd.round_dp(6).abs() > Decimal::from(999_999_999_999i64) {
        return Some(format!("cost_usd {} is out of range", r.cost_usd));
    }
    None
}

fn days_since_epoch(d: NaiveDate) -> i32 {
    (d - NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch")).num_days() as i32
}

/// Micro-units of a cost, rounded to 6 decimals; float noise below zero becomes 0.
fn micros(d: Decimal) -> i64 {
    let d = if d < Decimal::ZERO { Decimal::ZERO } else { d };
    (d.round_dp(6) * Decimal::from(1_000_000)).to_i64().unwrap_or(i64::MAX)
}

/// The Parquet bytes for accepted rows (callers filter with [`reject_reason`]).
pub fn to_parquet(rows: &[&AnalyticsRecord]) -> Result<Vec<u8>, parquet::errors::ParquetError> {
    let text = |f: fn(&AnalyticsRecord) -> String| Column::Text(rows.iter().map(|r| f(r)).collect());
    let int = |f: fn(&AnalyticsRecord) -> i64| Column::Int64(rows.iter().map(|r| f(r)).collect());
    let columns = vec![
        Column::Int32(rows.iter().map(|r| days_since_epoch(r.date)).collect()),
        text(|r| r.account_id.to_string()),
        text(|r| r.campaign_id.to_string()),
        text(|r| r.creative_id.to_string()),
        int(|r| r.impressions as i64),
        int(|r| r.clicks as i64),
        int(|r| r.landing_page_clicks as i64),
        int(|r| micros(r.cost_usd)),
        Column::Double(rows.iter().map(|r| r.conversions).collect()),
        int(|r| r.total_engagements as i64),
        int(|r| r.pulled_at.timestamp_micros()),
        text(|r| r.run_id.to_string()),
    ];
    parquet_table::write(SCHEMA, &columns)
}

/// One row of the processed table, read back.
#[derive(Debug, Clone, PartialEq)]
pub struct DailyRow {
    pub date: NaiveDate,
    pub account_id: String,
    pub campaign_id: String,
    pub creative_id: String,
    pub impressions: i64,
    pub clicks: i64,
    pub landing_page_clicks: i64,
    /// Micro-dollars.
    pub cost_micros: i64,
    pub conversions: f64,
    pub total_engagements: i64,
    /// Microseconds since the epoch, UTC.
    pub pulled_at_micros: i64,
    pub run_id: String,
}

impl DailyRow {
    /// The row's counts, for summing.
    pub fn totals(&self) -> Totals {
        Totals {
            impressions: self.impressions.max(0) as u64,
            clicks: self.clicks.max(0) as u64,
            landing_page_clicks: self.landing_page_clicks.max(0) as u64,
            cost_usd: Decimal::new(self.cost_micros, 6),
            conversions: self.conversions,
        }
    }

    /// The collector's rule, applied again to a partition that holds more than one file: the latest
    /// pull wins, a tie goes to the greater run id.
    pub fn newer_than(&self, other: &Self) -> bool {
        (self.pulled_at_micros, &self.run_id) > (other.pulled_at_micros, &other.run_id)
    }
}

/// Reads a `creative_daily.parquet` file; an unexpected schema is an error naming the column.
pub fn read(bytes: Vec<u8>) -> Result<Vec<DailyRow>, String> {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use parquet::record::Field;
    let reader = SerializedFileReader::new(bytes::Bytes::from(bytes)).map_err(|e| format!("not Parquet: {e}"))?;
    let names: Vec<String> =
        reader.metadata().file_metadata().schema_descr().columns().iter().map(|c| c.name().to_string()).collect();
    if names != COLUMNS {
        return Err(format!("unexpected columns {names:?}; expected {COLUMNS:?}"));
    }
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch");
    let mut out = Vec::new();
    for row in reader.get_row_iter(None).map_err(|e| e.to_string())? {
        let row = row.map_err(|e| e.to_string())?;
        let f: Vec<&Field> = row.get_column_iter().map(|(_, f)| f).collect();
        let text = |i: usize| match f[i] {
            Field::Str(s) => Ok(s.clone()),
            other => Err(format!("column {} is {other:?}, not a string", COLUMNS[i])),
        };
        let long = |i: usize| match f[i] {
            Field::Long(v) => Ok(*v),
            Field::Decimal(d) => Ok(i64::from_be_bytes(d.data().try_into().map_err(|_| "decimal width".to_string())?)),
            other => Err(format!("column {} is {other:?}, not an integer", COLUMNS[i])),
        };
        let date = match f[0] {
            Field::Date(days) => epoch + chrono::TimeDelta::days(*days as i64),
            other => return Err(format!("column date is {other:?}, not a date")),
        };
        let pulled_at_micros = match f[10] {
            Field::TimestampMicros(v) => *v,
            Field::Long(v) => *v,
            other => return Err(format!("column pulled_at is {other:?}, not a timestamp")),
        };
        let conversions = match f[8] {
            Field::Double(v) => *v,
            other => return Err(format!("column conversions is {other:?}, not a double")),
        };
        out.push(DailyRow {
            date,
            account_id: text(1)?,
            campaign_id: text(2)?,
            creative_id: text(3)?,
            impressions: long(4)?,
            clicks: long(5)?,
            landing_page_clicks: long(6)?,
            cost_micros: long(7)?,
            conversions,
            total_engagements: long(9)?,
            pulled_at_micros,
            run_id: text(11)?,
        });
    }
    Ok(out)
}
