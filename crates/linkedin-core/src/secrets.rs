//! The secret store: AWS Secrets Manager in production, a folder of files locally.
//!
//! Secrets are whole strings (the OAuth credentials are a JSON document). The store is written back
//! to when a token is refreshed, so the next run starts from the new token.

use std::path::PathBuf;

use async_trait::async_trait;

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("secret '{name}' was not found in {location}: {hint}")]
    NotFound { name: String, location: String, hint: String },
    #[error("secret '{name}' in {location}: {message}")]
    Backend { name: String, location: String, message: String },
}

#[async_trait]
pub trait SecretStore: Send + Sync {
    async fn get_secret(&self, name: &str) -> Result<String, SecretError>;
    async fn put_secret(&self, name: &str, value: &str) -> Result<(), SecretError>;
    /// Where the secrets live, for messages.
    fn describe(&self) -> String;
}

/// Local secrets: `<dir>/<name>.json`, where `/` in a name becomes `__`.
#[derive(Debug, Clone)]
pub struct DirSecretStore {
    dir: PathBuf,
}

impl DirSecretStore {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    pub fn path_for(&self, name: &str) -> PathBuf {
        let file: String = name
            .replace('/', "__")
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || "-_.+=@".contains(c) { c } else { '_' })
            .collect();
        self.dir.join(format!("{file}.json"))
    }
}

#[async_trait]
impl SecretStore for DirSecretStore {
    async fn get_secret(&self, name: &str) -> Result<String, SecretError> {
        let path = self.path_for(name);
        match tokio::fs::read_to_string(&path).await {
            Ok(s) => Ok(s),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(SecretError::NotFound {
                name: name.to_string(),
                location: self.describe(),
                hint: format!("create {} with the OAuth credentials JSON", path.display()),
            }),
            Err(e) => Err(SecretError::Backend {
                name: name.to_string(),
                location: path.display().to_string(),
                message: e.to_string(),
            }),
        }
    }

    async fn put_secret(&self, name: &str, value: &str) -> Result<(), SecretError> {
        let path = self.path_for(name);
        let fail = |e: std::io::Error| SecretError::Backend {
            name: name.to_string(),
            location: path.display().to_string(),
            message: e.to_string(),
        };
        tokio::fs::create_dir_all(&self.dir).await.map_err(fail)?;
        // A unique temporary file created 0600 (never readable by others, not even for a moment),
        // fsync-ed, then renamed over the secret: two writers (two jobs refreshing at once) never share
        // a temporary file, and a crash leaves the old credentials or the new ones whole.
        let (target, body) = (path.clone(), value.as_bytes().to_vec());
        tokio::task::spawn_blocking(move || crate::store::write_atomic(&target, &body, true))
            .await
            .map_err(|e| fail(std::io::Error::other(e.to_string())))?
            .map_err(fail)
    }

    fn describe(&self) -> String {
        format!("folder {}", self.dir.display())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn round_trips_and_names_the_missing_file() {
        let dir = tempfile::tempdir().unwrap();
        let s = DirSecretStore::new(dir.path());
        let err = s.get_secret("linkedin/prod").await.unwrap_err().to_string();
        assert!(err.contains("linkedin__prod.json"), "{err}");
        s.put_secret("linkedin/prod", "{\"a\":1}").await.unwrap();
        assert_eq!(s.get_secret("linkedin/prod").await.unwrap(), "{\"a\":1}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(s.path_for("linkedin/prod")).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn two_concurrent_writers_of_one_secret_both_succeed_and_leave_one_whole_value() {
        // The old fixed `<name>.json.tmp` made one writer's rename fail (the other had moved the file)
        // or interleave the two bodies.
        let dir = tempfile::tempdir().unwrap();
        let s = std::sync::Arc::new(DirSecretStore::new(dir.path()));
        let values = [
            format!("{{\"access_token\":\"{}\"}}", "A".repeat(50_000)),
            format!("{{\"access_token\":\"{}\"}}", "B".repeat(20)),
        ];
        let mut tasks = Vec::new();
        for v in values.clone() {
            let s = s.clone();
            tasks.push(tokio::spawn(async move {
                for _ in 0..100 {
                    s.put_secret("linkedin/prod", &v).await.unwrap();
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        assert!(values.contains(&s.get_secret("linkedin/prod").await.unwrap()));
        let files: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(files, ["linkedin__prod.json"], "no temporary file is left behind");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(s.path_for("linkedin/prod")).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
