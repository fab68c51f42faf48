//! Fault injection: throttling (three kinds), server errors, slow answers and dropped connections.
//!
//! Each fault is decided from the seed, the request's identity (method, path, query or body) and how
//! many times that same request was seen, never from the order of unrelated requests, so a run with
//! concurrent calls is still reproducible. At most `max_consecutive` faults hit the same request in a
//! row: a client that retries gets through. A DAY-limit 429 is different: like LinkedIn's, it holds
//! for the resource until midnight UTC.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use serde_json::json;

use crate::http::{ApiError, Response};
use crate::sampling::rng_for;
use crate::scenario::{FaultParams, WriteFaultKind};

const STREAM_FAULTS: u64 = 0x6661756c; // "faul"

/// What the server does with a request.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// Close the connection without an answer.
    Drop,
    /// Answer this instead of the real response.
    Answer(Response),
}

#[derive(Debug, Clone)]
pub struct Faults {
    pub params: FaultParams,
    seed: u64,
    seen: HashMap<u64, u32>,
    consecutive: HashMap<u64, u32>,
    day_limited: BTreeMap<String, NaiveDate>,
    /// Writes seen since the write fault was set.
    writes: u32,
    /// API requests seen since the faults were set.
    requests: u32,
}

/// FNV-1a: a stable hash (std's hasher may change between Rust releases).
pub fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for p in parts {
        for b in *p {
            h ^= *b as u64;
            h = h.wrapping_mul(0x100000001b3);
        }
        h ^= 0xff;
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

impl Faults {
    pub fn new(params: FaultParams, seed: u64) -> Self {
        Self {
            params,
            seed,
            seen: HashMap::new(),
            consecutive: HashMap::new(),
            day_limited: BTreeMap::new(),
            writes: 0,
            requests: 0,
        }
    }

    /// New settings (the admin endpoint): the write count restarts with them.
    pub fn set(&mut self, params: FaultParams) {
        self.params = params;
        self.writes = 0;
        self.requests = 0;
    }

    /// Counts an API request and says whether it is the one [`FaultParams::hang_at_request`] names.
    pub fn hangs_here(&mut self) -> bool {
        self.requests = self.requests.saturating_add(1);
        self.params.hang_at_request == Some(self.requests)
    }

    /// Counts a write that is about to be applied and says what to do after applying it, if this is
    /// the write the [`crate::scenario::WriteFault`] names.
    pub fn after_write(&mut self) -> Option<WriteFaultKind> {
        self.writes = self.writes.saturating_add(1);
        self.params.write_fault.filter(|f| f.nth == self.writes).map(|f| f.kind)
    }

    /// Decides the fault for one request, or none. `resource` names the throttled resource
    /// (`adAnalytics`, `adCampaigns`, ...); `analytics` enables the data-volume kind.
    /// Returns the fault and, separately, a delay in milliseconds for a slow answer.
    pub fn decide(
        &mut self,
        identity: &[&[u8]],
        resource: &str,
        analytics: bool,
        today: NaiveDate,
    ) -> (Option<Fault>, u64) {
        let p = self.params.clone();
        if self.day_limited.get(resource).is_some_and(|d| *d == today) {
            return (Some(Fault::Answer(day_limit(resource))), 0);
        }
        let key = fnv1a(identity);
        let n = self.seen.entry(key).or_insert(0);
        let attempt = *n;
        *n += 1;
        let mut rng = rng_for(self.seed, &[key, attempt as u64, STREAM_FAULTS]);
        let slow = if rng.f64() < p.slow { p.slow_ms } else { 0 };
        let roll = rng.f64();
        let streak = self.consecutive.entry(key).or_insert(0);
        if *streak >= p.max_consecutive {
            *streak = 0;
            return (None, slow);
        }
        let mut edge = 0.0;
        let mut pick = |share: f64| {
            edge += share;
            roll < edge
        };
        let retry_after = |r: Response| match p.retry_after_seconds {
            Some(s) => r.with_header("retry-after", &s.to_string()),
            None => r,
        };
        let fault = if pick(p.drop) {
            Some(Fault::Drop)
        } else if pick(p.server_error) {
            let status = [500, 502, 503, 504][rng.usize(0..4)];
            let r = ApiError::new(status, "INTERNAL_SERVER_ERROR", "Internal Server Error").response();
            Some(Fault::Answer(if status == 503 { retry_after(r) } else { r }))
        } else if pick(p.throttle) {
            Some(Fault::Answer(retry_after(throttle(
                "Resource level throttle limit for calls to this resource is reached.",
            ))))
        } else if pick(if analytics { p.data_volume } else { 0.0 }) {
            Some(Fault::Answer(retry_after(throttle(
                "Data volume throttle: the request exceeds 45000000 metric values within 5 minutes; please retry later.",
            ))))
        } else if pick(p.daily_limit) {
            self.day_limited.insert(resource.to_string(), today);
            Some(Fault::Answer(day_limit(resource)))
        } else {
            None
        };
        match fault {
            Some(_) => *streak += 1,
            None => *streak = 0,
        }
        (fault, slow)
    }
}

fn throttle(message: &str) -> Response {
    Response::json(
        429,
        &json!({ "status": 429, "serviceErrorCode": 101, "code": "TOO_MANY_REQUESTS", "message": message }),
    )
}

fn day_limit(resource: &str) -> Response {
    throttle(&format!(
        "Resource level throttle APPLICATION_AND_MEMBER DAY limit for calls to this resource is reached. ({resource})"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 9, 7).unwrap()
    }

    #[test]
    fn no_faults_by_default() {
        let mut f = Faults::new(FaultParams::default(), 1);
        for i in 0..1000u32 {
            assert_eq!(f.decide(&[&i.to_le_bytes()], "adAnalytics", true, day()), (None, 0));
        }
    }

    #[test]
    fn shares_are_roughly_honoured_and_reproducible() {
        let params = FaultParams { throttle: 0.1, server_error: 0.1, max_consecutive: 100, ..FaultParams::default() };
        let run = || {
            let mut f = Faults::new(params.clone(), 9);
            (0..5000u32)
                .map(|i| {
                    f.decide(&[&i.to_le_bytes()], "adCampaigns", false, day()).0.map(|x| match x {
                        Fault::Answer(r) => r.status,
                        Fault::Drop => 0,
                    })
                })
                .collect::<Vec<_>>()
        };
        let a = run();
        assert_eq!(a, run(), "same seed, same faults");
        let throttled = a.iter().filter(|s| **s == Some(429)).count();
        let server = a.iter().filter(|s| matches!(s, Some(500..=504))).count();
        assert!((400..600).contains(&throttled), "{throttled}");
        assert!((400..600).contains(&server), "{server}");
    }

    #[test]
    fn a_retried_request_gets_through_after_max_consecutive() {
        let params = FaultParams { throttle: 1.0, max_consecutive: 2, ..FaultParams::default() };
        let mut f = Faults::new(params, 3);
        let statuses: Vec<bool> = (0..6).map(|_| f.decide(&[b"GET /x"], "x", false, day()).0.is_some()).collect();
        assert_eq!(statuses, [true, true, false, true, true, false]);
    }

    #[test]
    fn a_day_limit_holds_until_midnight() {
        let params = FaultParams { daily_limit: 1.0, ..FaultParams::default() };
        let mut f = Faults::new(params, 3);
        for i in 0..5u32 {
            let (fault, _) = f.decide(&[&i.to_le_bytes()], "adAnalytics", true, day());
            let Some(Fault::Answer(r)) = fault else { panic!("expected a 429") };
            assert_eq!(r.status, 429);
            assert!(String::from_utf8_lossy(&r.body).contains("DAY limit"));
        }
        f.params.daily_limit = 0.0;
        let next = day().succ_opt().unwrap();
        assert_eq!(f.decide(&[b"a"], "adAnalytics", true, next).0, None, "lifted at midnight UTC");
    }
}
