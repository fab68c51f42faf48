//! Lambda glue shared by the four functions: the scheduled event, the run clock, the result.

use aws_lambda_events::eventbridge::EventBridgeEvent;
use chrono::NaiveDate;
use linkedin_core::RunClock;
use serde_json::Value;

/// What EventBridge sends on a schedule.
pub type ScheduledEvent = lambda_runtime::LambdaEvent<EventBridgeEvent<Value>>;

/// The run's clock: the schedule's time, or `detail.as_of` (`YYYY-MM-DD`) for a manual backfill. Either
/// must be within [`linkedin_core::RUN_DATE_RANGE`]: an event's `time` of chrono's last year used to
/// pass unchecked into the jobs' date arithmetic, and panic there.
pub fn run_clock(event: &EventBridgeEvent<Value>) -> Result<RunClock, lambda_runtime::Error> {
    let now = chrono::Utc::now();
    match event.detail.get("as_of") {
        None | Some(Value::Null) => {
            let as_of = event.time.unwrap_or(now).date_naive();
            if !linkedin_core::in_run_range(as_of) {
                let (first, last) = linkedin_core::RUN_DATE_RANGE;
                return Err(format!(
                    "the event's time {as_of} is out of range: expected a date from {first} to {last}"
                )
                .into());
            }
            Ok(RunClock { as_of, now })
        }
        Some(Value::String(s)) => {
            let as_of: NaiveDate = linkedin_core::parse_run_date(s).map_err(|e| format!("detail.as_of = {e}"))?;
            Ok(RunClock { as_of, now })
        }
        Some(other) => Err(format!("detail.as_of = {other} is not a date string: expected \"YYYY-MM-DD\"").into()),
    }
}

/// The Lambda's result: the report when the run succeeded, else an error carrying the summary (so
/// EventBridge retries and the error alarm fires; the full report is in the logs and the store).
pub fn finish<T>(succeeded: bool, summary: String, report: T) -> Result<T, lambda_runtime::Error> {
    if succeeded { Ok(report) } else { Err(summary.into()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(detail: Value) -> EventBridgeEvent<Value> {
        serde_json::from_value(serde_json::json!({
            "version": "0", "id": "e1", "detail-type": "Scheduled Event", "source": "aws.events",
            "account": "123456789012", "time": "2026-11-23T06:00:00Z", "region": "us-east-1",
            "resources": ["arn:aws:events:us-east-1:123456789012:rule/collector"], "detail": detail
        }))
        .unwrap()
    }

    #[test]
    fn the_schedule_time_is_the_run_day_unless_detail_overrides_it() {
        assert_eq!(run_clock(&event(serde_json::json!({}))).unwrap().as_of.to_string(), "2026-11-23");
        assert_eq!(
            run_clock(&event(serde_json::json!({"as_of": "2026-10-01"}))).unwrap().as_of.to_string(),
            "2026-10-01"
        );
        let err = run_clock(&event(serde_json::json!({"as_of": "yesterday"}))).unwrap_err().to_string();
        assert!(err.contains("detail.as_of = 'yesterday' is not a date"), "{err}");
        let err = run_clock(&event(serde_json::json!({"as_of": "+262142-12-31"}))).unwrap_err().to_string();
        assert!(err.contains("detail.as_of = '+262142-12-31' is out of range"), "{err}");
    }

    #[test]
    fn an_event_time_outside_the_run_range_is_an_error() {
        for time in ["+262142-12-31T23:59:59Z", "-262143-01-01T00:00:00Z", "1969-12-31T23:59:59Z"] {
            let mut e = event(serde_json::json!({}));
            e.time = Some(time.parse().unwrap());
            let err = run_clock(&e).unwrap_err().to_string();
            assert!(err.contains("out of range: expected a date from 1970-01-01 to 9999-12-31"), "{time}: {err}");
        }
    }
}
