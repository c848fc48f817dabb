//! The banner state: which of the seven states of the seed page applies, with its evidence, and
//! a tracker that pushes changes to listeners.
//!
//! [`classify`] decides from one round of observations:
//!
//! | state | rule |
//! |---|---|
//! | `Offline` | the OS reports no network, or nothing answered (no route, no probe) |
//! | `Connecting` | still racing and nothing verified yet |
//! | `Direct` | the main site gave verified content |
//! | `MainBlockedMirror` | a mirror won; main's latest evidence is censorship-like (see [`is_censorship_like`]) or main stayed silent while the mirror answered |
//! | `MirrorOnly` | a mirror won; main failed otherwise (5xx, 404, refused) or was not tried |
//! | `NoRoute` | nothing verified, an international probe answered (or, without probes, some host gave an HTTP answer) |
//! | `NationalShutdown` | nothing verified, no international probe answered, a domestic one did |
//!
//! Folder routes do not say anything about the connection and are left out of the decision.

use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use super::evidence::{Attempt, FailureKind, Outcome, RouteSource};
use super::probe::{ProbeResult, ProbeScope};
use super::routes::is_censorship_like;

/// Why a state was chosen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// Route attempts of the round (and remembered failures), in the order they ended.
    pub attempts: Vec<Attempt>,
    pub probes: Vec<ProbeResult>,
    /// Whether the OS reported a network.
    pub network_available: bool,
    /// Unix seconds.
    pub checked_at: i64,
}

/// The connection banner state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", content = "evidence", rename_all = "snake_case")]
pub enum ConnectionState {
    /// Nothing measured since start.
    Unknown,
    /// Routes and probes are still racing.
    Connecting(Evidence),
    /// The main site answered with valid content.
    Direct(Evidence),
    /// The main site failed in a censorship-like way and a mirror answered.
    MainBlockedMirror(Evidence),
    /// The main site failed otherwise and a mirror answered.
    MirrorOnly(Evidence),
    /// Main and every mirror failed while international probes work.
    NoRoute(Evidence),
    /// Nothing answers, domestic probes included, or the OS reports no network.
    Offline(Evidence),
    /// Domestic probes answer; every international host fails.
    NationalShutdown(Evidence),
}

impl ConnectionState {
    pub fn evidence(&self) -> Option<&Evidence> {
        match self {
            ConnectionState::Unknown => None,
            ConnectionState::Connecting(e)
            | ConnectionState::Direct(e)
            | ConnectionState::MainBlockedMirror(e)
            | ConnectionState::MirrorOnly(e)
            | ConnectionState::NoRoute(e)
            | ConnectionState::Offline(e)
            | ConnectionState::NationalShutdown(e) => Some(e),
        }
    }

    /// A stable name for logs and the FFI.
    pub fn name(&self) -> &'static str {
        match self {
            ConnectionState::Unknown => "unknown",
            ConnectionState::Connecting(_) => "connecting",
            ConnectionState::Direct(_) => "direct",
            ConnectionState::MainBlockedMirror(_) => "main_blocked_mirror",
            ConnectionState::MirrorOnly(_) => "mirror_only",
            ConnectionState::NoRoute(_) => "no_route",
            ConnectionState::Offline(_) => "offline",
            ConnectionState::NationalShutdown(_) => "national_shutdown",
        }
    }

    /// Whether two states show the same banner (evidence aside).
    pub fn same_banner(&self, other: &ConnectionState) -> bool {
        std::mem::discriminant(self) == std::mem::discriminant(other)
    }
}

/// The banner line, Persian and English, as on the seed page (Persian with the zero-width
/// non-joiner the copied page lost). `MainBlockedMirror` shows messages 4 and 5 together.
/// The only place these texts live: the CLI, the demo and the FFI all call it.
pub fn banner_text(state: &ConnectionState) -> (&'static str, &'static str) {
    match state {
        ConnectionState::Unknown => ("ارتباط ناشناخته", "Connection unknown"),
        ConnectionState::Direct(_) => ("ارتباط بدون سانسور", "Uncensored connection"),
        ConnectionState::Connecting(_) | ConnectionState::NoRoute(_) => {
            ("ارتباط برقرار نمی\u{200c}شود", "Cannot connect")
        }
        ConnectionState::MainBlockedMirror(_) => (
            "سایت اصلی احتمالاً زیر سانسور است. ارتباط با سایت (های) موازی برقرار شد",
            "The main site is probably censored. Connected to parallel (mirror) site(s)",
        ),
        ConnectionState::MirrorOnly(_) => (
            "ارتباط با سایت (های) موازی برقرار شد",
            "Connected to parallel (mirror) site(s)",
        ),
        ConnectionState::Offline(_) => (
            "ارتباط برقرار نمی\u{200c}شود. ارتباط اینترنت خود را امتحان کنید",
            "Cannot connect. Check your internet connection",
        ),
        ConnectionState::NationalShutdown(_) => (
            "احتمال دارد اینترنت به طور سراسری قطع شده باشد",
            "The internet may be shut down nationwide",
        ),
    }
}

