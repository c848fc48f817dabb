//! The ways a served tree can misbehave, named as on the command line (`--fault KIND`).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// How the server behaves. Connection-level faults act on the socket at accept time (and on
/// connections already open when the fault is switched on); the others act per request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Fault {
    /// An honest mirror.
    #[default]
    None,
    /// Accepts, then resets the connection (`SO_LINGER` 0 and close: the client sees a TCP RST).
    Reset,
    /// Accepts and never answers; the socket is held open until the client gives up.
    Blackhole,
    /// Every response body is sent one byte per drip interval (1 s by default).
    Drip,
    /// HTTP 403 with an HTML block page, for every path.
    Blockpage,
    /// TLS with a leaf certificate from an unknown CA, even when the server runs plain HTTP.
    BadCert,
    /// Log files and snapshot parts have bytes flipped; their length is unchanged.
    Tamper,
    /// `head` is the previous validly signed head from the tree's `heads/` archive.
    Rollback,
    /// `head` is the current head re-signed with issue and expiry times in the past.
    Stale,
    /// `head` is current, but the log files and snapshot parts it added since the previous head
    /// answer 404.
    Torn,
    /// HTTP 503 for everything.
    ServerError,
}

impl Fault {
    pub const ALL: [Fault; 11] = [
        Fault::None,
        Fault::Reset,
        Fault::Blackhole,
        Fault::Drip,
        Fault::Blockpage,
        Fault::BadCert,
        Fault::Tamper,
        Fault::Rollback,
        Fault::Stale,
        Fault::Torn,
        Fault::ServerError,
    ];

    /// The command-line name.
    pub fn name(self) -> &'static str {
        match self {
            Fault::None => "none",
            Fault::Reset => "reset",
            Fault::Blackhole => "blackhole",
            Fault::Drip => "drip",
            Fault::Blockpage => "blockpage",
            Fault::BadCert => "bad-cert",
            Fault::Tamper => "tamper",
            Fault::Rollback => "rollback",
            Fault::Stale => "stale",
            Fault::Torn => "torn",
            Fault::ServerError => "5xx",
        }
    }
}

/// A fault name that is not one of [`Fault::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown fault `{0}` (expected one of: {names})", names = Fault::ALL.map(Fault::name).join(", "))]
pub struct UnknownFault(pub String);

impl FromStr for Fault {
    type Err = UnknownFault;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Fault::ALL
            .into_iter()
            .find(|f| f.name() == s)
            .ok_or_else(|| UnknownFault(s.to_string()))
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Fault {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Fault {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fault_round_trips_through_its_name() {
        for fault in Fault::ALL {
            assert_eq!(fault.name().parse::<Fault>(), Ok(fault));
            assert_eq!(fault.to_string(), fault.name());
        }
        assert_eq!("5xx".parse::<Fault>(), Ok(Fault::ServerError));
        let err = "Reset".parse::<Fault>().unwrap_err();
        assert!(err.to_string().contains("bad-cert"), "{err}");
    }
}
