//! Run metrics in CloudWatch's Embedded Metric Format (EMF).
//!
//! A metric set is one JSON log line; in Lambda, CloudWatch Logs turns it into metrics with no API
//! call and no extra request cost (PutMetricData would cost per call, and moto cannot serve the Rust
//! CloudWatch client's protocol). Locally the same lines go to a file under `DATA_DIR/metrics/`.

use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

/// The CloudWatch namespace every job reports under (the Terraform alarms use it).
pub const NAMESPACE: &str = "LinkedInAds";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Count,
    None,
    Seconds,
}

impl Unit {
    fn as_str(self) -> &'static str {
        match self {
            Unit::Count => "Count",
            Unit::None => "None",
            Unit::Seconds => "Seconds",
        }
    }
}

/// Metrics of one run, with one dimension set (e.g. `Job=collector`).
#[derive(Debug, Clone)]
pub struct MetricSet {
    pub timestamp: DateTime<Utc>,
    pub dimensions: Vec<(String, String)>,
    pub values: Vec<(String, f64, Unit)>,
    /// Extra properties (not metrics) for log searches, e.g. the run id.
    pub properties: Vec<(String, Value)>,
}

impl MetricSet {
    pub fn new(timestamp: DateTime<Utc>, job: &str) -> Self {
        Self { timestamp, dimensions: vec![("Job".into(), job.into())], values: Vec::new(), properties: Vec::new() }
    }

    pub fn count(&mut self, name: &str, v: f64) -> &mut Self {
        self.values.push((name.into(), v, Unit::Count));
        self
    }

    pub fn value(&mut self, name: &str, v: f64, unit: Unit) -> &mut Self {
        self.values.push((name.into(), v, unit));
        self
    }

    pub fn property(&mut self, name: &str, v: impl Into<Value>) -> &mut Self {
        self.properties.push((name.into(), v.into()));
        self
    }

    /// The EMF document: `_aws` metadata plus one top-level member per dimension, metric and property.
    pub fn to_emf(&self) -> Value {
        let mut root = Map::new();
        let metrics: Vec<Value> = self.values.iter().map(|(n, _, u)| json!({"Name": n, "Unit": u.as_str()})).collect();
        let dims: Vec<&str> = self.dimensions.iter().map(|(k, _)| k.as_str()).collect();
        root.insert(
            "_aws".into(),
            json!({
                "Timestamp": self.timestamp.timestamp_millis(),
                "CloudWatchMetrics": [{"Namespace": NAMESPACE, "Dimensions": [dims], "Metrics": metrics}],
            }),
        );
        for (k, v) in &self.dimensions {
            root.insert(k.clone(), Value::String(v.clone()));
        }
        for (k, v) in &self.properties {
            root.insert(k.clone(), v.clone());
        }
        for (n, v, _) in &self.values {
            root.insert(n.clone(), json!(if v.is_finite() { *v } else { 0.0 }));
        }
        Value::Object(root)
    }
}

/// Where metric sets go.
pub trait MetricsSink: Send + Sync {
    fn emit(&self, set: &MetricSet);
}

/// Writes EMF lines to any writer: stdout in Lambda, a buffer in tests.
pub struct EmfWriter<W: Write + Send> {
    out: Mutex<W>,
}

impl<W: Write + Send> EmfWriter<W> {
    pub fn new(out: W) -> Self {
        Self { out: Mutex::new(out) }
    }
}

impl EmfWriter<std::io::Stdout> {
    /// The Lambda sink: stdout goes to CloudWatch Logs, which extracts the metrics.
    pub fn stdout() -> Self {
        Self::new(std::io::stdout())
    }
}

impl EmfWriter<std::io::Stderr> {
    /// For the CLI on S3: keeps stdout for the job's report.
    pub fn stderr() -> Self {
        Self::new(std::io::stderr())
    }
}

impl<W: Write + Send> MetricsSink for EmfWriter<W> {
    fn emit(&self, set: &MetricSet) {
        let line = set.to_emf().to_string();
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        // A metrics failure must not fail the job; it is logged.
        if let Err(e) = writeln!(out, "{line}").and_then(|_| out.flush()) {
            tracing::warn!(error = %e, "could not write metrics");
        }
    }
}

/// The local sink: appends EMF lines to `<dir>/<job>.jsonl`.
pub struct EmfFile {
    dir: PathBuf,
}

impl EmfFile {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }
}

impl MetricsSink for EmfFile {
    fn emit(&self, set: &MetricSet) {
        let job = set.dimensions.iter().find(|(k, _)| k == "Job").map(|(_, v)| v.as_str()).unwrap_or("job");
        let path = self.dir.join(format!("{job}.jsonl"));
        let res = std::fs::create_dir_all(&self.dir).and_then(|_| {
            let mut f = std::fs::OpenOptions::new().create(true).append(true).open(&path)?;
            writeln!(f, "{}", set.to_emf())
        });
        if let Err(e) = res {
            tracing::warn!(error = %e, path = %path.display(), "could not write metrics");
        }
    }
}

/// A shared in-memory buffer, for tests that parse what was emitted.
#[derive(Clone, Default)]
pub struct SharedBuffer(pub Arc<Mutex<Vec<u8>>>);

impl SharedBuffer {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl Write for SharedBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emits_a_valid_emf_document() {
        let buf = SharedBuffer::default();
        let sink = EmfWriter::new(buf.clone());
        let ts = DateTime::parse_from_rfc3339("2026-11-23T06:00:00Z").unwrap().with_timezone(&Utc);
        let mut set = MetricSet::new(ts, "collector");
        set.count("Impressions", 1200.0).count("Failures", 1.0).property("RunId", "r1");
        sink.emit(&set);
        let line = buf.text();
        assert_eq!(line.lines().count(), 1);
        let v: Value = serde_json::from_str(line.trim()).unwrap();
        assert_eq!(v["_aws"]["Timestamp"], 1795413600000i64);
        let cw = &v["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(cw["Namespace"], "LinkedInAds");
        assert_eq!(cw["Dimensions"], json!([["Job"]]));
        assert_eq!(cw["Metrics"][0], json!({"Name": "Impressions", "Unit": "Count"}));
        assert_eq!(v["Job"], "collector");
        assert_eq!(v["Impressions"], 1200.0);
        assert_eq!(v["Failures"], 1.0);
        assert_eq!(v["RunId"], "r1");
    }
}
