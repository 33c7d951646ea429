//! The report form's map: the district's own areas drawn by Leaflet (vendored), with no tile
//! server unless a deployment configures one (`[web.map]`: 天地图 with its key, say). Tiles in
//! GCJ-02 (most Chinese commercial maps) are drawn with the district's WGS84 outlines moved onto
//! them, and a point picked on them is moved back, so what is stored is always WGS84.

use serde::Deserialize;

/// The coordinate system a tile server draws in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TileCrs {
    /// GPS coordinates, as 天地图 and OpenStreetMap draw them.
    #[default]
    Wgs84,
    /// China's obfuscated datum, as 高德 and 腾讯 draw them.
    Gcj02,
}

impl TileCrs {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Wgs84 => "wgs84",
            Self::Gcj02 => "gcj02",
        }
    }
}

/// An optional tile layer under the district's outlines.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MapTiles {
    /// A Leaflet URL template (`https://t{s}.tianditu.gov.cn/vec_w/wmts?...&tk=KEY`); empty: no
    /// tiles, the outlines alone.
    pub tiles: String,
    pub crs: TileCrs,
    /// Shown in the map's corner, as the tile provider's terms ask.
    pub attribution: String,
    /// The `{s}` of the template, one letter or digit each ("01234567" for 天地图).
    pub subdomains: String,
}

impl MapTiles {
    /// What the page's security policy must allow images from: the template's origin, with a
    /// `{s}` host widened to every subdomain (`https://*.tianditu.gov.cn`).
    pub fn image_source(&self) -> Option<String> {
        let rest = self.tiles.strip_prefix("https://").or_else(|| self.tiles.strip_prefix("http://"))?;
        let scheme = if self.tiles.starts_with("https://") { "https" } else { "http" };
        let host = rest.split(['/', '?']).next().filter(|h| !h.is_empty())?;
        let host = match host.split_once('.') {
            Some((first, domain)) if first.contains("{s}") => format!("*.{domain}"),
            _ => host.to_owned(),
        };
        // Anything else in the host (a quote, a space) would break out of the policy.
        host.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-.*:".contains(c))
            .then(|| format!("{scheme}://{host}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiles(t: &str) -> MapTiles {
        MapTiles { tiles: t.into(), ..MapTiles::default() }
    }

    #[test]
    fn the_policy_allows_the_tile_servers_origin_and_nothing_else() {
        assert_eq!(
            tiles("https://t{s}.tianditu.gov.cn/vec_w/wmts?tk=abc&x={x}").image_source().as_deref(),
            Some("https://*.tianditu.gov.cn")
        );
        assert_eq!(
            tiles("http://127.0.0.1:9000/{z}/{x}/{y}.png").image_source().as_deref(),
            Some("http://127.0.0.1:9000")
        );
        assert_eq!(tiles("").image_source(), None);
        assert_eq!(tiles("javascript:alert(1)").image_source(), None);
        assert_eq!(tiles("https://a.example.cn'; script-src */x").image_source(), None);
    }
}
