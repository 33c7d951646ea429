//! The photo store: photos citizens attach on the web form and staff attach to progress notes,
//! kept in a directory and served back by an unguessable name (`http::routes`, `/media/{name}`).
//! Every process that takes or serves photos needs the directory shared between them.

mod http;

use std::path::{Path, PathBuf};

pub use http::{base_url, routes};

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

/// A photo checked and named by `MediaDir::stage`, not yet written.
#[derive(Debug)]
pub struct Staged {
    name: String,
    bytes: Vec<u8>,
}

impl Staged {
    /// The name it is (or will be) served by, under `/media/`.
    pub fn name(&self) -> &str {
        &self.name
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

    /// Names a photo without writing it: a fresh random name with its type's extension. The
    /// name (and the URL made from it) can go into a request or command that is checked first;
    /// `write_all` writes it once nothing else can refuse it.
    pub fn stage(bytes: Vec<u8>, kind: ImageType) -> Staged {
        Staged { name: format!("{}.{}", uuid::Uuid::new_v4().simple(), kind.extension()), bytes }
    }

    /// The name a photo announced before it is seen gets (`stem`: 32 hex digits): `.jpg`
    /// whatever its bytes turn out to be, as nobody has seen them yet; `get` serves the type the
    /// bytes say. `None` for a stem this store would not serve.
    pub fn name_beforehand(stem: &str) -> Option<String> {
        valid_stem(stem).then(|| format!("{stem}.jpg"))
    }

    /// Stages a photo under a name given beforehand (`name_beforehand`), for a photo named when it
    /// was announced and fetched later (a WeChat photo: named at once in the citizen's draft,
    /// downloaded after the reply). `None` for a name this store would not serve.
    pub fn stage_as(name: &str, bytes: Vec<u8>) -> Option<Staged> {
        let stem = name.strip_suffix(".jpg")?;
        valid_stem(stem).then(|| Staged { name: name.to_owned(), bytes })
    }

    /// Writes staged photos, each to a temporary file renamed into place, so a half-written
    /// photo is never served. If one cannot be written, those already written are removed: a
    /// failure leaves nothing behind.
    pub async fn write_all(&self, photos: &[Staged]) -> std::io::Result<()> {
        let mut written = Vec::with_capacity(photos.len());
        for photo in photos {
            match self.write(photo).await {
                Ok(()) => written.push(photo.name.as_str()),
                Err(e) => {
                    self.remove_all(written).await;
                    return Err(e);
                }
            }
        }
        Ok(())
    }

    async fn write(&self, photo: &Staged) -> std::io::Result<()> {
        tokio::fs::create_dir_all(&self.dir).await?;
        let tmp = self.dir.join(format!(".{}.part", photo.name));
        if let Err(e) = tokio::fs::write(&tmp, &photo.bytes).await {
            let _ = tokio::fs::remove_file(&tmp).await;
            return Err(e);
        }
        tokio::fs::rename(&tmp, self.dir.join(&photo.name)).await
    }

    /// Removes photos written for something that was then refused or failed.
    pub async fn remove_all<'a>(&self, names: impl IntoIterator<Item = &'a str>) {
        for name in names {
            self.remove(name).await;
        }
    }

    /// A stored photo and its type, as its bytes say (a name given before the photo was seen,
    /// `stage_as`, may not match them). Only names this store makes are looked up (no paths).
    pub async fn get(&self, name: &str) -> Option<(Vec<u8>, ImageType)> {
        let (stem, ext) = name.split_once('.')?;
        let named = ImageType::from_extension(ext).filter(|_| valid_stem(stem))?;
        let bytes = tokio::fs::read(self.dir.join(name)).await.ok()?;
        let kind = ImageType::sniff(&bytes).unwrap_or(named);
        Some((bytes, kind))
    }

    /// Whether a photo is stored under `name`.
    pub async fn has(&self, name: &str) -> bool {
        let file = Path::new(name).file_name().unwrap_or_default();
        tokio::fs::try_exists(self.dir.join(file)).await.unwrap_or(false)
    }

    pub async fn remove(&self, name: &str) {
        let _ = tokio::fs::remove_file(self.dir.join(Path::new(name).file_name().unwrap_or_default())).await;
    }
}

/// A name's stem as this store makes them: 32 hex digits, so no name is a path.
fn valid_stem(stem: &str) -> bool {
    stem.len() == 32 && stem.bytes().all(|b| b.is_ascii_hexdigit())
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
        let staged = MediaDir::stage(jpeg.to_vec(), ImageType::Jpeg);
        media.write_all(std::slice::from_ref(&staged)).await.expect("stored");
        let name = staged.name().to_owned();
        assert_eq!(media.get(&name).await, Some((jpeg.to_vec(), ImageType::Jpeg)));
        for bad in ["../etc/passwd", "x.jpg", &format!("{}.exe", &name[..32]), "/etc/passwd.jpg"] {
            assert_eq!(media.get(bad).await, None, "{bad}");
        }
    }

    #[tokio::test]
    async fn a_photo_named_beforehand_is_served_as_its_bytes_say() {
        let dir = tempfile::tempdir().expect("tempdir");
        let media = MediaDir::new(dir.path());
        let png = b"\x89PNG\r\n\x1a\n rest".to_vec();
        let stem = "0123456789abcdef0123456789abcdef";
        assert!(MediaDir::stage_as("../x.jpg", png.clone()).is_none());
        assert!(MediaDir::name_beforehand("../x").is_none());
        let name = MediaDir::name_beforehand(stem).expect("a valid stem");
        let staged = MediaDir::stage_as(&name, png.clone()).expect("a valid name");
        assert_eq!(staged.name(), format!("{stem}.jpg"));
        assert!(!media.has(staged.name()).await);
        media.write_all(std::slice::from_ref(&staged)).await.expect("stored");
        assert!(media.has(staged.name()).await);
        assert_eq!(media.get(staged.name()).await, Some((png, ImageType::Png)));
    }

    #[tokio::test]
    async fn a_batch_that_cannot_be_written_whole_leaves_no_photo_behind() {
        let dir = tempfile::tempdir().expect("tempdir");
        let media = MediaDir::new(dir.path());
        let jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3];
        let first = MediaDir::stage(jpeg.clone(), ImageType::Jpeg);
        let second = MediaDir::stage(jpeg, ImageType::Jpeg);
        // A directory where the second photo's temporary file goes: its write fails.
        std::fs::create_dir_all(dir.path().join(format!(".{}.part", second.name()))).expect("mkdir");
        media.write_all(&[first, second]).await.expect_err("the second cannot be written");
        let files: Vec<_> = std::fs::read_dir(dir.path())
            .expect("read dir")
            .map(|e| e.expect("entry").file_name())
            .filter(|n| !n.to_string_lossy().ends_with(".part"))
            .collect();
        assert!(files.is_empty(), "the first photo was removed again: {files:?}");
    }
}
