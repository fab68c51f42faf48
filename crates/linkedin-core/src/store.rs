//! The object store: S3 in production, a local folder by default. Same keys, same layout.
//!
//! Keys are `/`-separated relative paths (`raw/analytics/dt=2026-11-20/...`). The trait is small on
//! purpose: put, get, list, delete. Writes replace the whole object, which is what S3 does and what
//! makes a re-run idempotent.

use std::path::{Component, Path, PathBuf};

use async_trait::async_trait;

/// A store failure, with the key and what to do.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("invalid object key '{key}': {reason}")]
    InvalidKey { key: String, reason: &'static str },
    #[error("{op} {location}: {message}")]
    Backend { op: &'static str, location: String, message: String },
}

/// An object in a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectMeta {
    pub key: String,
    pub size: u64,
}

#[async_trait]
pub trait ObjectStore: Send + Sync {
    /// Writes (or replaces) an object.
    async fn put(&self, key: &str, body: Vec<u8>, content_type: &str) -> Result<(), StoreError>;
    /// Reads an object; `None` when it does not exist.
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError>;
    /// Every object under `prefix`, sorted by key.
    async fn list(&self, prefix: &str) -> Result<Vec<ObjectMeta>, StoreError>;
    /// Removes an object; removing a missing object is not an error.
    async fn delete(&self, key: &str) -> Result<(), StoreError>;
    /// `s3://bucket` or the folder, for messages.
    fn describe(&self) -> String;
}

/// Rejects keys that could escape the root or that S3 would treat differently from a folder.
pub fn validate_key(key: &str) -> Result<(), StoreError> {
    let bad = |reason| Err(StoreError::InvalidKey { key: key.to_string(), reason });
    if key.is_empty() {
        return bad("empty");
    }
    if key.starts_with('/') || key.contains('\\') {
        return bad("keys are relative and use '/'");
    }
    if key.split('/').any(|seg| seg.is_empty() || seg == "." || seg == "..") {
        return bad("empty, '.' or '..' path segment");
    }
    Ok(())
}

/// The embedded default: objects are files under a root folder.
#[derive(Debug, Clone)]
pub struct LocalStore {
    root: PathBuf,
}

impl LocalStore {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn path(&self, key: &str) -> Result<PathBuf, StoreError> {
        validate_key(key)?;
        Ok(self.root.join(key))
    }

    fn err(&self, op: &'static str, path: &Path, e: std::io::Error) -> StoreError {
        StoreError::Backend { op, location: path.display().to_string(), message: e.to_string() }
    }
}

