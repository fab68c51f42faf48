//! Who writes the copy: Claude (with a key) or the offline templates (the embedded default).

use async_trait::async_trait;

use crate::variation::{Brief, Variation};

/// What a generator returns, with what it cost.
#[derive(Debug, Clone, PartialEq)]
pub struct Generated {
    pub variations: Vec<Variation>,
    /// API calls made (0 offline).
    pub calls: u32,
    /// (input, output) tokens, when a model wrote them.
    pub usage: Option<(u64, u64)>,
    /// USD, when the model's price is known.
    pub cost_usd: Option<f64>,
    /// Whether a repair round-trip was needed.
    pub repaired: bool,
}

#[async_trait]
pub trait Generator: Send + Sync {
    /// Five valid variations, one per angle, or why not.
    async fn generate(&self, brief: &Brief) -> Result<Generated, String>;
    /// For the batch and the report: which generator (and model).
    fn describe(&self) -> String;
}

#[async_trait]
impl Generator for crate::claude::ClaudeClient {
    async fn generate(&self, brief: &Brief) -> Result<Generated, String> {
        let g = crate::claude::ClaudeClient::generate(self, brief).await.map_err(|e| e.to_string())?;
        Ok(Generated {
            variations: g.variations,
            calls: g.calls,
            usage: Some((g.usage.input_tokens, g.usage.output_tokens)),
            cost_usd: g.cost_usd,
            repaired: g.repaired,
        })
    }

    fn describe(&self) -> String {
        format!("Claude ({})", self.config().model)
    }
}
