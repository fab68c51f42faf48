//! [`EndpointPredictor`]: a [`Predictor`] backed by a SageMaker endpoint (`InvokeEndpoint`) serving
//! `sagemaker/inference.py`, for those who prefer an endpoint to the native model.
//!
//! Rows go out as headerless CSV (`text/csv`, the container's cheapest parse), in chunks well under
//! the 6 MB payload limit; the answer is `{"predictions": [...]}` (inference.py's `output_fn`), a bare
//! JSON array, or one number per line. A wrong count or a non-number is an error: a silent mismatch
//! would give one campaign's prediction to another.

use async_trait::async_trait;
use aws_sdk_sagemakerruntime::Client;
use aws_sdk_sagemakerruntime::primitives::Blob;
use linkedin_core::model::{ModelKind, PredictError, Predictor};

/// Rows per InvokeEndpoint call (30 features × 20 chars × 2000 rows ≈ 1.2 MB).
const CHUNK_ROWS: usize = 2000;

pub struct EndpointPredictor {
    client: Client,
    endpoint: String,
    kind: ModelKind,
}

impl EndpointPredictor {
    pub fn new(client: Client, endpoint: impl Into<String>, kind: ModelKind) -> Self {
        Self { client, endpoint: endpoint.into(), kind }
    }

    fn error(&self, message: impl Into<String>) -> PredictError {
        PredictError::Endpoint { endpoint: self.endpoint.clone(), message: message.into() }
    }
}

/// The CSV body: one row per line, `{}` formatting (shortest round-trip), no header.
pub fn csv_body(rows: &[Vec<f64>]) -> String {
    let mut out = String::new();
    for row in rows {
        let line: Vec<String> = row.iter().map(|v| format!("{v}")).collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}

/// Parses the three answer shapes the container may give.
pub fn parse_predictions(body: &[u8]) -> Result<Vec<f64>, String> {
    let text = std::str::from_utf8(body).map_err(|_| "the answer is not UTF-8".to_string())?;
    let numbers = |values: &[serde_json::Value]| -> Result<Vec<f64>, String> {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| {
                // A one-element list per row is also common.
                let v = v.as_array().and_then(|a| a.first()).unwrap_or(v);
                v.as_f64()
                    .filter(|x| x.is_finite())
                    .ok_or_else(|| format!("prediction {i} is not a finite number: {v}"))
            })
            .collect()
    };
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(o)) => match o.get("predictions") {
            Some(serde_json::Value::Array(a)) => numbers(a),
            _ => Err(format!("a JSON object without a 'predictions' list: {}", truncate(text))),
        },
        Ok(serde_json::Value::Array(a)) => numbers(&a),
        _ => text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .enumerate()
            .map(|(i, l)| {
                l.trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite())
                    .ok_or_else(|| format!("line {} is not a number: {}", i + 1, truncate(l)))
            })
            .collect(),
    }
}

fn truncate(s: &str) -> String {
    s.chars().take(200).collect()
}

#[async_trait]
impl Predictor for EndpointPredictor {
    async fn predict(&self, rows: &[Vec<f64>]) -> Result<Option<Vec<f64>>, PredictError> {
        let mut out = Vec::with_capacity(rows.len());
        for chunk in rows.chunks(CHUNK_ROWS) {
            let answer = self
                .client
                .invoke_endpoint()
                .endpoint_name(&self.endpoint)
                .content_type("text/csv")
                .accept("application/json")
                .body(Blob::new(csv_body(chunk)))
                .send()
                .await
                .map_err(|e| {
                    let service = e.as_service_error().map(|s| {
                        format!("{}: {}", s.meta().code().unwrap_or("error"), s.meta().message().unwrap_or(""))
                    });
                    self.error(service.unwrap_or_else(|| crate::error_chain(&e)))
                })?;
            let body = answer.body().map(|b| b.as_ref()).unwrap_or_default();
            let predictions = parse_predictions(body).map_err(|m| self.error(m))?;
            if predictions.len() != chunk.len() {
                return Err(self.error(format!("{} predictions for {} rows", predictions.len(), chunk.len())));
            }
            out.extend(predictions);
        }
        Ok(Some(out))
    }

    fn describe(&self) -> String {
        format!("SageMaker endpoint {} ({})", self.endpoint, self.kind.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_answer_shapes_parse_and_junk_is_named() {
        assert_eq!(parse_predictions(br#"{"predictions": [1.5, 2]}"#).unwrap(), vec![1.5, 2.0]);
        assert_eq!(parse_predictions(b"[[0.01], [0.02]]").unwrap(), vec![0.01, 0.02]);
        assert_eq!(parse_predictions(b"3\n4.25\n").unwrap(), vec![3.0, 4.25]);
        assert!(parse_predictions(br#"{"error": "boom"}"#).unwrap_err().contains("'predictions'"));
        assert!(parse_predictions(br#"[1, "x"]"#).unwrap_err().contains("prediction 1"));
        assert!(parse_predictions(b"1\nNaN\n").unwrap_err().contains("line 2"));
        assert_eq!(csv_body(&[vec![1.0, 0.5], vec![2.0, 1e-7]]), "1,0.5\n2,0.0000001\n");
    }
}
