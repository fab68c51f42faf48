//! Money as exact decimals.
//!
//! LinkedIn sends costs and budgets as JSON strings holding decimals with float noise
//! (`"99.99999999999996"`, `"107.5300000000000335346"`, `"-2E-18"`), and occasionally as numbers.
//! Floats would add their own error on top and drift when summed over a month, so every amount is a
//! [`Decimal`], read from a string or a number, exponent notation included.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A decimal that was not readable, with the text given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a decimal amount (expected e.g. \"12.34\", \"1e-3\" or 5)")]
pub struct DecimalParseError(pub String);

/// Parses `"12.34"`, `"-2E-18"`, `"1e3"`, `" 5 "`. Digits beyond the 28 that [`Decimal`] holds are
/// rounded (they are float noise), never an error.
pub fn parse_decimal(text: &str) -> Result<Decimal, DecimalParseError> {
    let t = text.trim();
    let err = || DecimalParseError(text.to_string());
    if t.is_empty() {
        return Err(err());
    }
    if t.contains(['e', 'E']) {
        return Decimal::from_scientific(t).map_err(|_| err());
    }
    Decimal::from_str_exact(t).or_else(|_| Decimal::from_str(t)).map_err(|_| err())
}

/// Serde adapter: reads a decimal from a string or a JSON number, writes it as a string.
pub mod decimal_str {
    use super::*;

    pub fn serialize<S: Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(d)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        d.deserialize_any(DecimalVisitor)
    }

    struct DecimalVisitor;

    impl Visitor<'_> for DecimalVisitor {
        type Value = Decimal;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a decimal as a string or a number")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Decimal, E> {
            parse_decimal(v).map_err(E::custom)
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Decimal, E> {
            Ok(Decimal::from(v))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Decimal, E> {
            Ok(Decimal::from(v))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Decimal, E> {
            if !v.is_finite() {
                return Err(E::custom(format!("{v} is not a finite amount")));
            }
            // The shortest text that round-trips the float is what the sender meant.
            parse_decimal(&v.to_string()).map_err(E::custom)
        }
    }
}

/// Like [`decimal_str`], for optional fields (`null` or absent reads as `None`).
pub mod decimal_str_opt {
    use super::*;

    pub fn serialize<S: Serializer>(d: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.collect_str(d),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
        #[derive(Deserialize)]
        struct Wrap(#[serde(with = "decimal_str")] Decimal);
        Ok(Option::<Wrap>::deserialize(d)?.map(|w| w.0))
    }
}

/// LinkedIn's money object: `{"amount": "49.85", "currencyCode": "USD"}` (bids and budgets).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    #[serde(with = "decimal_str")]
    pub amount: Decimal,
    #[serde(rename = "currencyCode")]
    pub currency_code: String,
}

impl Money {
    pub fn new(amount: Decimal, currency_code: impl Into<String>) -> Self {
        Self { amount, currency_code: currency_code.into() }
    }

    pub fn usd(amount: Decimal) -> Self {
        Self::new(amount, "USD")
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount, self.currency_code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[derive(Debug, Deserialize, Serialize)]
    struct Row {
        #[serde(with = "decimal_str")]
        cost: Decimal,
    }

    fn cost(json: &str) -> Decimal {
        serde_json::from_str::<Row>(json).unwrap().cost
    }

    #[test]
    fn reads_linkedin_cost_strings_exactly() {
        assert_eq!(cost(r#"{"cost":"209.449"}"#), dec("209.449"));
        assert_eq!(cost(r#"{"cost":"99.99999999999996"}"#), dec("99.99999999999996"));
        assert_eq!(cost(r#"{"cost":"107.5300000000000335346"}"#), dec("107.5300000000000335346"));
    }

    #[test]
    fn reads_exponent_notation_and_tiny_negatives() {
        assert_eq!(cost(r#"{"cost":"-2E-18"}"#), dec("-0.000000000000000002"));
        assert_eq!(cost(r#"{"cost":"-2e-18"}"#), dec("-0.000000000000000002"));
        assert_eq!(cost(r#"{"cost":"1.5E3"}"#), dec("1500"));
        assert_eq!(cost(r#"{"cost":-2e-18}"#), dec("-0.000000000000000002"));
    }

    #[test]
    fn reads_numbers() {
        assert_eq!(cost(r#"{"cost":10}"#), dec("10"));
        assert_eq!(cost(r#"{"cost":-3}"#), dec("-3"));
        assert_eq!(cost(r#"{"cost":10.25}"#), dec("10.25"));
    }

    #[test]
    fn rounds_float_noise_beyond_28_digits_instead_of_failing() {
        let d = parse_decimal("1.00000000000000000000000000000001").unwrap();
        assert_eq!(d, dec("1"));
    }

    #[test]
    fn rejects_garbage_with_the_text() {
        let err = serde_json::from_str::<Row>(r#"{"cost":"abc"}"#).unwrap_err().to_string();
        assert!(err.contains("'abc' is not a decimal amount"), "{err}");
        assert!(serde_json::from_str::<Row>(r#"{"cost":true}"#).is_err());
        assert!(serde_json::from_str::<Row>(r#"{"cost":""}"#).is_err());
    }

    #[test]
    fn writes_strings() {
        let s = serde_json::to_string(&Row { cost: dec("12.50") }).unwrap();
        assert_eq!(s, r#"{"cost":"12.50"}"#);
        let m = Money::usd(dec("5.00"));
        assert_eq!(serde_json::to_string(&m).unwrap(), r#"{"amount":"5.00","currencyCode":"USD"}"#);
    }
}
