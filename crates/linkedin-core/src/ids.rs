//! Typed identifiers and the URNs LinkedIn wraps them in.
//!
//! Accounts, campaigns and creatives are numeric on LinkedIn's side. The API sometimes wants the bare
//! number (`/adAccounts/508720451/adCampaigns/252074216`), sometimes the URN
//! (`urn:li:sponsoredCreative:287513206`, always percent-encoded inside a path or a `List(...)`).
//! Keeping one newtype per entity makes it impossible to pass a campaign id where a creative is expected.
//! On disk the ids are written as decimal strings (`"252074216"`): Athena and pandas keep them exact.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An id that could not be read, with what was given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{given}' is not a {what}: expected a number or `{prefix}<number>`")]
pub struct IdParseError {
    what: &'static str,
    prefix: &'static str,
    given: String,
}

macro_rules! entity_id {
    ($(#[$doc:meta])* $name:ident, $what:literal, $urn_prefix:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub u64);

        impl $name {
            /// The URN prefix, e.g. `urn:li:sponsoredCampaign:`.
            pub const URN_PREFIX: &'static str = $urn_prefix;

            /// The full URN, e.g. `urn:li:sponsoredCampaign:123`.
            pub fn urn(self) -> String {
                format!("{}{}", Self::URN_PREFIX, self.0)
            }

            /// Reads a bare number or the URN form.
            pub fn parse(s: &str) -> Result<Self, IdParseError> {
                let s = s.trim();
                let digits = s.strip_prefix(Self::URN_PREFIX).unwrap_or(s);
                digits.parse::<u64>().map(Self).map_err(|_| IdParseError {
                    what: $what,
                    prefix: Self::URN_PREFIX,
                    given: s.to_string(),
                })
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }

        impl FromStr for $name {
            type Err = IdParseError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            /// Accepts a JSON number, a decimal string or the URN string.
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                #[derive(Deserialize)]
                #[serde(untagged)]
                enum Raw {
                    Num(u64),
                    Str(String),
                }
                match Raw::deserialize(d)? {
                    Raw::Num(n) => Ok(Self(n)),
                    Raw::Str(s) => Self::parse(&s).map_err(serde::de::Error::custom),
                }
            }
        }
    };
}

entity_id!(
    /// A LinkedIn ad account (`urn:li:sponsoredAccount:N`).
    AccountId, "ad account id", "urn:li:sponsoredAccount:"
);
entity_id!(
    /// A campaign (`urn:li:sponsoredCampaign:N`).
    CampaignId, "campaign id", "urn:li:sponsoredCampaign:"
);
entity_id!(
    /// A creative (`urn:li:sponsoredCreative:N`). The API's `id` field is the URN string.
    CreativeId, "creative id", "urn:li:sponsoredCreative:"
);

/// The post behind a Sponsored Content creative: `urn:li:share:N` or `urn:li:ugcPost:N`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PostUrn(pub String);

impl PostUrn {
    /// Whether this URN names something the Posts API serves.
    pub fn is_post(&self) -> bool {
        self.0.starts_with("urn:li:share:") || self.0.starts_with("urn:li:ugcPost:")
    }
}

impl fmt::Display for PostUrn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_numbers_and_urns() {
        assert_eq!(CampaignId::parse("123").unwrap(), CampaignId(123));
        assert_eq!(CampaignId::parse(" urn:li:sponsoredCampaign:77 ").unwrap(), CampaignId(77));
        assert_eq!(CreativeId(5).urn(), "urn:li:sponsoredCreative:5");
    }

    #[test]
    fn rejects_the_wrong_entity_with_a_clear_message() {
        let err = CampaignId::parse("urn:li:sponsoredCreative:5").unwrap_err();
        assert_eq!(
            err.to_string(),
            "'urn:li:sponsoredCreative:5' is not a campaign id: expected a number or `urn:li:sponsoredCampaign:<number>`"
        );
        assert!(AccountId::parse("").is_err());
        assert!(AccountId::parse("-1").is_err());
    }

    #[test]
    fn serde_reads_numbers_strings_and_urns_and_writes_strings() {
        let ids: Vec<CreativeId> = serde_json::from_str(r#"[1, "2", "urn:li:sponsoredCreative:3"]"#).unwrap();
        assert_eq!(ids, vec![CreativeId(1), CreativeId(2), CreativeId(3)]);
        assert_eq!(serde_json::to_string(&ids).unwrap(), r#"["1","2","3"]"#);
    }
}
