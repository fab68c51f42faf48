//! ML training sets, each written as CSV, Parquet and a `features.json` manifest.
//!
//! * [`creative_scorer`]: one row per creative, copy features and weighted CTR;
//! * [`bid_optimizer`]: one row per campaign and day, the bid in force and what was known before the
//!   day, with the day's outcome as the target.
//!
//! Both are built from one pass of the local performance source over every processed partition
//! ([`history`]): memory follows the number of creatives and campaign-days, not the rows.

pub mod bid_optimizer;
pub mod creative_scorer;

use linkedin_core::store::ObjectStore;
use serde::Serialize;

use crate::parquet_table::{self, Column};

pub use bid_optimizer::{BID_OPTIMIZER_PREFIX, BidTrainingReport, write_bid_optimizer};
pub use creative_scorer::{CREATIVE_SCORER_PREFIX, TrainingReport, write_creative_scorer};

/// The manifest written as `features.json`: the features, then what else is in the file and which
/// column is the target.
#[derive(Debug, Clone, Serialize)]
pub struct TrainingManifest<F: Serialize> {
    #[serde(flatten)]
    pub features: F,
    pub id_columns: Vec<&'static str>,
    pub target: &'static str,
    /// The column to weight rows by, if any.
    pub weight: Option<&'static str>,
    pub other_columns: Vec<&'static str>,
    pub rows: usize,
    /// What the target means, for whoever trains on it.
    pub target_definition: &'static str,
}

/// Named columns of equal length, written to CSV and Parquet with the same names and order.
#[derive(Debug, Default)]
pub struct Table {
    names: Vec<String>,
    columns: Vec<Column>,
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() }
}

impl Table {
    pub fn push(&mut self, name: &str, column: Column) {
        self.names.push(name.to_string());
        self.columns.push(column);
    }

    pub fn rows(&self) -> usize {
        self.columns.first().map(Column::len).unwrap_or(0)
    }

    pub fn names(&self) -> &[String] {
        &self.names
    }

    pub fn csv(&self) -> String {
        let mut out = self.names.join(",") + "\n";
        for i in 0..self.rows() {
            let cells: Vec<String> = self
                .columns
                .iter()
                .map(|c| match c {
                    Column::Int32(v) => v[i].to_string(),
                    Column::Int64(v) => v[i].to_string(),
                    Column::Double(v) => v[i].to_string(),
                    Column::Text(v) => csv_field(&v[i]),
                })
                .collect();
            out.push_str(&cells.join(","));
            out.push('\n');
        }
        out
    }

    pub fn parquet(&self, message: &str) -> Result<Vec<u8>, parquet::errors::ParquetError> {
        let mut schema = format!("message {message} {{\n");
        for (name, c) in self.names.iter().zip(&self.columns) {
            let ty = match c {
                Column::Int32(_) => "INT32",
                Column::Int64(_) => "INT64",
                Column::Double(_) => "DOUBLE",
                Column::Text(_) => "BYTE_ARRAY",
            };
            let annotation = if matches!(c, Column::Text(_)) { " (UTF8)" } else { "" };
            schema.push_str(&format!("  REQUIRED {ty} {name}{annotation};\n"));
        }
        schema.push('}');
        parquet_table::write(&schema, &self.columns)
    }
}

/// Writes `<prefix>/<stem>.csv`, `<stem>.parquet` and `features.json`; returns the keys.
pub async fn write_set<F: Serialize>(
    store: &dyn ObjectStore,
    prefix: &str,
    stem: &str,
    table: &Table,
    manifest: &TrainingManifest<F>,
) -> Result<Vec<String>, String> {
    let parquet = table.parquet(stem).map_err(|e| format!("writing Parquet: {e}"))?;
    let mut keys = Vec::new();
    for (name, bytes, ct) in [
        (format!("{stem}.csv"), table.csv().into_bytes(), "text/csv"),
        (format!("{stem}.parquet"), parquet, "application/vnd.apache.parquet"),
        ("features.json".to_string(), serde_json::to_vec_pretty(manifest).expect("serialises"), "application/json"),
    ] {
        let key = format!("{prefix}/{name}");
        store.put(&key, bytes, ct).await.map_err(|e| e.to_string())?;
        keys.push(key);
    }
    Ok(keys)
}

/// The days that have a processed partition, oldest first.
async fn processed_days(store: &dyn ObjectStore) -> Result<Vec<chrono::NaiveDate>, String> {
    let mut days: Vec<_> = store
        .list(&format!("{}/", crate::performance::CREATIVE_DAILY))
        .await
        .map_err(|e| e.to_string())?
        .iter()
        .filter_map(|m| linkedin_core::layout::partition_date(&m.key))
        .collect();
    days.dedup();
    Ok(days)
}

/// Per-creative totals and campaign-days over the whole processed history, in one pass; unreadable
/// partitions are skipped and added to `problems`.
pub async fn history(
    store: std::sync::Arc<dyn ObjectStore>,
    problems: &mut Vec<String>,
) -> Result<linkedin_core::performance::PerformanceData, String> {
    use linkedin_core::performance::{DateWindow, PerformanceSource};
    let days = processed_days(store.as_ref()).await?;
    let (Some(first), Some(last)) = (days.first(), days.last()) else { return Ok(Default::default()) };
    let window = DateWindow::new(*first, *last).map_err(|e| e.to_string())?;
    let source = crate::performance::LocalPerformance::lenient(store);
    let data = source.load(window).await.map_err(|e| e.to_string())?;
    problems.extend(source.skipped());
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_and_parquet_carry_the_same_columns_and_quote_text() {
        let mut t = Table::default();
        t.push("id", Column::Text(vec!["a,b".into(), "say \"hi\"".into()]));
        t.push("n", Column::Int64(vec![1, 2]));
        t.push("x", Column::Double(vec![0.5, 1e-7]));
        assert_eq!(t.csv(), "id,n,x\n\"a,b\",1,0.5\n\"say \"\"hi\"\"\",2,0.0000001\n");
        let bytes = t.parquet("t").unwrap();
        use parquet::file::reader::{FileReader, SerializedFileReader};
        let r = SerializedFileReader::new(bytes::Bytes::from(bytes)).unwrap();
        let names: Vec<_> =
            r.metadata().file_metadata().schema_descr().columns().iter().map(|c| c.name().to_string()).collect();
        assert_eq!(names, ["id", "n", "x"]);
        assert_eq!(r.metadata().file_metadata().num_rows(), 2);
    }
}
