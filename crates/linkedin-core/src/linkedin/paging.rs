//! Finder paging: LinkedIn's cursor (`metadata.nextPageToken` → `pageToken=`).

use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::ApiError;
use super::client::{Call, LinkedInClient};
use crate::restli::Query;

/// A page of a finder's results.
#[derive(Debug, Deserialize)]
struct Page<T> {
    #[serde(default = "Vec::new")]
    elements: Vec<T>,
    #[serde(default)]
    metadata: Option<PageMetadata>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PageMetadata {
    #[serde(default)]
    next_page_token: Option<String>,
}

impl<T> Page<T> {
    /// The elements, and the token of the next page (an empty token means none).
    fn into_parts(self) -> (Vec<T>, Option<String>) {
        (self.elements, self.metadata.and_then(|m| m.next_page_token).filter(|t| !t.is_empty()))
    }
}

/// One finder page read as [`LinkedInClient::finder_all`] reads it: its elements and the next page's
/// token. Whatever the body, an error or a page, never a panic (`demo::fuzz` holds it to that).
pub fn read_finder_page<T: DeserializeOwned>(body: &[u8]) -> Result<(Vec<T>, Option<String>), serde_json::Error> {
    serde_json::from_slice::<Page<T>>(body).map(Page::into_parts)
}

/// Upper bound on pages, so a server that keeps answering with tokens cannot loop a run forever.
const MAX_PAGES: usize = 1000;

impl LinkedInClient {
    /// Every element of a finder, following `pageToken` until a page has no next token (or repeats
    /// the one just used). `query` builds the finder's parameters; the token is appended to them.
    pub(crate) async fn finder_all<T: DeserializeOwned>(
        &self,
        path: &str,
        query: impl Fn() -> Query,
    ) -> Result<Vec<T>, ApiError> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let q = match &token {
                Some(t) => query().text("pageToken", t),
                None => query(),
            };
            let page: Page<T> = self.json(Call::finder(path.to_string(), q.build())).await?;
            let (elements, next) = page.into_parts();
            out.extend(elements);
            match next {
                Some(t) if Some(&t) != token.as_ref() => token = Some(t),
                _ => return Ok(out),
            }
        }
        tracing::warn!(path, pages = MAX_PAGES, "stopped paging after the page limit");
        Ok(out)
    }
}
