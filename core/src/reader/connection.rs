//! The connection state a reader shows, and where it comes from.

use crate::format::layout;
use crate::net::ConnectionState;
use crate::store::LastConnection;

/// The banner state to show, with the route behind it.
#[derive(Debug, Clone, PartialEq)]
pub struct Connection {
    /// The state with its evidence (a recorded state keeps the evidence it was saved with).
    pub state: ConnectionState,
    /// The route (base URL) whose signed head was accepted, when one was.
    pub route: Option<String>,
    /// When the state was decided, Unix seconds; 0 for `Unknown`.
    pub checked_at: i64,
    /// False when this is the state the last sync of an earlier run recorded: nothing was
    /// measured in this run yet.
    pub live: bool,
    /// When the held head has expired: the time it was issued. The articles shown are then
    /// "a copy of DATE, not live" (a copy passed on during a shutdown, or simply no sync since
    /// it expired); `None` while the held head is current.
    pub copy_of: Option<i64>,
}

impl Connection {
    /// A state measured in this run; its route is the last route whose head was accepted in
    /// its evidence.
    pub(super) fn live(state: ConnectionState) -> Connection {
        let evidence = state.evidence();
        let route = evidence.and_then(|e| {
            e.attempts
                .iter()
                .rev()
                .find(|a| a.is_ok() && !a.remembered && a.path == layout::HEAD)
                .map(|a| a.url.clone())
        });
        Connection {
            checked_at: evidence.map_or(0, |e| e.checked_at),
            route,
            state,
            live: true,
            copy_of: None,
        }
    }

    /// The state the last sync recorded.
    pub(super) fn recorded(last: LastConnection) -> Connection {
        Connection {
            state: last.state,
            route: last.route,
            checked_at: last.at,
            live: false,
            copy_of: None,
        }
    }
}
