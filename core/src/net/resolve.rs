//! Name resolution the core owns: the system resolver by default, replaceable by the app and by
//! tests, and a guard that flags a private or reserved answer for a public name as DNS
//! tampering *before* any connection is made (Iran's injected answers have been 10.10.34.34–36).

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;

use super::evidence::FailureKind;

/// A boxed future returned by [`Resolver::resolve`].
pub type Resolving<'a> = Pin<Box<dyn Future<Output = Result<Vec<IpAddr>, DnsError>> + Send + 'a>>;

/// Why a name gave no usable address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DnsError {
    /// NXDOMAIN, an empty answer, or a resolver failure.
    #[error("name {host} did not resolve: {detail}")]
    NotFound { host: String, detail: String },
    /// A public name resolved to a private or reserved address.
    #[error("public name {host} resolved to reserved address {addr}: DNS answer looks tampered")]
    Tampered { host: String, addr: IpAddr },
}

impl DnsError {
    pub fn kind(&self) -> FailureKind {
        match self {
            DnsError::NotFound { .. } => FailureKind::Dns,
            DnsError::Tampered { .. } => FailureKind::DnsTampered,
        }
    }
}

/// Turns a host name into addresses. Implementations must not connect anywhere but their DNS
/// servers.
pub trait Resolver: Send + Sync {
    fn resolve<'a>(&'a self, host: &'a str) -> Resolving<'a>;
}

/// The operating system's resolver (`getaddrinfo` through tokio).
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemResolver;

impl Resolver for SystemResolver {
    fn resolve<'a>(&'a self, host: &'a str) -> Resolving<'a> {
        Box::pin(async move {
            let not_found = |detail: String| DnsError::NotFound {
                host: host.to_string(),
                detail,
            };
            let addrs = tokio::net::lookup_host((host, 0))
                .await
                .map_err(|e| not_found(e.to_string()))?;
            let ips: Vec<IpAddr> = addrs.map(|a| a.ip()).collect();
            if ips.is_empty() {
                return Err(not_found("no address in the answer".into()));
            }
            Ok(ips)
        })
    }
}

/// A fixed table of names, for tests and for apps that ship known addresses. Unknown names fail
/// as [`DnsError::NotFound`].
#[derive(Debug, Default, Clone)]
pub struct StaticResolver {
    table: HashMap<String, Vec<IpAddr>>,
}

impl StaticResolver {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) the answer for `host` (case-insensitive).
    pub fn with(mut self, host: &str, addrs: impl IntoIterator<Item = IpAddr>) -> Self {
        self.table.insert(
            host.trim_end_matches('.').to_ascii_lowercase(),
            addrs.into_iter().collect(),
        );
        self
    }
}

impl Resolver for StaticResolver {
    fn resolve<'a>(&'a self, host: &'a str) -> Resolving<'a> {
        let key = host.trim_end_matches('.').to_ascii_lowercase();
        let answer = match self.table.get(&key) {
            Some(addrs) if !addrs.is_empty() => Ok(addrs.clone()),
            _ => Err(DnsError::NotFound {
                host: host.to_string(),
                detail: "NXDOMAIN (static table)".into(),
            }),
        };
        Box::pin(async move { answer })
    }
}

/// Wraps a resolver and rejects a reserved answer for a public name as
/// [`DnsError::Tampered`]. Exempt: IP literals, `localhost`, names under special-use suffixes
/// (`.localhost`, `.test`, `.local`, `.internal`, `.lan`, `.home.arpa`) and names the config
/// allows to be private.
pub struct GuardedResolver {
    inner: Arc<dyn Resolver>,
    allowed_private: HashSet<String>,
}

impl GuardedResolver {
    pub fn new(inner: Arc<dyn Resolver>, allowed_private: &[String]) -> Self {
        GuardedResolver {
            inner,
            allowed_private: allowed_private
                .iter()
                .map(|h| h.trim_end_matches('.').to_ascii_lowercase())
                .collect(),
        }
    }

    /// Whether a private answer for `host` is legitimate.
    pub fn may_be_private(&self, host: &str) -> bool {
        host.parse::<IpAddr>().is_ok() || self.is_allowed_private(host) || is_special_use_name(host)
    }

    /// Whether the config names `host` as one that may resolve to a private address.
    pub fn is_allowed_private(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        self.allowed_private.contains(&host)
    }
}

/// Whether `host` is `localhost` or a name under a special-use suffix (`.localhost`, `.test`,
/// `.local`, `.internal`, `.lan`, `.home.arpa`): a name of the local network by its very form.
pub fn is_special_use_name(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    const SPECIAL: &[&str] = &["localhost", "test", "local", "internal", "lan", "home.arpa"];
    SPECIAL
        .iter()
        .any(|s| host == *s || host.ends_with(&format!(".{s}")))
}

impl Resolver for GuardedResolver {
    fn resolve<'a>(&'a self, host: &'a str) -> Resolving<'a> {
        Box::pin(async move {
            let addrs = self.inner.resolve(host).await?;
            if self.may_be_private(host) {
                return Ok(addrs);
            }
            match addrs.iter().find(|a| is_reserved(**a)) {
                Some(bad) => Err(DnsError::Tampered {
                    host: host.to_string(),
                    addr: *bad,
                }),
                None => Ok(addrs),
            }
        })
    }
}

/// Adapter that lets reqwest resolve through a [`Resolver`]; the [`DnsError`] travels in the
/// error chain so the client can classify it.
pub(crate) struct ReqwestResolver(pub(crate) Arc<dyn Resolver>);

