//! The client address of a request, as the login throttles and lockout count it.
//!
//! It is the TCP peer address (axum's `ConnectInfo`, which the server must provide: see
//! `into_make_service_with_connect_info`). `X-Forwarded-For` is believed only when the peer is
//! one of the configured trusted proxies (`auth.trusted_proxies`, empty by default): anyone can
//! send that header, so trusting it by default would let every request pick its own address and
//! walk around the throttles. Behind trusted proxies the client is the rightmost address in the
//! header that is not itself a trusted proxy (each proxy appends the address it saw; the entries
//! to the left of it were written by the client and prove nothing).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::ConnectInfo;
use axum::http::{Extensions, HeaderMap};

const FORWARDED_FOR: &str = "x-forwarded-for";

/// The client address of a request; `0.0.0.0` when the server did not record the peer (a router
/// served without connect info, as in some tests): all such requests then count as one client.
pub fn client_ip(extensions: &Extensions, headers: &HeaderMap, trusted_proxies: &[IpAddr]) -> IpAddr {
    let Some(ConnectInfo(peer)) = extensions.get::<ConnectInfo<SocketAddr>>() else {
        return IpAddr::V4(Ipv4Addr::UNSPECIFIED);
    };
    behind(peer.ip(), headers, trusted_proxies)
}

/// The client behind `peer`, given the proxies trusted.
fn behind(peer: IpAddr, headers: &HeaderMap, trusted_proxies: &[IpAddr]) -> IpAddr {
    let trusted = |ip: &IpAddr| trusted_proxies.contains(&canonical(*ip));
    if !trusted(&peer) {
        return peer;
    }
    // Several headers count as one list, in order.
    let entries: Vec<&str> = headers
        .get_all(FORWARDED_FOR)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let mut client = peer;
    for entry in entries.iter().rev() {
        // An entry a proxy wrote is a bare address; anything else means the chain cannot be
        // followed further: the last address known for sure stands.
        let Ok(ip) = entry.parse::<IpAddr>() else { break };
        client = ip;
        if !trusted(&ip) {
            break;
        }
    }
    canonical(client)
}

/// An IPv4-mapped IPv6 address (a dual-stack listener's view of an IPv4 peer) as the IPv4 one.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("an address")
    }

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(FORWARDED_FOR, HeaderValue::from_str(v).expect("ascii"));
        }
        h
    }

    #[test]
    fn x_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy() {
        let h = forwarded(&["198.51.100.1"]);
        assert_eq!(behind(ip("203.0.113.9"), &h, &[]), ip("203.0.113.9"), "nothing trusted by default");
        assert_eq!(behind(ip("203.0.113.9"), &h, &[ip("10.0.0.1")]), ip("203.0.113.9"), "not that proxy");
        assert_eq!(behind(ip("10.0.0.1"), &h, &[ip("10.0.0.1")]), ip("198.51.100.1"));
    }

    #[test]
    fn behind_trusted_proxies_the_client_is_the_rightmost_untrusted_address() {
        let proxies = [ip("10.0.0.1"), ip("10.0.0.2")];
        // The client wrote "1.2.3.4" itself; the outer proxy saw 198.51.100.7, the inner one 10.0.0.2.
        let h = forwarded(&["1.2.3.4, 198.51.100.7", "10.0.0.2"]);
        assert_eq!(behind(ip("10.0.0.1"), &h, &proxies), ip("198.51.100.7"));
        let garbage = forwarded(&["198.51.100.7, not-an-address"]);
        assert_eq!(behind(ip("10.0.0.1"), &garbage, &proxies), ip("10.0.0.1"), "the chain breaks: the peer");
        assert_eq!(
            behind(ip("::ffff:10.0.0.1"), &forwarded(&["198.51.100.7"]), &proxies),
            ip("198.51.100.7")
        );
    }

    #[test]
    fn without_connect_info_every_request_is_one_unknown_client() {
        let h = forwarded(&["198.51.100.1"]);
        assert_eq!(client_ip(&Extensions::new(), &h, &[ip("10.0.0.1")]), ip("0.0.0.0"));
        let mut ext = Extensions::new();
        ext.insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 2], 5000))));
        assert_eq!(client_ip(&ext, &h, &[]), ip("127.0.0.2"));
    }
}
