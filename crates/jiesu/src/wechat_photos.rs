//! WeChat's photos downloaded after the reply (`jiesu_channels::wechat::photos`), through the
//! media API of `jiesu_notify::media`: the channel defines what it needs (`PhotoSource`), the
//! notify adapter knows the platform and its shared access token, and they meet here.

use jiesu_channels::wechat::photos::{DownloadSettings, Downloader, Downloads, Fetched, PhotoSource};
use jiesu_domain::ports::{AccessTokens, PendingPhotos};
use jiesu_media::MediaDir;
use jiesu_notify::call::Outcome;
use jiesu_notify::media::MediaDownloads;
use jiesu_notify::platform::wechat::Account;
use secrecy::ExposeSecret;

use crate::app::{App, StartError};
use crate::settings::Settings;

/// The media API as the channel's photo source.
struct MediaApi<T>(MediaDownloads<T>);

impl<T> std::fmt::Debug for MediaApi<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MediaApi(..)")
    }
}

impl<T: AccessTokens> PhotoSource for MediaApi<T> {
    async fn fetch(&self, media_id: &str) -> Fetched {
        match self.0.fetch(media_id).await {
            Ok(bytes) => Fetched::Bytes(bytes),
            Err(Outcome::Retry { code }) => Fetched::Retry(code),
            Err(Outcome::GiveUp { code }) => Fetched::Never(code),
            Err(Outcome::Sent { .. }) => Fetched::Retry("unexpected".to_owned()),
        }
    }
}

/// Starts the downloader when the WeChat channel is on and the account's secret is configured;
/// answers the handle the channel wakes it with (none: photos keep WeChat's links).
pub fn start<S>(
    app: &App,
    settings: &Settings,
    store: &S,
    media: &MediaDir,
) -> Result<Option<Downloads>, StartError>
where
    S: PendingPhotos + AccessTokens,
{
    let w = &settings.wechat;
    let secret = w.app_secret.expose_secret();
    if w.token.expose_secret().is_empty() || secret.is_empty() {
        return Ok(None);
    }
    if w.app_id.is_empty() {
        return Err(StartError::Config("wechat.app_secret needs wechat.app_id".to_owned()));
    }
    // The notify role's account name for the same app id: one stored token for both roles.
    let account = Account {
        endpoint: if w.api_endpoint.is_empty() {
            "https://api.weixin.qq.com".to_owned()
        } else {
            w.api_endpoint.clone()
        },
        app_id: w.app_id.clone(),
        secret: secret.to_owned(),
    };
    let api = MediaDownloads::new(store.clone(), account)
        .map_err(|e| StartError::Config(format!("wechat: cannot build the HTTP client: {e}")))?;
    let downloads = Downloads::default();
    let downloader = Downloader {
        store: store.clone(),
        source: MediaApi(api),
        media: media.clone(),
        downloads: downloads.clone(),
        settings: DownloadSettings::default(),
    };
    app.spawn_task(|token| downloader.run(token.cancelled_owned()));
    Ok(Some(downloads))
}
