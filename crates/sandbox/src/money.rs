//! Money inside the sandbox: whole micro-units (1 USD = 1,000,000), so every sum is exact and the
//! costs the API reports add up to the ground truth to the last digit.

use std::fmt;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Deserializer};

/// An amount in micro-units of the account currency.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Micros(pub u64);

impl Micros {
    pub const PER_UNIT: u64 = 1_000_000;

    /// From LinkedIn's decimal text (`"7.50"`, `"100"`, `"1e2"`). Negative, non-numeric or more
    /// precise than a micro-unit is an error naming the text.
    pub fn parse(text: &str) -> Result<Self, String> {
        let d = linkedin_core::money::parse_decimal(text).map_err(|e| e.to_string())?;
        Self::from_decimal(d).ok_or_else(|| format!("'{text}' is not a non-negative amount with at most 6 decimals"))
    }

    pub fn from_decimal(d: Decimal) -> Option<Self> {
        if d.is_sign_negative() && !d.is_zero() {
            return None;
        }
        let scaled = d * Decimal::from(Self::PER_UNIT);
        if scaled.fract() != Decimal::ZERO {
            return None;
        }
        scaled.to_u64().map(Micros)
    }

    pub fn decimal(self) -> Decimal {
        Decimal::new(self.0 as i64, 6).normalize()
    }

    pub fn as_f64(self) -> f64 {
        self.0 as f64 / Self::PER_UNIT as f64
    }

    /// The nearest micro-unit to a float amount (never negative).
    pub fn from_f64(v: f64) -> Self {
        Micros((v.max(0.0) * Self::PER_UNIT as f64).round() as u64)
    }

    /// The amount as LinkedIn writes it in JSON: a decimal string without trailing zeros.
    pub fn api_string(self) -> String {
        self.decimal().to_string()
    }
}

impl fmt::Display for Micros {
    /// At least two decimals: `7.50`, `0.123456`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.decimal();
        if d.scale() < 2 { write!(f, "{:.2}", d) } else { write!(f, "{d}") }
    }
}

impl<'de> Deserialize<'de> for Micros {
    /// From a string (`"7.50"`) or a number (`7.5`).
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Text(String),
            Int(u64),
            Float(f64),
        }
        match Raw::deserialize(d)? {
            Raw::Text(t) => Micros::parse(&t).map_err(serde::de::Error::custom),
            Raw::Int(n) => Ok(Micros(n * Micros::PER_UNIT)),
            Raw::Float(v) => Micros::parse(&v.to_string()).map_err(serde::de::Error::custom),
        }
    }
}

impl serde::Serialize for Micros {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.api_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_exactly() {
        assert_eq!(Micros::parse("7.50").unwrap(), Micros(7_500_000));
        assert_eq!(Micros::parse("1e2").unwrap(), Micros(100_000_000));
        assert_eq!(Micros(7_500_000).api_string(), "7.5");
        assert_eq!(Micros(100_000_000).to_string(), "100.00");
        assert_eq!(Micros(123_456).to_string(), "0.123456");
        assert!(Micros::parse("-1").is_err());
        assert!(Micros::parse("0.0000001").is_err());
        assert!(Micros::parse("abc").is_err());
    }
}
