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
    let bytes = bytes::Bytes::from(bytes);
    let reader = SerializedFileReader::new(bytes.clone()).map_err(|e| format!("not Parquet: {e}"))?;
    page_sizes::check(&bytes, reader.metadata())?;
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

    /// Zigzag varint, the compact protocol's i32.
    fn zigzag(v: i64) -> Vec<u8> {
        let mut z = ((v << 1) ^ (v >> 63)) as u64;
        let mut out = Vec::new();
        loop {
            let b = (z & 0x7f) as u8;
            z >>= 7;
            if z == 0 {
                out.push(b);
                return out;
            }
            out.push(b | 0x80);
        }
    }

    /// A page header that claims 2 GiB uncompressed (as a mutated partition did, which made the
    /// parquet crate allocate and zero 2 GiB before failing) is refused by name before any page is
    /// decoded; the table's own files pass.
    #[test]
    fn a_page_claiming_more_than_its_bytes_can_hold_is_refused_before_it_is_decoded() {
        use parquet::file::reader::{FileReader, SerializedFileReader};
        let file = file_with_dates(&[20_000, 20_001]);
        assert_eq!(read(file.clone()).unwrap().len(), 2);
        let meta = SerializedFileReader::new(bytes::Bytes::from(file.clone())).unwrap().metadata().clone();
        let chunk = &meta.row_groups()[0].columns()[0];
        let start = chunk.dictionary_page_offset().unwrap_or(chunk.data_page_offset()) as usize;
        let page_sizes::Sizes { uncompressed, compressed, len, values } =
            page_sizes::header_sizes(&file[start..]).expect("a header");
        assert_eq!(values, 2, "two rows, two values");
        assert!(uncompressed > 0 && compressed > 0 && len > 4, "{uncompressed} {compressed} {len}");
        // The same header with field 2 (uncompressed_page_size) set to 2^31 - 1.
        let header = &file[start..start + len];
        let at = header.iter().position(|b| *b == 0x15).unwrap() + 1; // field 1, type
        let after_type = at + 1; // the page type: a one-byte varint
        assert_eq!(header[after_type], 0x15, "field 2 follows as an i32");
        let old_len = zigzag(uncompressed).len();
        let mut forged = file[..start + after_type + 1].to_vec();
        forged.extend(zigzag(i32::MAX as i64));
        forged.extend(&file[start + after_type + 1 + old_len..]);
        let err = read(forged).unwrap_err();
        assert!(err.contains("claims 2147483647 bytes") && err.contains("not a page this project writes"), "{err}");
        // A truncated or endless header is unreadable, not a panic nor a long loop.
        assert!(page_sizes::header_sizes(&[0x15]).is_none());
        assert!(page_sizes::header_sizes(&[0x1c; 64]).is_none(), "nested structs past the depth bound");
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

/// The page headers' sizes, checked before the parquet crate decodes a page: it allocates each
/// page's claimed uncompressed size up front, so one mutated header in a 4 KB file made it zero 2 GiB
/// (more than the Lambdas' memory) before it failed. A page this project writes is Snappy-compressed
/// (at most about 21:1) and small; a header that claims more is a broken file, refused by name.
mod page_sizes {
    use parquet::file::metadata::ParquetMetaData;

    /// The most a page may claim uncompressed: far above any page `creative_daily` writes.
    const MAX_PAGE: i64 = 64 << 20;
    /// The most rows (or a page's values) a partition may hold: one row per creative and day, so a
    /// million is hundreds of times any account's.
    const MAX_ROWS: i64 = 1_000_000;
    /// Snappy's best ratio is about 21:1 (a 64-byte copy in 3 bytes); with room to spare.
    const MAX_RATIO: i64 = 32;

    pub fn check(file: &[u8], meta: &ParquetMetaData) -> Result<(), String> {
        for (g, group) in meta.row_groups().iter().enumerate() {
            // The decoder sizes its buffers by the row count too.
            if !(0..=MAX_ROWS).contains(&group.num_rows()) {
                return Err(format!("row group {g} claims {} rows (at most {MAX_ROWS})", group.num_rows()));
            }
            for (c, chunk) in group.columns().iter().enumerate() {
                let start = chunk.dictionary_page_offset().unwrap_or(chunk.data_page_offset());
                let end = start.checked_add(chunk.compressed_size()).filter(|e| *e >= start);
                let (Ok(start), Some(Ok(end))) = (usize::try_from(start), end.map(usize::try_from)) else {
                    return Err(format!("row group {g} column {c}: its byte range is not in the file"));
                };
                if end > file.len() {
                    return Err(format!(
                        "row group {g} column {c}: it ends at byte {end}, past the file's {}",
                        file.len()
                    ));
                }
                let mut pos = start;
                while pos < end {
                    let Sizes { uncompressed, compressed, values, len } = header_sizes(&file[pos..end])
                        .ok_or_else(|| format!("row group {g} column {c}: an unreadable page header at byte {pos}"))?;
                    if compressed < 0
                        || !(0..=MAX_PAGE).contains(&uncompressed)
                        || uncompressed > compressed.saturating_mul(MAX_RATIO).saturating_add(64)
                    {
                        return Err(format!(
                            "row group {g} column {c}: the page at byte {pos} claims {uncompressed} bytes from {compressed} compressed: not a page this project writes"
                        ));
                    }
                    if !(0..=MAX_ROWS).contains(&values) {
                        return Err(format!(
                            "row group {g} column {c}: the page at byte {pos} claims {values} values (at most {MAX_ROWS})"
                        ));
                    }
                    pos = pos.saturating_add(len).saturating_add(compressed as usize);
                }
            }
        }
        Ok(())
    }

    /// Reads a Thrift compact-protocol `PageHeader` far enough to know its sizes: uncompressed_page_size
    /// (field 2), compressed_page_size (field 3), the sub-header's value count, the header's length.
    /// `None`: not a header.
    pub fn header_sizes(b: &[u8]) -> Option<Sizes> {
        let mut r = Reader { b, pos: 0, depth: 0 };
        let (mut uncompressed, mut compressed, mut values) = (None, None, 0i64);
        let mut last = 0i16;
        loop {
            let byte = r.byte()?;
            let ty = byte & 0x0f;
            if ty == 0 {
                break; // STOP
            }
            let delta = (byte >> 4) as i16;
            let id = if delta == 0 { r.zigzag()? as i16 } else { last.checked_add(delta)? };
            last = id;
            match (id, ty) {
                (2, 5) => uncompressed = Some(r.zigzag()?),
                (3, 5) => compressed = Some(r.zigzag()?),
                // The data (v1, v2) and dictionary page headers: field 1 is the page's value count,
                // which the decoder also sizes buffers by.
                (5 | 7 | 8, 12) => values = values.max(r.num_values()?),
                _ => r.skip(ty)?,
            }
        }
        Some(Sizes { uncompressed: uncompressed?, compressed: compressed?, values, len: r.pos })
    }

    /// What a page header says about its size.
    #[derive(Debug)]
    pub struct Sizes {
        pub uncompressed: i64,
        pub compressed: i64,
        /// Values in the page (0 when no sub-header said).
        pub values: i64,
        /// The header's own length in bytes.
        pub len: usize,
    }

    struct Reader<'a> {
        b: &'a [u8],
        pos: usize,
        depth: u32,
    }

    impl Reader<'_> {
        fn byte(&mut self) -> Option<u8> {
            let v = *self.b.get(self.pos)?;
            self.pos += 1;
            Some(v)
        }

        fn varint(&mut self) -> Option<u64> {
            let mut v = 0u64;
            for shift in (0..70).step_by(7) {
                let byte = self.byte()?;
                v |= u64::from(byte & 0x7f).checked_shl(shift)?;
                if byte & 0x80 == 0 {
                    return Some(v);
                }
            }
            None
        }

        fn zigzag(&mut self) -> Option<i64> {
            let v = self.varint()?;
            Some((v >> 1) as i64 ^ -((v & 1) as i64))
        }

        fn advance(&mut self, n: u64) -> Option<()> {
            let end = self.pos.checked_add(usize::try_from(n).ok()?)?;
            (end <= self.b.len()).then(|| self.pos = end)
        }

        /// A page sub-header's field 1 (`num_values`, i32), the rest skipped.
        fn num_values(&mut self) -> Option<i64> {
            let (mut last, mut n) = (0i16, 0i64);
            loop {
                let byte = self.byte()?;
                let t = byte & 0x0f;
                if t == 0 {
                    return Some(n);
                }
                let delta = (byte >> 4) as i16;
                last = if delta == 0 { self.zigzag()? as i16 } else { last.checked_add(delta)? };
                if (last, t) == (1, 5) {
                    n = self.zigzag()?;
                } else {
                    self.skip(t)?;
                }
            }
        }

        /// A collection element: a boolean is a whole byte there (not folded into a type nibble).
        fn element(&mut self, ty: u8) -> Option<()> {
            if matches!(ty, 1 | 2) { self.advance(1) } else { self.skip(ty) }
        }

        /// Every collection element takes at least a byte: a count larger than what is left is a lie
        /// (and would otherwise loop for as long as it claims).
        fn room_for(&self, n: u64) -> Option<()> {
            (n <= (self.b.len() - self.pos) as u64).then_some(())
        }

        /// Skips one value of compact type `ty`; nesting is bounded, so a hostile header cannot recurse deep.
        fn skip(&mut self, ty: u8) -> Option<()> {
            self.depth += 1;
            if self.depth > 32 {
                return None;
            }
            let out = match ty {
                1 | 2 => Some(()),                  // booleans live in the type nibble
                3 => self.advance(1),               // byte
                4..=6 => self.varint().map(|_| ()), // i16, i32, i64
                7 => self.advance(8),               // double
                8 => {
                    let n = self.varint()?;
                    self.advance(n)
                }
                9 | 10 => {
                    let head = self.byte()?;
                    let n = match head >> 4 {
                        15 => self.varint()?,
                        n => u64::from(n),
                    };
                    let elem = head & 0x0f;
                    self.room_for(n)?;
                    (0..n).try_for_each(|_| self.element(elem))
                }
                11 => {
                    let n = self.varint()?;
                    if n == 0 {
                        Some(())
                    } else {
                        let kv = self.byte()?;
                        self.room_for(n.saturating_mul(2))?;
                        (0..n).try_for_each(|_| {
                            self.element(kv >> 4)?;
                            self.element(kv & 0x0f)
                        })
                    }
                }
                12 => {
                    let mut last = 0i16;
                    loop {
                        let byte = self.byte()?;
                        let t = byte & 0x0f;
                        if t == 0 {
                            break Some(());
                        }
                        let delta = (byte >> 4) as i16;
                        last = if delta == 0 { self.zigzag()? as i16 } else { last.checked_add(delta)? };
                        self.skip(t)?;
                    }
                }
                _ => None,
            };
            self.depth -= 1;
            out
        }
    }
}
