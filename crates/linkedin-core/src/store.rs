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
    /// [`ObjectStore::put_new`] found the object already there: a write-once record is never replaced.
    #[error("{location} already exists and is written once; it was left as it is")]
    AlreadyExists { location: String },
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
    /// Writes an object that must not exist yet (the audit log, the write-ahead log): on S3 a
    /// conditional `PutObject` with `If-None-Match: *`, locally a hard link that fails if the name is
    /// taken. An existing object is [`StoreError::AlreadyExists`] and is left untouched.
    async fn put_new(&self, key: &str, body: Vec<u8>, content_type: &str) -> Result<(), StoreError>;
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

/// Replaces `path` with `body` durably and atomically, safe with concurrent writers of the same path
/// (the local store's objects and the local secret files):
///
/// * a temporary file beside it with a unique name (process id, a per-process counter and a random
///   number, created with `create_new` so two writers can never share one);
/// * `private`: created with mode 0600 from the start (not chmod-ed after, which leaves a window in
///   which another user could open it);
/// * written, then `fsync`ed before the rename, so a crash leaves the old file or the new one, never a
///   truncated one; then the folder is `fsync`ed so the rename itself survives a crash;
/// * renamed over `path` (atomic on POSIX: a reader sees the old or the new content; of two concurrent
///   writers, the last rename wins whole).
///
/// Blocking: call it from `spawn_blocking`.
pub fn write_atomic(path: &Path, body: &[u8], private: bool) -> std::io::Result<()> {
    use std::io::Write;
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("object");
    let (tmp, mut file) = loop {
        let tmp = dir.join(format!(
            ".{name}.{}.{}.{:016x}.tmp",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            fastrand::u64(..)
        ));
        match open_new(&tmp, private) {
            Ok(f) => break (tmp, f),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    };
    let result = file.write_all(body).and_then(|()| file.sync_all()).and_then(|()| {
        drop(file);
        std::fs::rename(&tmp, path)
    });
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    sync_dir(dir)
}

/// Creates `path` with `body` only if no file of that name exists, atomically and durably: the body
/// goes to a unique temporary file (fsynced), which is then hard-linked to `path` (the link fails if
/// the name is taken, so of two writers exactly one wins and a reader never sees half a file).
/// Blocking: call it from `spawn_blocking`.
pub fn write_new(path: &Path, body: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("object");
    let (tmp, mut file) = loop {
        let tmp = dir.join(format!(".{name}.{}.{:016x}.new", std::process::id(), fastrand::u64(..)));
        match open_new(&tmp, false) {
            Ok(f) => break (tmp, f),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    };
    let result = file.write_all(body).and_then(|()| file.sync_all()).and_then(|()| {
        drop(file);
        std::fs::hard_link(&tmp, path)
    });
    let _ = std::fs::remove_file(&tmp);
    result?;
    sync_dir(dir)
}

/// A new file (never an existing one); with `private`, mode 0600 from its creation on Unix.
pub fn open_new(path: &Path, private: bool) -> std::io::Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = private;
    o.open(path)
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_: &Path) -> std::io::Result<()> {
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
        // A unique temporary file, fsync, rename, fsync the folder: a reader never sees half an
        // object, a crash never leaves one, concurrent writers never collide.
        let target = path.clone();
        tokio::task::spawn_blocking(move || write_atomic(&target, &body, false))
            .await
            .map_err(|e| StoreError::Backend {
                op: "write",
                location: path.display().to_string(),
                message: e.to_string(),
            })?
            .map_err(|e| self.err("write", &path, e))
    }

    async fn put_new(&self, key: &str, body: Vec<u8>, _content_type: &str) -> Result<(), StoreError> {
        let path = self.path(key)?;
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir).await.map_err(|e| self.err("create folder", dir, e))?;
        }
        let target = path.clone();
        match tokio::task::spawn_blocking(move || write_new(&target, &body)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                Err(StoreError::AlreadyExists { location: path.display().to_string() })
            }
            Ok(Err(e)) => Err(self.err("write", &path, e)),
            Err(e) => {
                Err(StoreError::Backend { op: "write", location: path.display().to_string(), message: e.to_string() })
            }
        }
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

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_writers_of_one_key_never_collide_nor_leave_a_torn_object() {
        let dir = tempfile::tempdir().unwrap();
        let s = std::sync::Arc::new(LocalStore::new(dir.path()));
        let key = "logs/optimizer_actions/dt=2026-11-20/run.jsonl";
        // Two writers, each putting its own body (of its own length) 100 times, at the same time.
        let bodies: Vec<Vec<u8>> = vec![vec![b'a'; 70_000], vec![b'b'; 30_000]];
        let mut tasks = Vec::new();
        for body in bodies.clone() {
            let s = s.clone();
            tasks.push(tokio::spawn(async move {
                for _ in 0..100 {
                    s.put(key, body.clone(), "x").await.unwrap();
                    let got = s.get(key).await.unwrap().unwrap();
                    assert!(got == vec![b'a'; 70_000] || got == vec![b'b'; 30_000], "a torn object of {}", got.len());
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let got = s.get(key).await.unwrap().unwrap();
        assert!(bodies.contains(&got));
        let left: Vec<_> = std::fs::read_dir(dir.path().join("logs/optimizer_actions/dt=2026-11-20"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(left, ["run.jsonl"], "no temporary file is left behind");
    }

    /// A write-once object: of many concurrent writers exactly one wins, whole; the rest are told it
    /// exists, and the winner's bytes stay.
    #[tokio::test]
    async fn put_new_writes_once_and_never_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let s = std::sync::Arc::new(LocalStore::new(dir.path()));
        let key = "logs/write_ahead/dt=2026-11-20/run/0001.intent.json";
        let mut tasks = Vec::new();
        for i in 0..8u8 {
            let s = s.clone();
            tasks.push(tokio::spawn(async move { (i, s.put_new(key, vec![i; 50_000], "x").await) }));
        }
        let mut winners = Vec::new();
        for t in tasks {
            match t.await.unwrap() {
                (i, Ok(())) => winners.push(i),
                (_, Err(StoreError::AlreadyExists { location })) => assert!(location.ends_with(key)),
                (_, Err(e)) => panic!("{e}"),
            }
        }
        assert_eq!(winners.len(), 1, "exactly one writer wins: {winners:?}");
        assert_eq!(s.get(key).await.unwrap().unwrap(), vec![winners[0]; 50_000]);
        assert!(matches!(s.put_new(key, b"later".to_vec(), "x").await, Err(StoreError::AlreadyExists { .. })));
        assert_eq!(s.list("logs/").await.unwrap().len(), 1, "no temporary file is listed or left");
        let left = std::fs::read_dir(dir.path().join("logs/write_ahead/dt=2026-11-20/run")).unwrap().count();
        assert_eq!(left, 1);
    }

    #[cfg(unix)]
    #[test]
    fn private_files_are_0600_from_their_creation() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("secret.json");
        // Before anything is written or chmod-ed: the mode it was created with.
        let f = open_new(&p, true).unwrap();
        assert_eq!(f.metadata().unwrap().permissions().mode() & 0o777, 0o600);
        assert!(open_new(&p, true).is_err(), "never opens an existing file");
        drop(f);
        write_atomic(&p, b"{}", true).unwrap();
        assert_eq!(std::fs::metadata(&p).unwrap().permissions().mode() & 0o777, 0o600);
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
