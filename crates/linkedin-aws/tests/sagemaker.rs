//! The SageMaker endpoint predictor against moto's SageMaker runtime, whose answers are seeded
//! (moto serves them in order, and the same answer again to an identical request, so each call here
//! sends other rows; no endpoint needs to exist).

use linkedin_aws::sagemaker::EndpointPredictor;
use linkedin_core::model::{ModelKind, PredictError, Predictor};
use test_support::Moto;

fn seed(moto: &Moto, bodies: &[&str]) {
    let results: Vec<serde_json::Value> =
        bodies.iter().map(|b| serde_json::json!({"Body": b, "ContentType": "application/json"})).collect();
    moto.moto_api(
        "/moto-api/static/sagemaker/endpoint-results",
        &serde_json::json!({ "results": results }).to_string(),
    );
}

#[tokio::test]
async fn predictions_come_back_in_row_order_and_a_short_answer_is_an_error() {
    let moto = Moto::start();
    let p =
        EndpointPredictor::new(moto.sagemaker_runtime().await, "linkedin-ads-bid-optimizer", ModelKind::BidOptimizer);
    assert_eq!(p.describe(), "SageMaker endpoint linkedin-ads-bid-optimizer (bid_optimizer)");

    seed(&moto, &[r#"{"predictions": [41.5, 39.25]}"#]);
    let rows = vec![vec![5.0, 100.0], vec![6.0, 100.0]];
    assert_eq!(p.predict(&rows).await.unwrap(), Some(vec![41.5, 39.25]));

    // One prediction for two rows: refused, never spread over the wrong campaigns.
    seed(&moto, &[r#"{"predictions": [41.5]}"#]);
    let rows = vec![vec![5.5, 100.0], vec![6.5, 100.0]];
    let err = p.predict(&rows).await.unwrap_err();
    assert!(
        matches!(&err, PredictError::Endpoint { endpoint, message }
        if endpoint == "linkedin-ads-bid-optimizer" && message == "1 predictions for 2 rows"),
        "{err}"
    );

    seed(&moto, &[r#"{"message": "model failed"}"#]);
    let err = p.predict(&[vec![7.0, 1.0]]).await.unwrap_err().to_string();
    assert!(err.contains("'predictions'") && err.contains("model failed"), "{err}");
}

#[tokio::test]
async fn an_unreachable_endpoint_names_itself() {
    let moto = Moto::start();
    let client = moto.sagemaker_runtime().await;
    drop(moto);
    let p = EndpointPredictor::new(client, "scorer", ModelKind::CreativeScorer);
    let err = p.predict(&[vec![1.0]]).await.unwrap_err().to_string();
    assert!(err.starts_with("SageMaker endpoint scorer: "), "{err}");
}
