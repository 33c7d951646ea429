//! Photos citizens attach on the web form, kept in a directory and served back by an unguessable
//! name. (Several intake processes need the directory shared between them.)

use std::path::{Path, PathBuf};

/// The image types accepted, recognised by their first bytes (never by what the client claims).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageType {
    Jpeg,
    Png,
    Webp,
}

impl ImageType {
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Self::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Self::Png)
        } else if bytes.len() > 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
            Some(Self::Webp)
        } else {
            None
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::Webp => "webp",
        }
    }

    fn from_extension(ext: &str) -> Option<Self> {
        match ext {
            "jpg" => Some(Self::Jpeg),
            "png" => Some(Self::Png),
            "webp" => Some(Self::Webp),
            _ => None,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Webp => "image/webp",
        }
    }
}

#[derive(Debug, Clone)]
pub struct MediaDir {
    dir: PathBuf,
}

impl MediaDir {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// Stores a photo under a fresh random name and returns the name. Written to a temporary
    /// file first and renamed, so a half-written photo is never served.
    pub async fn put(&self, bytes: &[u8], kind: ImageType) -> std::io::Result<String> {
        tokio::fs::create_dir_all(&self.dir).await?;
        let name = format!("{}.{}", uuid::Uuid::new_v4().simple(), kind.extension());
        let tmp = self.dir.join(format!(".{name}.part"));
        tokio::fs::write(&tmp, bytes).await?;
        tokio::fs::rename(&tmp, self.dir.join(&name)).await?;
        Ok(name)
    }

    /// A stored photo and its type. Only names this store makes are looked up (no paths).
    pub async fn get(&self, name: &str) -> Option<(Vec<u8>, ImageType)> {
        let (stem, ext) = name.split_once('.')?;
        let valid = stem.len() == 32 && stem.bytes().all(|b| b.is_ascii_hexdigit());
        let kind = ImageType::from_extension(ext).filter(|_| valid)?;
        let bytes = tokio::fs::read(self.dir.join(name)).await.ok()?;
        Some((bytes, kind))
    }

    pub async fn remove(&self, name: &str) {
        let _ = tokio::fs::remove_file(self.dir.join(Path::new(name).file_name().unwrap_or_default())).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn photos_are_stored_sniffed_and_only_served_by_their_own_names() {
        let dir = tempfile::tempdir().expect("tempdir");
        let media = MediaDir::new(dir.path());
        let jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3];
        assert_eq!(ImageType::sniff(&jpeg), Some(ImageType::Jpeg));
        assert_eq!(ImageType::sniff(b"GIF89a..."), None);
        assert_eq!(ImageType::sniff(b"<svg onload=alert(1)>"), None);
        let name = media.put(&jpeg, ImageType::Jpeg).await.expect("stored");
        assert_eq!(media.get(&name).await, Some((jpeg.to_vec(), ImageType::Jpeg)));
        for bad in ["../etc/passwd", "x.jpg", &format!("{}.exe", &name[..32]), "/etc/passwd.jpg"] {
            assert_eq!(media.get(bad).await, None, "{bad}");
        }
    }
}
