//! Campaigns: search, get, and the partial updates the optimizer makes (bid, daily budget).

use serde::{Deserialize, Serialize};

use super::client::{Call, LinkedInClient};
use super::{ApiError, Patch};
use crate::ids::CampaignId;
use crate::money::Money;
use crate::restli::{Query, Value};

macro_rules! string_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(from = "String", into = "String")]
        pub enum $name {
            $($variant,)+
            /// A value this version of the code does not know; kept verbatim.
            Other(String),
        }

        impl $name {
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $text,)+
                    Self::Other(s) => s,
                }
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                match s.as_str() {
                    $($text => Self::$variant,)+
                    _ => Self::Other(s),
                }
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.as_str().to_string()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use string_enum;

string_enum!(
    /// A campaign's `status`.
    CampaignStatus {
        Active => "ACTIVE",
        Paused => "PAUSED",
        Archived => "ARCHIVED",
        Completed => "COMPLETED",
        Canceled => "CANCELED",
        Draft => "DRAFT",
        PendingDeletion => "PENDING_DELETION",
        Removed => "REMOVED",
    }
);

/// The fields of a campaign the system reads. Others are ignored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Campaign {
    pub id: CampaignId,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub campaign_group: Option<String>,
    pub status: CampaignStatus,
    /// CPM, CPC or CPV.
    #[serde(default)]
    pub cost_type: Option<String>,
    /// The bid.
    #[serde(default)]
    pub unit_cost: Option<Money>,
    #[serde(default)]
    pub daily_budget: Option<Money>,
    #[serde(default)]
    pub total_budget: Option<Money>,
    #[serde(default)]
    pub objective_type: Option<String>,
    #[serde(default)]
    pub optimization_target_type: Option<String>,
    /// OPTIMIZED or ROUND_ROBIN rotation of creatives.
    #[serde(default)]
    pub creative_selection: Option<String>,
    #[serde(default, rename = "type")]
    pub campaign_type: Option<String>,
}

/// Campaign search page size (LinkedIn allows up to 1000).
pub const CAMPAIGN_PAGE_SIZE: u32 = 500;

impl LinkedInClient {
    /// Every campaign of the account in one of `statuses`, following `pageToken` paging.
    pub async fn search_campaigns(&self, statuses: &[CampaignStatus]) -> Result<Vec<Campaign>, ApiError> {
        let search = Value::Record(vec![(
            "status",
            Value::Record(vec![("values", Value::List(statuses.iter().map(|s| Value::str(s.as_str())).collect()))]),
        )]);
        self.finder_all(&self.account_path("/adCampaigns"), || {
            Query::new()
                .raw("q", "search")
                .param("search", search.clone())
                .raw("pageSize", &CAMPAIGN_PAGE_SIZE.to_string())
        })
        .await
    }

    /// One campaign.
    pub async fn get_campaign(&self, id: CampaignId) -> Result<Campaign, ApiError> {
        self.json(Call::get(self.account_path(&format!("/adCampaigns/{}", id.0)), None)).await
    }

    /// Sets the campaign's bid (`unitCost`). The currency must be the account's.
    pub async fn set_campaign_bid(&self, id: CampaignId, bid: &Money) -> Result<Patch, ApiError> {
        let set = serde_json::json!({ "unitCost": bid });
        self.partial_update(self.account_path(&format!("/adCampaigns/{}", id.0)), set).await
    }

    /// Sets the campaign's daily budget.
    pub async fn set_campaign_daily_budget(&self, id: CampaignId, budget: &Money) -> Result<Patch, ApiError> {
        let set = serde_json::json!({ "dailyBudget": budget });
        self.partial_update(self.account_path(&format!("/adCampaigns/{}", id.0)), set).await
    }

    /// Rest.li PARTIAL_UPDATE: `POST` with `X-RestLi-Method: PARTIAL_UPDATE` and
    /// `{"patch":{"$set":{...}}}`; LinkedIn answers 204. A `$set` is idempotent, so it is retried.
    pub(crate) async fn partial_update(&self, path: String, set: serde_json::Value) -> Result<Patch, ApiError> {
        let body = serde_json::json!({ "patch": { "$set": set } });
        let call = Call {
            method: reqwest::Method::POST,
            path: path.clone(),
            query: None,
            json_body: Some(serde_json::to_vec(&body).expect("JSON value serialises")),
            restli_method: Some("PARTIAL_UPDATE"),
            idempotent: true,
        };
        self.execute(call).await?;
        Ok(Patch { path, set })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_linkedins_campaign_shape() {
        let c: Campaign = serde_json::from_str(
            r#"{"id":252074216,"name":"Brand awareness","account":"urn:li:sponsoredAccount:508720451",
            "campaignGroup":"urn:li:sponsoredCampaignGroup:616471656","status":"COMPLETED","type":"SPONSORED_UPDATES",
            "costType":"CPM","unitCost":{"currencyCode":"USD","amount":"49.85"},"dailyBudget":{"currencyCode":"USD","amount":"100"},
            "objectiveType":"BRAND_AWARENESS","creativeSelection":"OPTIMIZED","servingStatuses":["STOPPED"],
            "version":{"versionTag":"15"}}"#,
        )
        .unwrap();
        assert_eq!(c.id, CampaignId(252074216));
        assert_eq!(c.status, CampaignStatus::Completed);
        assert_eq!(c.unit_cost.unwrap().amount.to_string(), "49.85");
        assert_eq!(c.daily_budget.unwrap().amount.to_string(), "100");
        assert_eq!(c.campaign_type.as_deref(), Some("SPONSORED_UPDATES"));
    }

    #[test]
    fn unknown_statuses_are_kept() {
        let s: CampaignStatus = serde_json::from_str(r#""NEW_STATE""#).unwrap();
        assert_eq!(s, CampaignStatus::Other("NEW_STATE".into()));
        assert_eq!(serde_json::to_string(&CampaignStatus::PendingDeletion).unwrap(), r#""PENDING_DELETION""#);
    }
}
