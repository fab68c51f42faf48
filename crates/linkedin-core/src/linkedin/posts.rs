//! Posts: where a Sponsored Content creative's copy lives.

use serde::{Deserialize, Serialize};

use super::ApiError;
use super::client::{Call, LinkedInClient};
use crate::ids::PostUrn;
use crate::restli::encode_leaf;

/// The parts of a post that are ad copy. `GET /rest/posts/{encoded urn}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Post {
    #[serde(default)]
    pub id: Option<String>,
    /// `urn:li:organization:N`: the company page the post speaks for.
    #[serde(default)]
    pub author: Option<String>,
    /// The intro text, in little text (`little_text`): read it through `AdCopy`, which unescapes.
    #[serde(default)]
    pub commentary: Option<String>,
    #[serde(default)]
    pub content: Option<PostContent>,
    #[serde(default)]
    pub content_landing_page: Option<String>,
    /// LEARN_MORE, SIGN_UP, DOWNLOAD, ...
    #[serde(default)]
    pub content_call_to_action_label: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PostContent {
    #[serde(default)]
    pub article: Option<Article>,
    #[serde(default)]
    pub media: Option<Media>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Article {
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// `urn:li:image:N`, the article's picture.
    #[serde(default)]
    pub thumbnail: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Media {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
}

/// LinkedIn's published Sponsored Content limits (single image and article ads), in characters.
pub const INTRO_MAX_CHARS: usize = 600;
pub const HEADLINE_MAX_CHARS: usize = 200;
pub const DESCRIPTION_MAX_CHARS: usize = 300;

/// The call-to-action labels LinkedIn accepts on Sponsored Content.
pub const CTA_LABELS: &[&str] = &[
    "APPLY",
    "DOWNLOAD",
    "VIEW_QUOTE",
    "LEARN_MORE",
    "SIGN_UP",
    "SUBSCRIBE",
    "REGISTER",
    "JOIN",
    "ATTEND",
    "REQUEST_DEMO",
    "SEE_MORE",
    "BUY_NOW",
    "SHOP_NOW",
];

/// A creative's copy, flattened: what the feature extraction and the copy generator read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AdCopy {
    /// The post's commentary ("intro text"), shown above the media.
    pub intro_text: Option<String>,
    /// The article or media title ("headline").
    pub headline: Option<String>,
    pub description: Option<String>,
    pub call_to_action: Option<String>,
    pub landing_page: Option<String>,
}

impl From<Post> for AdCopy {
    fn from(p: Post) -> Self {
        let article = p.content.as_ref().and_then(|c| c.article.clone());
        let media_title = p.content.as_ref().and_then(|c| c.media.as_ref()).and_then(|m| m.title.clone());
        let non_empty = |s: Option<String>| s.filter(|s| !s.trim().is_empty());
        AdCopy {
            intro_text: non_empty(p.commentary.as_deref().map(super::little_text::to_plain)),
            headline: non_empty(article.as_ref().and_then(|a| a.title.clone()).or(media_title)),
            description: non_empty(article.as_ref().and_then(|a| a.description.clone())),
            call_to_action: non_empty(p.content_call_to_action_label),
            landing_page: non_empty(p.content_landing_page.or_else(|| article.and_then(|a| a.source))),
        }
    }
}

impl LinkedInClient {
    pub async fn get_post(&self, urn: &PostUrn) -> Result<Post, ApiError> {
        self.json(Call::get(format!("/rest/posts/{}", encode_leaf(&urn.0)), None)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flattens_an_article_post() {
        let p: Post = serde_json::from_str(
            r#"{"id":"urn:li:share:1","author":"urn:li:organization:5","commentary":"Stop guessing. 📈",
            "content":{"article":{"source":"https://ex.com/a","title":"Find deals first","description":"Data on 2M homes"}},
            "contentCallToActionLabel":"LEARN_MORE","visibility":"PUBLIC","lifecycleState":"PUBLISHED"}"#,
        )
        .unwrap();
        let c = AdCopy::from(p);
        assert_eq!(c.intro_text.as_deref(), Some("Stop guessing. 📈"));
        assert_eq!(c.headline.as_deref(), Some("Find deals first"));
        assert_eq!(c.description.as_deref(), Some("Data on 2M homes"));
        assert_eq!(c.call_to_action.as_deref(), Some("LEARN_MORE"));
        assert_eq!(c.landing_page.as_deref(), Some("https://ex.com/a"));
    }

    #[test]
    fn flattens_a_media_post_with_a_landing_page() {
        let p: Post = serde_json::from_str(
            r#"{"commentary":"","content":{"media":{"id":"urn:li:image:1","title":"Headline"}},"contentLandingPage":"https://ex.com"}"#,
        )
        .unwrap();
        let c = AdCopy::from(p);
        assert_eq!(c.intro_text, None);
        assert_eq!(c.headline.as_deref(), Some("Headline"));
        assert_eq!(c.landing_page.as_deref(), Some("https://ex.com"));
    }
}
