//! Creatives: the finder by campaign, get, and the status update the optimizer makes.

use serde::{Deserialize, Serialize};

use super::analytics::MAX_FACET_URNS;
use super::campaigns::string_enum;
use super::client::{Call, LinkedInClient};
use super::{ApiError, Patch};
use crate::ids::{CampaignId, CreativeId, PostUrn};
use crate::restli::{Query, Value, encode_leaf};

string_enum!(
    /// A creative's `intendedStatus` (what the advertiser asked for; serving can still be held).
    CreativeStatus {
        Active => "ACTIVE",
        Paused => "PAUSED",
        Draft => "DRAFT",
        Archived => "ARCHIVED",
        Canceled => "CANCELED",
        PendingDeletion => "PENDING_DELETION",
        Removed => "REMOVED",
    }
);

/// The fields of a creative the system reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Creative {
    /// `urn:li:sponsoredCreative:N` on the wire.
    pub id: CreativeId,
    pub campaign: CampaignId,
    #[serde(default)]
    pub name: Option<String>,
    pub intended_status: CreativeStatus,
    #[serde(default)]
    pub is_serving: Option<bool>,
    #[serde(default)]
    pub serving_hold_reasons: Vec<String>,
    #[serde(default)]
    pub review: Option<Review>,
    #[serde(default)]
    pub content: Option<CreativeContent>,
    #[serde(default)]
    pub created_at: Option<i64>,
    #[serde(default)]
    pub last_modified_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Review {
    #[serde(default)]
    pub status: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreativeContent {
    /// The post (share/ugcPost) whose copy this creative shows.
    #[serde(default)]
    pub reference: Option<PostUrn>,
}

impl Creative {
    /// The post behind the creative, when it is Sponsored Content.
    pub fn post(&self) -> Option<&PostUrn> {
        self.content.as_ref()?.reference.as_ref().filter(|u| u.is_post())
    }
}

/// The creatives finder's largest page.
pub const CREATIVE_PAGE_SIZE: u32 = 100;

impl LinkedInClient {
    /// Every creative of the given campaigns (whatever their status): at most 50 campaign URNs per
    /// request, each followed through its `pageToken` pages.
    pub async fn find_creatives(&self, campaigns: &[CampaignId]) -> Result<Vec<Creative>, ApiError> {
        let path = self.account_path("/creatives");
        let mut out = Vec::new();
        for group in campaigns.chunks(MAX_FACET_URNS) {
            let list = Value::List(group.iter().map(|c| Value::str(c.urn())).collect());
            let page = self
                .finder_all(&path, || {
                    Query::new()
                        .raw("q", "criteria")
                        .param("campaigns", list.clone())
                        .raw("pageSize", &CREATIVE_PAGE_SIZE.to_string())
                })
                .await?;
            out.extend(page);
        }
        Ok(out)
    }

    /// One creative: `/rest/adAccounts/{a}/creatives/urn%3Ali%3AsponsoredCreative%3A{id}`.
    pub async fn get_creative(&self, id: CreativeId) -> Result<Creative, ApiError> {
        self.json(Call::get(self.creative_path(id), None)).await
    }

    /// Sets `intendedStatus` (pause or re-activate).
    pub async fn set_creative_status(&self, id: CreativeId, status: &CreativeStatus) -> Result<Patch, ApiError> {
        let set = serde_json::json!({ "intendedStatus": status.as_str() });
        self.partial_update(self.creative_path(id), set).await
    }

    fn creative_path(&self, id: CreativeId) -> String {
        self.account_path(&format!("/creatives/{}", encode_leaf(&id.urn())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_linkedins_creative_shape() {
        let c: Creative = serde_json::from_str(
            r#"{"id":"urn:li:sponsoredCreative:287513206","account":"urn:li:sponsoredAccount:508720451",
            "campaign":"urn:li:sponsoredCampaign:252074216","content":{"reference":"urn:li:share:6823991265126957056"},
            "intendedStatus":"ACTIVE","isServing":false,"servingHoldReasons":["CAMPAIGN_STOPPED"],
            "review":{"status":"APPROVED"},"isTest":false,"createdAt":1692360339000,"createdBy":"urn:li:person:HRnXB4kIO7",
            "lastModifiedAt":1692926398000,"lastModifiedBy":"urn:li:system:0"}"#,
        )
        .unwrap();
        assert_eq!(c.id, CreativeId(287513206));
        assert_eq!(c.campaign, CampaignId(252074216));
        assert_eq!(c.intended_status, CreativeStatus::Active);
        assert_eq!(c.post().unwrap().0, "urn:li:share:6823991265126957056");
        assert_eq!(c.review.unwrap().status.as_deref(), Some("APPROVED"));
    }

    #[test]
    fn non_post_content_has_no_post() {
        let c: Creative = serde_json::from_str(
            r#"{"id":"urn:li:sponsoredCreative:1","campaign":"urn:li:sponsoredCampaign:2","intendedStatus":"PAUSED",
            "content":{"reference":"urn:li:adInMailContent:9"}}"#,
        )
        .unwrap();
        assert!(c.post().is_none());
    }
}
