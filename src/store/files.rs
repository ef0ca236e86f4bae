//! The attachments folder (R40, A10): chat files live on disk, not in the database, so that an
//! upload is streamed to a file and a download streamed from one. A file is named by its
//! storage key (the attachment's random id) and nothing else: no name a client chose ever
//! becomes a path. Uploads are written to a `.part` file first and renamed once complete.
//!
//! Everything here blocks: callers run it on the blocking pool (`web::block`,
//! `spawn_blocking`).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::{sqlite_path, Backend};
use crate::credentials;
use crate::settings::Settings;

const PART: &str = ".part";

#[derive(Debug, Clone)]
pub struct FileStore {
    dir: PathBuf,
}

impl FileStore {
    /// `attachments.dir`, or when it is empty a folder `attachments` next to the SQLite file
    /// (`data/attachments` with PostgreSQL).
    pub fn for_settings(settings: &Settings) -> FileStore {
        let configured = settings.attachments.dir.trim();
        let dir = if !configured.is_empty() {
            PathBuf::from(configured)
        } else {
            let url = &settings.database.url;
            match Backend::of_url(url) {
                Ok(Backend::Sqlite) => Path::new(sqlite_path(url))
                    .parent()
                    .map(|parent| parent.join("attachments"))
                    .unwrap_or_else(|| PathBuf::from("attachments")),
                _ => PathBuf::from("data").join("attachments"),
            }
        };
        FileStore { dir }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Creates the folder if it is missing.
    pub fn ensure(&self) -> io::Result<()> {
        fs::create_dir_all(&self.dir)
    }

    /// A new, empty file to write an upload to; removed when dropped unless kept.
    pub fn create_temp(&self) -> io::Result<TempFile> {
        let path = self.dir.join(format!("{}{PART}", credentials::new_token()));
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)?;
        Ok(TempFile {
            file,
            path,
            dir: self.dir.clone(),
            kept: false,
        })
    }

    pub fn open(&self, key: &str) -> io::Result<File> {
        File::open(self.path_of(key)?)
    }

    /// Removes a stored file; one that is already gone is fine.
    pub fn remove(&self, key: &str) -> io::Result<()> {
        match fs::remove_file(self.path_of(key)?) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            other => other,
        }
    }

    /// Removes `.part` files last changed before `cutoff`: uploads cut off by a crash.
    pub fn remove_stale_parts(&self, cutoff: SystemTime) -> io::Result<usize> {
        let mut removed = 0;
        for entry in fs::read_dir(&self.dir)? {
            let entry = entry?;
            let is_part = entry.file_name().to_string_lossy().ends_with(PART);
            let stale = entry.metadata()?.modified().is_ok_and(|at| at < cutoff);
            if is_part && stale && fs::remove_file(entry.path()).is_ok() {
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// Only keys the engine makes (lower-case hex) name a file.
    fn path_of(&self, key: &str) -> io::Result<PathBuf> {
        if key.is_empty() || !key.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "not a storage key",
            ));
        }
        Ok(self.dir.join(key))
    }
}

/// An upload being written. Dropped before [`TempFile::keep`], its file is removed, so a
/// refused or broken upload leaves nothing behind.
#[derive(Debug)]
pub struct TempFile {
    file: File,
    path: PathBuf,
    dir: PathBuf,
    kept: bool,
}

impl TempFile {
    pub fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.file.write_all(bytes)
    }

    /// Makes the upload the stored file `key`.
    pub fn keep(mut self, key: &str) -> io::Result<()> {
        self.file.sync_all()?;
        let target = FileStore {
            dir: self.dir.clone(),
        }
        .path_of(key)?;
        fs::rename(&self.path, target)?;
        self.kept = true;
        Ok(())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.kept {
            let _ = fs::remove_file(&self.path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_temp_file_is_kept_under_its_key_or_removed() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore {
            dir: dir.path().to_owned(),
        };
        let mut kept = store.create_temp().unwrap();
        kept.write(b"hello").unwrap();
        kept.keep("ab12").unwrap();
        let mut dropped = store.create_temp().unwrap();
        dropped.write(b"bye").unwrap();
        drop(dropped);
        let names: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["ab12"]);
        assert_eq!(fs::read(dir.path().join("ab12")).unwrap(), b"hello");
        assert!(store.open("../ab12").is_err());
        assert!(store.remove("ab12").is_ok());
        assert!(store.remove("ab12").is_ok());
    }
}
