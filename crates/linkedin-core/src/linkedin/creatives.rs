//! Creatives: the finder by campaign, get, the status update the optimizer makes, and `createInline`
//! (a new post and its creative in one call) for approved ad copy.

use serde::{Deserialize, Serialize};

use super::analytics::MAX_FACET_URNS;
use super::campaigns::string_enum;
use super::client::{Call, LinkedInClient};
use super::error::excerpt;
use super::{ApiError, Patch};
use crate::ids::{AccountId, CampaignId, CreativeId, PostUrn};
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

/// What a new post shows besides its text, taken over from an existing post of the campaign (the
/// copy generator writes text; it does not make images).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InlineVisual {
    /// An article (link) post: the landing page is the article's `source`.
    Article { source: String, thumbnail: Option<String> },
    /// A single-image or video post (`urn:li:image:…`, `urn:li:video:…`) and its landing page.
    Media { id: String, landing_page: Option<String> },
}

/// A Sponsored Content creative and its post (a "dark" post, shown only as an ad), made in one
/// `createInline` call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlineCreative {
    pub campaign: CampaignId,
    pub name: String,
    pub intended_status: CreativeStatus,
    /// `urn:li:organization:N`: the page the ad speaks for.
    pub author: String,
    /// The intro text as a member reads it (plain); escaped into little text on the way out.
    pub commentary: String,
    pub headline: String,
    /// Shown by article ads only.
    pub description: Option<String>,
    pub call_to_action: Option<String>,
    pub visual: InlineVisual,
}

impl InlineCreative {
    /// The request body: `{"creative":{"campaign","intendedStatus","name","inlineContent":{"post":{…}}}}`.
    pub fn to_json(&self, account: AccountId) -> serde_json::Value {
        use serde_json::json;
        let mut post = json!({
            "author": self.author,
            "commentary": super::little_text::escape(&self.commentary),
            "visibility": "PUBLIC",
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": false,
            "adContext": { "dscAdAccount": account.urn(), "dscStatus": "ACTIVE" },
        });
        match &self.visual {
            InlineVisual::Article { source, thumbnail } => {
                let mut article = json!({ "source": source, "title": self.headline });
                if let Some(d) = &self.description {
                    article["description"] = json!(d);
                }
                if let Some(t) = thumbnail {
                    article["thumbnail"] = json!(t);
                }
                post["content"] = json!({ "article": article });
            }
            InlineVisual::Media { id, landing_page } => {
                post["content"] = json!({ "media": { "id": id, "title": self.headline } });
                if let Some(l) = landing_page {
                    post["contentLandingPage"] = json!(l);
                }
            }
        }
        if let Some(cta) = &self.call_to_action {
            post["contentCallToActionLabel"] = json!(cta);
        }
        json!({ "creative": {
            "campaign": self.campaign.urn(),
            "intendedStatus": self.intended_status.as_str(),
            "name": self.name,
            "inlineContent": { "post": post },
        }})
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

    /// `POST /rest/adAccounts/{a}/creatives?action=createInline` (`X-RestLi-Method: ACTION`): creates
    /// the post and the creative, and returns the creative's id (from `x-restli-id`, else the
    /// body's `value.creative`). Not retried here: a repeat after a lost answer would make a second ad.
    /// The caller repeats it only after checking the campaign for the creative (`copy approve` does,
    /// by its unique name).
    pub async fn create_inline(&self, creative: &InlineCreative) -> Result<CreativeId, ApiError> {
        let body = creative.to_json(self.account());
        let call = Call {
            method: reqwest::Method::POST,
            path: self.account_path("/creatives"),
            query: Some("action=createInline".into()),
            json_body: Some(serde_json::to_vec(&body).expect("JSON value serialises")),
            restli_method: Some("ACTION"),
            idempotent: false,
        };
        let reply = self.execute(call).await?;
        created_creative(reply.restli_id.as_deref(), &reply.body).map_err(|detail| ApiError::Malformed {
            endpoint: "ACTION createInline".to_string(),
            detail,
            excerpt: excerpt(&reply.body, 200),
        })
    }

    fn creative_path(&self, id: CreativeId) -> String {
        self.account_path(&format!("/creatives/{}", encode_leaf(&id.urn())))
    }
}

/// The creative a `createInline` answer made: from `x-restli-id` (Rest.li 2.0 may percent-encode it),
/// else the body's `value.creative`. The error says what is missing, never panics.
pub fn created_creative(restli_id: Option<&str>, body: &[u8]) -> Result<CreativeId, String> {
    let from_body = || {
        serde_json::from_slice::<serde_json::Value>(body).ok()?.pointer("/value/creative")?.as_str().map(str::to_string)
    };
    let header = restli_id.map(|h| h.replace("%3A", ":").replace("%3a", ":"));
    let urn = header.or_else(from_body).ok_or_else(|| {
        "no x-restli-id header and no value.creative in the body: the creative may exist; look in Campaign Manager before approving again".to_string()
    })?;
    CreativeId::parse(&urn).map_err(|e| format!("the new creative's id '{urn}': {e}"))
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