/// What one round measured.
#[derive(Debug, Clone, Default)]
pub struct Observations {
    /// Attempts of the round, plus remembered failures of routes not tried.
    pub attempts: Vec<Attempt>,
    pub probes: Vec<ProbeResult>,
    /// Routes or probes are still running.
    pub racing: bool,
    pub network_available: bool,
    /// Unix seconds.
    pub checked_at: i64,
}

/// Decides the banner state from one round of observations. Pure.
pub fn classify(obs: &Observations) -> ConnectionState {
    let evidence = Evidence {
        attempts: obs.attempts.clone(),
        probes: obs.probes.clone(),
        network_available: obs.network_available,
        checked_at: obs.checked_at,
    };
    if !obs.network_available {
        return ConnectionState::Offline(evidence);
    }
    let net: Vec<&Attempt> = obs
        .attempts
        .iter()
        .filter(|a| a.source != RouteSource::Folder)
        .collect();
    // A head refused for the device's clock alone came whole from its route: the connection
    // works, and the banner says so (the sync's error names the clock).
    let fresh_ok = |a: &&&Attempt| {
        (a.is_ok() || a.failure_kind() == Some(FailureKind::Clock)) && !a.remembered
    };
    let main_ok = net
        .iter()
        .filter(fresh_ok)
        .any(|a| a.source == RouteSource::Main);
    let mirror_ok = net
        .iter()
        .filter(fresh_ok)
        .any(|a| a.source != RouteSource::Main);
    if main_ok {
        return ConnectionState::Direct(evidence);
    }
    if mirror_ok {
        // Main's latest word: a fresh outcome beats a remembered one.
        let main_latest = net
            .iter()
            .filter(|a| a.source == RouteSource::Main)
            .max_by_key(|a| (!a.remembered, a.at));
        let blocked = main_latest.is_some_and(|a| match &a.outcome {
            Outcome::Failed { kind, .. } => is_censorship_like(*kind),
            Outcome::Cancelled { .. } => true,
            Outcome::Ok { .. } => false,
        });
        return if blocked {
            ConnectionState::MainBlockedMirror(evidence)
        } else {
            ConnectionState::MirrorOnly(evidence)
        };
    }
    if obs.racing {
        return ConnectionState::Connecting(evidence);
    }
    if obs.attempts.is_empty() && obs.probes.is_empty() {
        return ConnectionState::Unknown;
    }
    let answered = |scope| obs.probes.iter().any(|p| p.scope == scope && p.answered());
    let has_probes = |scope| obs.probes.iter().any(|p| p.scope == scope);
    if answered(ProbeScope::International) {
        return ConnectionState::NoRoute(evidence);
    }
    if answered(ProbeScope::Domestic) {
        return ConnectionState::NationalShutdown(evidence);
    }
    if !has_probes(ProbeScope::International) && !has_probes(ProbeScope::Domestic) {
        // No probes configured: an HTTP answer of any kind shows the internet works.
        let some_host_answered = net.iter().any(|a| {
            !a.remembered
                && matches!(
                    a.failure_kind(),
                    Some(
                        FailureKind::HttpStatus
                            | FailureKind::BlockPage
                            | FailureKind::Verification
                            | FailureKind::Clock
                    )
                )
        });
        if some_host_answered {
            return ConnectionState::NoRoute(evidence);
        }
    }
    ConnectionState::Offline(evidence)
}

/// Holds the current state and pushes banner changes to listeners.
#[derive(Debug)]
pub struct StateTracker {
    tx: watch::Sender<ConnectionState>,
}

impl Default for StateTracker {
    fn default() -> Self {
        StateTracker {
            tx: watch::Sender::new(ConnectionState::Unknown),
        }
    }
}

impl StateTracker {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn current(&self) -> ConnectionState {
        self.tx.borrow().clone()
    }

    /// A receiver whose current value is the current state; `changed()` fires when the banner
    /// changes (fresher evidence for the same banner is visible through `borrow()`).
    pub fn subscribe(&self) -> watch::Receiver<ConnectionState> {
        let mut rx = self.tx.subscribe();
        rx.mark_changed();
        rx
    }

