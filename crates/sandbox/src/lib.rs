//! A local LinkedIn Marketing API over a simulated ad market.
//!
//! Three jobs: the embedded default that `make demo` runs on (nobody can try the pipeline otherwise
//! without an ad account, API approval and real money), the server the end-to-end tests talk to, and
//! the bench where a decision policy is judged against the oracle before it touches a real budget.
//!
//! * [`scenario`]: the TOML files describing an account, its campaigns and creatives, the market, faults;
//! * [`generator`]: a family of markets drawn from documented ranges, for the policies bench;
//! * [`market`]: the hour-by-hour delivery model; [`latent`]: each creative's hidden CTR and CVR; [`sampling`]: the seeded draws;
//! * [`api`], [`reporting`], [`oauth`]: the REST surface, as strict as LinkedIn's;
//! * [`faults`]: seeded throttling, errors, slowness and dropped connections, and the aimed crash-test faults;
//! * [`counterfactual`], [`ground_truth`]: counterfactual runs (no optimization, the oracle) and what really happened;
//! * [`service`], [`server`]: request handling and the hyper server.
//!
//! Not here: any job of the pipeline. The sandbox only answers HTTP, like LinkedIn.

pub mod api;
pub mod counterfactual;
pub mod faults;
pub mod generator;
pub mod ground_truth;
pub mod http;
pub mod latent;
pub mod market;
pub mod money;
pub mod oauth;
pub mod reporting;
pub mod restli;
pub mod sampling;
pub mod scenario;
pub mod server;
pub mod service;

pub use ground_truth::GroundTruth;
pub use scenario::Scenario;
pub use server::SandboxServer;
