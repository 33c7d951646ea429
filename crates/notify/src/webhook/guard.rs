//! Webhooks go to addresses a client application chose, from inside the district's network: a
//! URL naming `127.0.0.1:5432`, `10.0.0.8` or a name that resolves to one would make Jiesu call
//! its own database or a neighbour (server-side request forgery). The webhook client resolves
//! names through `PublicOnly`, which keeps only public addresses, so the check holds for the
//! address actually connected to (a name cannot resolve to a public address when registered and
//! a private one when called); a URL with a literal address is checked before the call.
//! A deployment whose receivers are on its own network says so (`allow_private`).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Whether `ip` is on the public internet: not loopback, private, link-local, shared (CGNAT),
/// documentation, benchmarking, multicast, broadcast, reserved or unspecified.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => v4_public(a),
        IpAddr::V6(a) => match a.to_ipv4_mapped() {
            Some(v4) => v4_public(v4),
            None => v6_public(a),
        },
    }
}

fn v4_public(a: Ipv4Addr) -> bool {
    let [b0, b1, b2, _] = a.octets();
    !(a.is_unspecified()
        || a.is_loopback()
        || a.is_private()
        || a.is_link_local()
        || a.is_broadcast()
        || a.is_documentation()
        || a.is_multicast()
        || b0 == 0
        || (b0 == 100 && (64..128).contains(&b1))
        || (b0 == 192 && b1 == 0 && b2 == 0)
        || (b0 == 198 && (18..20).contains(&b1))
        || b0 >= 240)
}

fn v6_public(a: Ipv6Addr) -> bool {
    let s = a.segments();
    !(a.is_unspecified()
        || a.is_loopback()
        || a.is_multicast()
        || (s[0] & 0xfe00) == 0xfc00
        || (s[0] & 0xffc0) == 0xfe80
        || (s[0] == 0x2001 && s[1] == 0x0db8)
        || (s[0] == 0x0064 && s[1] == 0xff9b))
}

/// The system resolver, keeping only public addresses; a name with none fails to resolve.
#[derive(Debug, Clone, Copy, Default)]
pub struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found = tokio::net::lookup_host((host.as_str(), 0)).await?;
            let public: Vec<SocketAddr> = found.filter(|a| is_public(a.ip())).collect();
            if public.is_empty() {
                return Err(format!("{host} has no public address").into());
            }
            let addrs: Addrs = Box::new(public.into_iter());
            Ok(addrs)
        })
    }
}

/// Whether the URL `url` may be called: its host is a name (checked when it resolves) or a
/// public address.
pub fn literal_allowed(url: &str) -> bool {
    match reqwest::Url::parse(url).ok().and_then(|u| u.host().map(|h| h.to_owned())) {
        Some(url::Host::Ipv4(a)) => is_public(IpAddr::V4(a)),
        Some(url::Host::Ipv6(a)) => is_public(IpAddr::V6(a)),
        Some(url::Host::Domain(_)) => true,
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_addresses_pass() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "198.18.0.1",
            "192.0.0.8",
            "240.0.0.1",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "2001:db8::1",
            "64:ff9b::a00:1",
        ] {
            assert!(!is_public(private.parse().expect("ip")), "{private}");
        }
        for public in ["223.5.5.5", "119.29.29.29", "2400:3200::1", "::ffff:223.5.5.5"] {
            assert!(is_public(public.parse().expect("ip")), "{public}");
        }
        assert!(!literal_allowed("http://127.0.0.1:5432/"));
        assert!(!literal_allowed("https://[::1]/"));
        assert!(literal_allowed("https://223.5.5.5/h"));
        assert!(literal_allowed("https://app.example.cn/h"));
    }

    #[tokio::test]
    async fn a_name_that_resolves_only_to_this_machine_does_not_resolve() {
        let name: Name = "localhost".parse().expect("name");
        assert!(PublicOnly.resolve(name).await.is_err());
    }
}