    /// Sets the state; returns whether the banner changed.
    pub fn set(&self, state: ConnectionState) -> bool {
        self.tx.send_if_modified(|current| {
            let changed = !current.same_banner(&state);
            *current = state;
            changed
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(source: RouteSource, outcome: Outcome) -> Attempt {
        Attempt {
            url: format!("https://{}.example/", source.as_str()),
            source,
            path: "head".into(),
            at: 10,
            outcome,
            remembered: false,
        }
    }

    fn fail(source: RouteSource, kind: FailureKind) -> Attempt {
        attempt(
            source,
            Outcome::Failed {
                kind,
                detail: String::new(),
            },
        )
    }

    fn ok(source: RouteSource) -> Attempt {
        attempt(source, Outcome::Ok { latency_ms: 5 })
    }

    fn probe(scope: ProbeScope, status: Option<u16>) -> ProbeResult {
        ProbeResult {
            url: "https://probe.example/".into(),
            scope,
            status,
            failure: status.is_none().then_some(FailureKind::ConnectTimeout),
            detail: String::new(),
            at: 10,
        }
    }

    fn obs(attempts: Vec<Attempt>, probes: Vec<ProbeResult>) -> Observations {
        Observations {
            attempts,
            probes,
            racing: false,
            network_available: true,
            checked_at: 10,
        }
    }

    #[test]
    fn each_failure_kind_of_main_maps_to_the_right_mirror_state() {
        use FailureKind::*;
        for (kind, expected) in [
            (Dns, "main_blocked_mirror"),
            (DnsTampered, "main_blocked_mirror"),
            (Reset, "main_blocked_mirror"),
            (ConnectTimeout, "main_blocked_mirror"),
            (ReadTimeout, "main_blocked_mirror"),
            (Tls, "main_blocked_mirror"),
            (BlockPage, "main_blocked_mirror"),
            (Verification, "main_blocked_mirror"),
            (Refused, "mirror_only"),
            (HttpStatus, "mirror_only"),
            (Other, "mirror_only"),
        ] {
            let state = classify(&obs(
                vec![fail(RouteSource::Main, kind), ok(RouteSource::BuiltIn)],
                vec![],
            ));
            assert_eq!(state.name(), expected, "{kind:?}");
        }
    }

    #[test]
    fn probes_tell_no_route_from_shutdown_from_offline() {
        let failed = || {
            vec![
                fail(RouteSource::Main, FailureKind::ConnectTimeout),
                fail(RouteSource::BuiltIn, FailureKind::Reset),
            ]
        };
        let intl = |s| probe(ProbeScope::International, s);
        let dom = |s| probe(ProbeScope::Domestic, s);
        assert_eq!(
            classify(&obs(failed(), vec![intl(Some(204)), dom(Some(200))])).name(),
            "no_route"
        );
        assert_eq!(
            classify(&obs(failed(), vec![intl(None), dom(Some(200))])).name(),
            "national_shutdown"
        );
        assert_eq!(
            classify(&obs(failed(), vec![intl(None), dom(None)])).name(),
            "offline"
        );
        let mut racing = obs(failed(), vec![]);
        racing.racing = true;
        assert_eq!(classify(&racing).name(), "connecting");
        assert_eq!(classify(&obs(vec![], vec![])).name(), "unknown");
        let mut down = obs(vec![ok(RouteSource::Main)], vec![]);
        down.network_available = false;
        assert_eq!(classify(&down).name(), "offline");
    }

    #[test]
    fn a_fresh_main_success_wins_over_a_remembered_failure() {
        let mut remembered = fail(RouteSource::Main, FailureKind::Reset);
        remembered.remembered = true;
        let s = classify(&obs(
            vec![remembered.clone(), ok(RouteSource::Main)],
            vec![],
        ));
        assert_eq!(s.name(), "direct");
        let s = classify(&obs(vec![remembered, ok(RouteSource::User)], vec![]));
        assert_eq!(s.name(), "main_blocked_mirror");
    }

    #[test]
    fn banner_texts_are_the_seed_page_strings() {
        let e = Evidence::default();
        assert_eq!(
            banner_text(&ConnectionState::Direct(e.clone())).0,
            "ارتباط بدون سانسور"
        );
        let (fa, en) = banner_text(&ConnectionState::MainBlockedMirror(e.clone()));
        assert!(fa.starts_with("سایت اصلی احتمالاً زیر سانسور است"));
        assert!(fa.contains("ارتباط با سایت (های) موازی برقرار شد"));
        assert!(en.contains("probably censored"));
        assert_eq!(
            banner_text(&ConnectionState::NationalShutdown(e)).0,
            "احتمال دارد اینترنت به طور سراسری قطع شده باشد"
        );
    }

    #[tokio::test]
    async fn listeners_get_the_current_state_first_then_banner_changes() {
        let tracker = StateTracker::new();
        let mut rx = tracker.subscribe();
        rx.changed().await.unwrap();
        assert_eq!(rx.borrow_and_update().name(), "unknown");
        assert!(tracker.set(ConnectionState::Direct(Evidence::default())));
        let fresher = Evidence {
            checked_at: 99,
            ..Evidence::default()
        };
        assert!(!tracker.set(ConnectionState::Direct(fresher)));
        rx.changed().await.unwrap();
        let seen = rx.borrow_and_update().clone();
        assert_eq!(seen.evidence().unwrap().checked_at, 99);
        assert!(!rx.has_changed().unwrap());
    }
}
