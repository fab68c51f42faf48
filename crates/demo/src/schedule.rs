//! The production schedule, replayed in simulated time: what runs when in a day.

use chrono::{Datelike, NaiveDate, TimeDelta, Weekday};
use serde::Serialize;

/// A job of the pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Job {
    Collector,
    DataProcessor,
    Optimizer,
    CopyGenerator,
}

impl Job {
    pub fn name(self) -> &'static str {
        match self {
            Job::Collector => "collector",
            Job::DataProcessor => "data-processor",
            Job::Optimizer => "optimizer",
            Job::CopyGenerator => "copy-generator",
        }
    }
}

/// The jobs of one day in order, each with its start as an offset from midnight UTC. The data
/// processor runs just after the 06:00 pull, as EventBridge would start both at 06:00.
pub fn day_plan(day: NaiveDate) -> Vec<(TimeDelta, Job)> {
    let mut plan = vec![
        (TimeDelta::hours(0), Job::Collector),
        (TimeDelta::hours(6), Job::Collector),
        (TimeDelta::hours(6) + TimeDelta::minutes(30), Job::DataProcessor),
        (TimeDelta::hours(8), Job::Optimizer),
    ];
    if day.weekday() == Weekday::Mon {
        plan.push((TimeDelta::hours(9), Job::CopyGenerator));
    }
    plan.push((TimeDelta::hours(12), Job::Collector));
    plan.push((TimeDelta::hours(18), Job::Collector));
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn four_pulls_a_day_and_copy_only_on_mondays() {
        let monday = NaiveDate::from_ymd_opt(2026, 10, 5).unwrap();
        let plan = day_plan(monday);
        assert_eq!(plan.iter().filter(|(_, j)| *j == Job::Collector).count(), 4);
        assert!(plan.iter().any(|(_, j)| *j == Job::CopyGenerator));
        assert!(plan.windows(2).all(|w| w[0].0 <= w[1].0), "in time order");
        assert!(!day_plan(monday.succ_opt().unwrap()).iter().any(|(_, j)| *j == Job::CopyGenerator));
    }
}
