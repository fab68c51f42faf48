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
    // The table's counts are INT64: a larger count used to be written as a negative number, read
    // back as 0.
    let counts = [
        ("impressions", r.impressions),
        ("clicks", r.clicks),
        ("landing_page_clicks", r.landing_page_clicks),
        ("total_engagements", r.total_engagements),
    ];
    if let Some((name, n)) = counts.iter().find(|(_, n)| i64::try_from(*n).is_err()) {
        return Some(format!("{name} {n} is out of range (at most {})", i64::MAX));
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

/// Reads a `creative_daily.parquet` file; an unexpected schema is an error naming the column, a
/// value outside its type's range an error naming the value. The parquet crate itself panics on some
/// corrupt files (e.g. a mangled footer), so a panic inside the reader is caught and becomes an error
/// too: one broken object must not crash every job that reads its partition.
pub fn read(bytes: Vec<u8>) -> Result<Vec<DailyRow>, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || read_unguarded(bytes))).unwrap_or_else(|panic| {
        let why = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "no message".into());
        Err(format!("not readable as Parquet (the reader failed: {why})"))
    })
}

fn read_unguarded(bytes: Vec<u8>) -> Result<Vec<DailyRow>, String> {
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
        if f.len() != COLUMNS.len() {
            return Err(format!("a row has {} fields; expected the {} columns {COLUMNS:?}", f.len(), COLUMNS.len()));
        }
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
            // Days since the epoch; a value outside chrono's calendar (±262,143 years) is a broken file,
            // not a panic of every job that reads the partition.
            Field::Date(days) => epoch
                .checked_add_signed(chrono::TimeDelta::days(*days as i64))
                .ok_or_else(|| format!("column date holds {days} days since 1970-01-01, outside the calendar"))?,
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A file with the table's schema whose every row has the given `date` (days since the epoch).
    fn file_with_dates(days: &[i32]) -> Vec<u8> {
        let n = days.len();
        let text = |v: &str| Column::Text(vec![v.to_string(); n]);
        let columns = vec![
            Column::Int32(days.to_vec()),
            text("508720451"),
            text("1"),
            text("2"),
            Column::Int64(vec![10; n]),
            Column::Int64(vec![1; n]),
            Column::Int64(vec![1; n]),
            Column::Int64(vec![1_000_000; n]),
            Column::Double(vec![0.0; n]),
            Column::Int64(vec![1; n]),
            Column::Int64(vec![0; n]),
            text("run"),
        ];
        parquet_table::write(SCHEMA, &columns).unwrap()
    }

    #[test]
    fn counts_past_int64_are_rejected_not_written_negative() {
        let mut r: AnalyticsRecord = serde_json::from_str(
            r#"{"pulled_at":"2026-11-23T06:00:00Z","run_id":"r","account_id":"1","campaign_id":"2","creative_id":"3",
            "date":"2026-11-22","impressions":9223372036854775808,"clicks":1,"landing_page_clicks":1,"cost_usd":"1",
            "cost_local":"1","conversions":0.0,"external_website_conversions":0.0,"post_click_conversions":0.0,
            "post_view_conversions":0.0,"one_click_leads":0.0,"total_engagements":1,"video_views":0,"approximate_member_reach":null}"#,
        )
        .unwrap();
        assert_eq!(
            reject_reason(&r).unwrap(),
            "impressions 9223372036854775808 is out of range (at most 9223372036854775807)"
        );
        r.impressions = i64::MAX as u64;
        assert_eq!(reject_reason(&r), None);
        assert_eq!(read(to_parquet(&[&r]).unwrap()).unwrap()[0].impressions, i64::MAX);
    }

    #[test]
    fn a_date_outside_the_calendar_is_an_error_not_a_panic() {
        // `epoch + TimeDelta::days(i32::MAX)` used to panic `optimize`, `performance` and `process`.
        for days in [i32::MAX, i32::MIN, 100_000_000, -100_000_000] {
            let err = read(file_with_dates(&[days])).unwrap_err();
            assert!(err.contains(&format!("column date holds {days} days")), "{err}");
        }
        let ok = read(file_with_dates(&[20_000])).unwrap();
        assert_eq!(ok[0].date.to_string(), "2024-10-04");
    }

    /// Property: every i32 day count reads as a date or an error, and arbitrary corruptions of a valid
    /// file (bytes flipped, truncated) read as rows or an error, never a panic.
    #[test]
    fn arbitrary_dates_and_corrupt_files_never_panic() {
        let mut rng = fastrand::Rng::with_seed(11);
        let days: Vec<i32> =
            (0..5_000).map(|i| if i % 2 == 0 { rng.i32(..) } else { rng.i32(-3_000_000..3_000_000) }).collect();
        for chunk in days.chunks(500) {
            match read(file_with_dates(chunk)) {
                Ok(rows) => assert_eq!(rows.len(), chunk.len()),
                Err(e) => assert!(e.contains("outside the calendar"), "{e}"),
            }
        }
        let good = file_with_dates(&[20_000, 20_001, 20_002]);
        for _ in 0..5_000 {
            let mut bytes = good.clone();
            match rng.u8(0..3) {
                0 => bytes.truncate(rng.usize(0..good.len())),
                1 => {
                    for _ in 0..rng.usize(1..8) {
                        let i = rng.usize(0..bytes.len());
                        bytes[i] = rng.u8(..);
                    }
                }
                _ => bytes = (0..rng.usize(0..256)).map(|_| rng.u8(..)).collect(),
            }
            let _ = read(bytes);
        }
    }
}