#[async_trait]
impl ObjectStore for LocalStore {
    async fn put(&self, key: &str, body: Vec<u8>, _content_type: &str) -> Result<(), StoreError> {
        let path = self.path(key)?;
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir).await.map_err(|e| self.err("create folder", dir, e))?;
        }
        // Write then rename: a reader never sees half an object, a crash never leaves one.
        let tmp = path.with_file_name(format!(
            ".{}.{}.tmp",
            path.file_name().and_then(|n| n.to_str()).unwrap_or("object"),
            fastrand::u64(..)
        ));
        tokio::fs::write(&tmp, body).await.map_err(|e| self.err("write", &tmp, e))?;
        tokio::fs::rename(&tmp, &path).await.map_err(|e| self.err("rename", &path, e))
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let path = self.path(key)?;
        match tokio::fs::read(&path).await {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(self.err("read", &path, e)),
        }
    }

    async fn list(&self, prefix: &str) -> Result<Vec<ObjectMeta>, StoreError> {
        // Walk from the deepest folder the prefix names, then filter by the full prefix (S3 semantics).
        let dir_part = match prefix.rfind('/') {
            Some(i) => &prefix[..i],
            None => "",
        };
        let start = if dir_part.is_empty() { self.root.clone() } else { self.path(dir_part)? };
        let root = self.root.clone();
        let prefix = prefix.to_string();
        let walk = tokio::task::spawn_blocking(move || -> std::io::Result<Vec<ObjectMeta>> {
            let mut out = Vec::new();
            let mut stack = vec![start];
            while let Some(dir) = stack.pop() {
                let entries = match std::fs::read_dir(&dir) {
                    Ok(e) => e,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                    Err(e) => return Err(e),
                };
                for entry in entries {
                    let entry = entry?;
                    let ty = entry.file_type()?;
                    let path = entry.path();
                    if ty.is_dir() {
                        stack.push(path);
                    } else if ty.is_file() {
                        let name = entry.file_name();
                        if name.to_string_lossy().starts_with('.') {
                            continue; // in-flight temporary files
                        }
                        let rel = path.strip_prefix(&root).expect("walk stays under root");
                        let key = rel
                            .components()
                            .filter_map(|c| match c {
                                Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
                                _ => None,
                            })
                            .collect::<Vec<_>>()
                            .join("/");
                        if key.starts_with(&prefix) {
                            out.push(ObjectMeta { key, size: entry.metadata()?.len() });
                        }
                    }
                }
            }
            out.sort_by(|a, b| a.key.cmp(&b.key));
            Ok(out)
        });
        walk.await
            .map_err(|e| StoreError::Backend { op: "list", location: self.describe(), message: e.to_string() })?
            .map_err(|e| self.err("list", &self.root, e))
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        let path = self.path(key)?;
        match tokio::fs::remove_file(&path).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(self.err("delete", &path, e)),
        }
    }

    fn describe(&self) -> String {
        self.root.display().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn put_get_list_delete_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let s = LocalStore::new(dir.path());
        s.put("raw/analytics/dt=2026-11-20/a.ndjson", b"1\n".to_vec(), "application/x-ndjson").await.unwrap();
        s.put("raw/analytics/dt=2026-11-21/b.ndjson", b"22\n".to_vec(), "application/x-ndjson").await.unwrap();
        s.put("raw/campaigns/dt=2026-11-21/c.ndjson", b"3".to_vec(), "application/x-ndjson").await.unwrap();
        assert_eq!(s.get("raw/analytics/dt=2026-11-20/a.ndjson").await.unwrap().unwrap(), b"1\n");
        assert_eq!(s.get("raw/nope").await.unwrap(), None);

        let keys: Vec<_> = s.list("raw/analytics/").await.unwrap().into_iter().map(|m| m.key).collect();
        assert_eq!(keys, ["raw/analytics/dt=2026-11-20/a.ndjson", "raw/analytics/dt=2026-11-21/b.ndjson"]);
        // A prefix that ends mid-name behaves like S3.
        let keys: Vec<_> = s.list("raw/analytics/dt=2026-11-2").await.unwrap().into_iter().map(|m| m.key).collect();
        assert_eq!(keys.len(), 2);
        assert_eq!(s.list("raw/").await.unwrap().len(), 3);
        assert_eq!(s.list("missing/").await.unwrap(), vec![]);
        assert_eq!(s.list("raw/analytics/dt=2026-11-21/").await.unwrap()[0].size, 3);

        s.put("raw/analytics/dt=2026-11-20/a.ndjson", b"replaced".to_vec(), "x").await.unwrap();
        assert_eq!(s.get("raw/analytics/dt=2026-11-20/a.ndjson").await.unwrap().unwrap(), b"replaced");
        s.delete("raw/analytics/dt=2026-11-20/a.ndjson").await.unwrap();
        s.delete("raw/analytics/dt=2026-11-20/a.ndjson").await.unwrap();
        assert_eq!(s.list("raw/analytics/").await.unwrap().len(), 1);
    }

    #[tokio::test]
    async fn refuses_keys_that_escape_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let s = LocalStore::new(dir.path());
        for key in ["../x", "/etc/passwd", "a//b", "a/./b", "", "a\\b"] {
            let err = s.put(key, vec![], "x").await.unwrap_err();
            assert!(matches!(err, StoreError::InvalidKey { .. }), "{key}: {err}");
        }
    }
}