impl reqwest::dns::Resolve for ReqwestResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let resolver = self.0.clone();
        let host = name.as_str().to_string();
        Box::pin(async move {
            let addrs = resolver.resolve(&host).await?;
            let addrs: reqwest::dns::Addrs =
                Box::new(addrs.into_iter().map(|ip| SocketAddr::new(ip, 0)));
            Ok(addrs)
        })
    }
}

/// Whether an address is private, shared, loopback, link-local, documentation, multicast or
/// otherwise not a public unicast address.
pub fn is_reserved(addr: IpAddr) -> bool {
    match addr {
        IpAddr::V4(v4) => is_reserved_v4(v4),
        IpAddr::V6(v6) => is_reserved_v6(v6),
    }
}

fn is_reserved_v4(a: Ipv4Addr) -> bool {
    let [b0, b1, b2, _] = a.octets();
    a.is_unspecified()
        || a.is_private() // 10/8, 172.16/12, 192.168/16
        || a.is_loopback() // 127/8
        || a.is_link_local() // 169.254/16
        || a.is_broadcast()
        || a.is_multicast() // 224/4
        || b0 == 0 // 0/8
        || (b0 == 100 && (b1 & 0xc0) == 64) // 100.64/10 shared address space
        || (b0 == 192 && b1 == 0 && b2 == 0) // 192.0.0/24
        || (b0 == 192 && b1 == 0 && b2 == 2) // TEST-NET-1
        || (b0 == 198 && (b1 & 0xfe) == 18) // 198.18/15 benchmarking
        || (b0 == 198 && b1 == 51 && b2 == 100) // TEST-NET-2
        || (b0 == 203 && b1 == 0 && b2 == 113) // TEST-NET-3
        || b0 >= 240 // 240/4 reserved
}

fn is_reserved_v6(a: Ipv6Addr) -> bool {
    if let Some(v4) = embedded_v4(a) {
        return is_reserved_v4(v4);
    }
    let s = a.segments();
    a.is_unspecified()
        || a.is_loopback()
        || a.is_multicast()
        || (s[0] & 0xfe00) == 0xfc00 // fc00::/7 unique local
        || (s[0] & 0xffc0) == 0xfe80 // fe80::/10 link-local
        || (s[0] & 0xffc0) == 0xfec0 // fec0::/10 site-local (deprecated)
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        || (s[0] == 0x0100 && s[1] == 0 && s[2] == 0 && s[3] == 0) // 100::/64 discard
}

/// The IPv4 address an IPv6 address carries, in the forms that route to it: IPv4-mapped
/// (`::ffff:a.b.c.d`), IPv4-compatible (`::a.b.c.d`, deprecated), NAT64 (`64:ff9b::/96`) and
/// 6to4 (`2002:aabb:ccdd::/48`). An injected answer must not hide `10.10.34.35` in one of them.
fn embedded_v4(a: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = a.segments();
    let v4 = |hi: u16, lo: u16| Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
    if let Some(v4) = a.to_ipv4_mapped() {
        return Some(v4);
    }
    match s {
        // `::` and `::1` are themselves, not IPv4-compatible addresses.
        [0, 0, 0, 0, 0, 0, hi, lo] if hi != 0 => Some(v4(hi, lo)),
        [0x64, 0xff9b, 0, 0, 0, 0, hi, lo] => Some(v4(hi, lo)),
        [0x2002, hi, lo, ..] => Some(v4(hi, lo)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_ranges_are_recognised() {
        for bad in [
            "10.10.34.35",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "100.64.0.1",
            "127.0.0.1",
            "0.1.2.3",
            "169.254.1.1",
            "240.0.0.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:10.10.34.34",
            "::10.10.34.35",
            "::127.0.0.1",
            "64:ff9b::10.10.34.35",
            "64:ff9b::7f00:1",
            "2002:0a0a:2223::1",
            "2002:c0a8:0101:1::1",
            "2001:db8::1",
        ] {
            assert!(is_reserved(bad.parse().unwrap()), "{bad} is reserved");
        }
        for good in [
            "8.8.8.8",
            "172.32.0.1",
            "100.128.0.1",
            "151.101.1.1",
            "2a00:1450::1",
            "64:ff9b::8.8.8.8",
            "2002:0808:0808::1",
        ] {
            assert!(!is_reserved(good.parse().unwrap()), "{good} is public");
        }
    }

    #[tokio::test]
    async fn a_public_name_with_an_injected_answer_is_tampered() {
        let table = StaticResolver::new()
            .with("news.example.org", ["10.10.34.35".parse().unwrap()])
            .with("main.test", ["127.0.0.1".parse().unwrap()])
            .with("cdn.example.org", ["127.0.0.1".parse().unwrap()]);
        let guard = GuardedResolver::new(Arc::new(table), &["cdn.example.org".into()]);
        let err = guard.resolve("news.example.org").await.unwrap_err();
        assert_eq!(err.kind(), FailureKind::DnsTampered);
        assert_eq!(
            guard.resolve("main.test").await.unwrap(),
            vec!["127.0.0.1".parse::<IpAddr>().unwrap()]
        );
        assert!(guard.resolve("CDN.example.org.").await.is_ok());
        let err = guard.resolve("missing.example.org").await.unwrap_err();
        assert_eq!(err.kind(), FailureKind::Dns);
    }
}
