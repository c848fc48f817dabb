//! Routes, races and banner states against real servers on 127.0.0.1: one test per state and
//! per failure kind. Names under `.test` resolve through a `StaticResolver` to loopback.

use std::sync::Arc;
use std::time::{Duration, Instant};

use article_sync_core::format::codec::sha256_hex;
use article_sync_core::format::layout;
use article_sync_core::format::limits::HEAD_MAX;
use article_sync_core::net::{
    Attempt, ConnectionState, Connectivity, FailureKind, FetchError, HealthLog, MemoryHealthLog,
    NetConfig, Outcome, Route, RouteSet, StaticResolver, Won,
};
use article_sync_test_support::server::{LOOPBACK, Mode, TestServer, refused_port};
use article_sync_test_support::tls::TestCa;

const GOOD: &[u8] = b"signed head v1";

/// The test's "verification": only our payload is accepted.
async fn fetch_head(net: &Connectivity, route: Route) -> Result<Vec<u8>, FetchError> {
    let bytes = net
        .client()
        .fetch(&route, layout::HEAD, HEAD_MAX, None)
        .await?
        .into_bytes()
        .unwrap_or_default();
    if bytes.starts_with(b"signed head") {
        Ok(bytes)
    } else {
        Err(FetchError::verification("not a signed head"))
    }
}

async fn race(net: &Connectivity) -> Result<Won<Vec<u8>>, article_sync_core::net::Lost> {
    net.race_head(|r| fetch_head(net, r)).await
}

struct World {
    config: NetConfig,
    log: Arc<MemoryHealthLog>,
}

impl World {
    fn new(hosts: &[&str]) -> World {
        let resolver = hosts
            .iter()
            .fold(StaticResolver::new(), |r, h| r.with(h, [LOOPBACK]));
        World {
            config: NetConfig {
                connect_timeout: Duration::from_secs(10),
                read_timeout: Duration::from_secs(10),
                request_timeout: Duration::from_secs(20),
                race_deadline: Duration::from_secs(20),
                probe_timeout: Duration::from_secs(3),
                webpki_roots: false,
                resolver: Arc::new(resolver),
                ..NetConfig::default()
            },
            log: Arc::new(MemoryHealthLog::new()),
        }
    }

    fn connect(&self, main: &str, mirrors: &[String]) -> Connectivity {
        let routes = RouteSet::new(main, mirrors).expect("routes");
        Connectivity::new(self.config.clone(), routes, self.log.clone()).expect("client")
    }
}

fn url(scheme: &str, host: &str, port: u16) -> String {
    format!("{scheme}://{host}:{port}/")
}

fn attempt_of<'a>(attempts: &'a [Attempt], url: &str) -> &'a Attempt {
    attempts
        .iter()
        .find(|a| a.url == url && !a.remembered)
        .unwrap_or_else(|| panic!("no attempt on {url} in {attempts:#?}"))
}

fn failure_of(state: &ConnectionState, url: &str) -> FailureKind {
    let evidence = state.evidence().expect("evidence");
    attempt_of(&evidence.attempts, url)
        .failure_kind()
        .unwrap_or_else(|| panic!("{url} did not fail: {evidence:#?}"))
}

/// Main fails with `mode`, a healthy mirror answers: the mirror wins and the state and the
/// evidence name main's failure.
async fn main_fails_mirror_wins(
    main: &TestServer,
    main_url: &str,
    mirror_url: &str,
    world: &World,
) -> (Won<Vec<u8>>, ConnectionState) {
    let net = world.connect(main_url, &[mirror_url.to_string()]);
    let won = race(&net).await.expect("the mirror answers");
    assert_eq!(won.route.id(), mirror_url);
    assert_eq!(won.value, GOOD);
    assert_eq!(main.accepted(), 1, "main was tried exactly once");
    (won, net.state())
}

#[tokio::test]
async fn main_answers_direct() {
    let main = TestServer::start(Mode::head(GOOD)).await;
    let mirror = TestServer::start(Mode::head(GOOD)).await;
    let world = World::new(&["main.test", "mirror.test"]);
    let main_url = url("http", "main.test", main.port());
    let net = world.connect(&main_url, &[url("http", "mirror.test", mirror.port())]);
    let mut banner = net.subscribe();
    assert!(matches!(
        *banner.borrow_and_update(),
        ConnectionState::Unknown
    ));

    let won = race(&net).await.expect("main answers");
    assert_eq!(won.route.id(), main_url);
    let state = net.state();
    assert!(matches!(state, ConnectionState::Direct(_)), "{state:?}");
    assert!(attempt_of(&state.evidence().unwrap().attempts, &main_url).is_ok());
    assert_eq!(mirror.accepted(), 0, "no request went to the mirror");
    assert!(banner.has_changed().unwrap(), "listeners were told");
    assert_eq!(banner.borrow_and_update().name(), "direct");
    let health = world.log.load();
    let main_health = health.iter().find(|h| h.url == main_url).unwrap();
    assert_eq!(main_health.successes, 1);
    assert!(main_health.median_latency_ms.is_some());
}

#[tokio::test]
async fn main_resets_main_blocked_mirror() {
    let main = TestServer::start(Mode::Reset).await;
    let mirror = TestServer::start(Mode::head(GOOD)).await;
    let world = World::new(&["main.test", "mirror.test"]);
    let (main_url, mirror_url) = (
        url("http", "main.test", main.port()),
        url("http", "mirror.test", mirror.port()),
    );
    let (_, state) = main_fails_mirror_wins(&main, &main_url, &mirror_url, &world).await;
    assert!(
        matches!(state, ConnectionState::MainBlockedMirror(_)),
        "{state:?}"
    );
    assert_eq!(failure_of(&state, &main_url), FailureKind::Reset);
    let saved = world.log.load();
    let h = saved.iter().find(|h| h.url == main_url).unwrap();
    assert_eq!(h.last_failure, Some(FailureKind::Reset));
    assert_eq!(h.consecutive_failures, 1);
    assert!(h.backoff_until.is_some());
}

#[tokio::test]
async fn main_blackholed_mirror_used_after_the_stagger_not_a_timeout() {
    let main = TestServer::start(Mode::Blackhole).await;
    let mirror = TestServer::start(Mode::head(GOOD)).await;
    let world = World::new(&["main.test", "mirror.test"]);
    let (main_url, mirror_url) = (
        url("http", "main.test", main.port()),
        url("http", "mirror.test", mirror.port()),
    );
    let started = Instant::now();
    let (won, state) = main_fails_mirror_wins(&main, &main_url, &mirror_url, &world).await;
    let elapsed = started.elapsed();
    assert!(
        elapsed >= world.config.stagger && elapsed < Duration::from_secs(2),
        "took {elapsed:?} with a 10 s connect and read timeout"
    );
    assert!(
        matches!(
            attempt_of(&won.attempts, &main_url).outcome,
            Outcome::Cancelled {
                after_ms,
                overtaken: true
            } if after_ms >= 250
        ),
        "{:#?}",
        won.attempts
    );
    assert!(
        matches!(state, ConnectionState::MainBlockedMirror(_)),
        "{state:?}"
    );
}

#[tokio::test]
async fn main_serves_a_block_page() {
    let page = b"<html><head><meta http-equiv=\"refresh\"></head><body>blocked</body></html>";
    for status in [403, 451, 200] {
        let main = TestServer::start(Mode::serve(&[("head", status, page)])).await;
        let mirror = TestServer::start(Mode::head(GOOD)).await;
        let world = World::new(&["main.test", "mirror.test"]);
        let (main_url, mirror_url) = (
            url("http", "main.test", main.port()),
            url("http", "mirror.test", mirror.port()),
        );
        let (_, state) = main_fails_mirror_wins(&main, &main_url, &mirror_url, &world).await;
        assert!(
            matches!(state, ConnectionState::MainBlockedMirror(_)),
            "{state:?}"
        );
        assert_eq!(
            failure_of(&state, &main_url),
            FailureKind::BlockPage,
            "HTTP {status}"
        );
    }
}

#[tokio::test]
async fn main_presents_a_certificate_from_an_unknown_ca() {
    let stranger = TestCa::new();
    let main = TestServer::start_tls(Mode::head(GOOD), stranger.server_config("main.test")).await;
    let ours = TestCa::new();
    let mirror = TestServer::start_tls(Mode::head(GOOD), ours.server_config("mirror.test")).await;
    let mut world = World::new(&["main.test", "mirror.test"]);
    world.config.extra_root_certs_pem = vec![ours.pem.clone().into_bytes()];
    let (main_url, mirror_url) = (
        url("https", "main.test", main.port()),
        url("https", "mirror.test", mirror.port()),
    );
    let (_, state) = main_fails_mirror_wins(&main, &main_url, &mirror_url, &world).await;
    assert!(
        matches!(state, ConnectionState::MainBlockedMirror(_)),
        "{state:?}"
    );
    assert_eq!(failure_of(&state, &main_url), FailureKind::Tls);
}

#[tokio::test]
async fn main_dns_answer_in_a_reserved_range_is_tampering_detected_before_connecting() {
    let mirror = TestServer::start(Mode::head(GOOD)).await;
    let mut world = World::new(&["mirror.test"]);
    // A public-looking name answered with Iran's injected address; nothing listens there and
    // nothing may connect there: the guard must reject the answer first.
    world.config.resolver = Arc::new(
        StaticResolver::new()
            .with("news.example.org", ["10.10.34.35".parse().unwrap()])
            .with("mirror.test", [LOOPBACK]),
    );
    let main_url = "http://news.example.org/".to_string();
    let mirror_url = url("http", "mirror.test", mirror.port());
    let net = world.connect(&main_url, std::slice::from_ref(&mirror_url));
    let started = Instant::now();
    let won = race(&net).await.expect("mirror answers");
    assert!(
        started.elapsed() < world.config.stagger,
        "no wait on a tampered answer"
    );
    assert_eq!(won.route.id(), mirror_url);
    let state = net.state();
    assert!(
        matches!(state, ConnectionState::MainBlockedMirror(_)),
        "{state:?}"
    );
    assert_eq!(failure_of(&state, &main_url), FailureKind::DnsTampered);
    let evidence = state.evidence().unwrap();
    let Outcome::Failed { detail, .. } = &attempt_of(&evidence.attempts, &main_url).outcome else {
        unreachable!()
    };
    assert!(detail.contains("10.10.34.35"), "{detail}");
}

#[tokio::test]
async fn main_5xx_is_mirror_only() {
    let main = TestServer::start(Mode::serve(&[("head", 503, b"overloaded")])).await;
    let mirror = TestServer::start(Mode::head(GOOD)).await;
    let world = World::new(&["main.test", "mirror.test"]);
    let (main_url, mirror_url) = (
        url("http", "main.test", main.port()),
        url("http", "mirror.test", mirror.port()),
    );
    let (_, state) = main_fails_mirror_wins(&main, &main_url, &mirror_url, &world).await;
    assert!(matches!(state, ConnectionState::MirrorOnly(_)), "{state:?}");
    assert_eq!(failure_of(&state, &main_url), FailureKind::HttpStatus);
}

#[tokio::test]
async fn main_refused_and_a_tampered_mirror_fall_through_to_a_good_mirror() {
    let bad = TestServer::start(Mode::head(b"{\"type\":\"head\",\"forged\":true}")).await;
    let good = TestServer::start(Mode::head(GOOD)).await;
    let world = World::new(&["main.test", "bad.test", "good.test"]);
    let main_url = url("http", "main.test", refused_port().await);
    let (bad_url, good_url) = (
        url("http", "bad.test", bad.port()),
        url("http", "good.test", good.port()),
    );
    let net = world.connect(&main_url, &[bad_url.clone(), good_url.clone()]);
    let started = Instant::now();
    let won = race(&net).await.expect("the good mirror answers");
    assert!(
        started.elapsed() < world.config.stagger,
        "fast failures skip the stagger"
    );
    assert_eq!(won.route.id(), good_url);
    let state = net.state();
    assert!(matches!(state, ConnectionState::MirrorOnly(_)), "{state:?}");
    assert_eq!(failure_of(&state, &main_url), FailureKind::Refused);
    assert_eq!(failure_of(&state, &bad_url), FailureKind::Verification);
}

#[tokio::test]
async fn every_international_host_fails_while_a_domestic_probe_answers_national_shutdown() {
    let main = TestServer::start(Mode::Reset).await;
    // The international probe completes TCP but not TLS: that proves nothing.
    let stranger = TestCa::new();
    let intl = TestServer::start_tls(Mode::head(b""), stranger.server_config("intl.test")).await;
    let domestic = TestServer::start(Mode::serve(&[])).await;
    let mut world = World::new(&["main.test", "mirror.test", "intl.test", "domestic.test"]);
    world.config.international_probes = vec![
        url("https", "intl.test", intl.port()),
        url("http", "intl.test", refused_port().await),
    ];
    world.config.domestic_probes = vec![url("http", "domestic.test", domestic.port())];
    let main_url = url("http", "main.test", main.port());
    let mirror_url = url("http", "mirror.test", refused_port().await);
    let net = world.connect(&main_url, std::slice::from_ref(&mirror_url));
    let lost = race(&net).await.expect_err("no route");
    assert_eq!(lost.attempts.len(), 2);
    let state = net.state();
    assert!(
        matches!(state, ConnectionState::NationalShutdown(_)),
        "{state:?}"
    );
    assert_eq!(failure_of(&state, &main_url), FailureKind::Reset);
    assert_eq!(failure_of(&state, &mirror_url), FailureKind::Refused);
    let probes = &state.evidence().unwrap().probes;
    assert_eq!(probes.len(), 3);
    assert!(intl.accepted() >= 1, "the TLS probe reached TCP");
    let tls_probe = probes.iter().find(|p| p.url.starts_with("https")).unwrap();
    assert_eq!(
        (tls_probe.answered(), tls_probe.failure),
        (false, Some(FailureKind::Tls))
    );
    let dom = probes.iter().find(|p| p.url.contains("domestic")).unwrap();
    assert_eq!(dom.status, Some(404), "any HTTP answer counts");
}

#[tokio::test]
async fn an_international_probe_answers_no_route() {
    let intl = TestServer::start(Mode::serve(&[("generate_204", 204, b"")])).await;
    let mut world = World::new(&["main.test", "mirror.test", "intl.test"]);
    world.config.international_probes =
        vec![format!("http://intl.test:{}/generate_204", intl.port())];
    let main_url = url("http", "main.test", refused_port().await);
    let net = world.connect(
        &main_url,
        &[url("http", "mirror.test", refused_port().await)],
    );
    race(&net).await.expect_err("no route");
    let state = net.state();
    assert!(matches!(state, ConnectionState::NoRoute(_)), "{state:?}");
    assert_eq!(state.evidence().unwrap().probes[0].status, Some(204));
}

#[tokio::test]
async fn nothing_answers_offline() {
    let mut world = World::new(&["main.test", "mirror.test", "intl.test", "domestic.test"]);
    world.config.international_probes = vec![url("http", "intl.test", refused_port().await)];
    world.config.domestic_probes = vec![url("http", "domestic.test", refused_port().await)];
    let main_url = url("http", "main.test", refused_port().await);
    let net = world.connect(&main_url, &[url("http", "gone.test", 80)]);
    let lost = race(&net).await.expect_err("no route");
    let state = net.state();
    assert!(matches!(state, ConnectionState::Offline(_)), "{state:?}");
    assert_eq!(failure_of(&state, &main_url), FailureKind::Refused);
    assert_eq!(
        lost.attempts
            .iter()
            .filter_map(|a| a.failure_kind())
            .collect::<Vec<_>>(),
        [FailureKind::Refused, FailureKind::Dns]
    );
    assert!(
        state
            .evidence()
            .unwrap()
            .probes
            .iter()
            .all(|p| !p.answered())
    );

    // The OS reporting no network is Offline at once, whatever was measured.
    let main = TestServer::start(Mode::head(GOOD)).await;
    let world = World::new(&["main.test"]);
    let net = world.connect(&url("http", "main.test", main.port()), &[]);
    race(&net).await.expect("main answers");
    assert_eq!(net.state().name(), "direct");
    net.set_network_available(false);
    assert_eq!(net.state().name(), "offline");
}

#[tokio::test]
async fn warm_start_after_a_block_goes_first_to_the_last_good_mirror() {
    let main = TestServer::start(Mode::Reset).await;
    let mirror = TestServer::start(Mode::head(GOOD)).await;
    let other = TestServer::start(Mode::head(GOOD)).await;
    let world = World::new(&["main.test", "mirror.test", "other.test"]);
    let main_url = url("http", "main.test", main.port());
    let mirrors = [
        url("http", "other.test", other.port()),
        url("http", "mirror.test", mirror.port()),
    ];
    // First run: other.test is tried second, after main resets, and wins.
    let net = world.connect(&main_url, &mirrors);
    assert_eq!(race(&net).await.unwrap().route.id(), mirrors[0]);
    let (main_before, other_before) = (main.accepted(), other.accepted());

    // Warm start from the same health log: the first request goes to the last good mirror.
    let net = world.connect(&main_url, &mirrors);
    assert_eq!(net.race_order()[0].id(), mirrors[0]);
    let won = race(&net).await.unwrap();
    assert_eq!(won.route.id(), mirrors[0]);
    assert_eq!(
        won.attempts.len(),
        1,
        "zero wasted attempts: {:#?}",
        won.attempts
    );
    assert_eq!(main.accepted(), main_before);
    assert_eq!(other.accepted(), other_before + 1);
    assert_eq!(mirror.accepted(), 0);
    // Main was not tried, so its remembered reset is the evidence.
    let state = net.state();
    assert!(
        matches!(state, ConnectionState::MainBlockedMirror(_)),
        "{state:?}"
    );
    let evidence = state.evidence().unwrap();
    assert!(
        evidence
            .attempts
            .iter()
            .any(|a| a.remembered && a.failure_kind() == Some(FailureKind::Reset))
    );
}

#[tokio::test]
async fn back_to_direct_after_main_recovers() {
    let main = TestServer::start(Mode::Reset).await;
    let mirror = TestServer::start(Mode::head(GOOD)).await;
    let world = World::new(&["main.test", "mirror.test"]);
    let main_url = url("http", "main.test", main.port());
    let mirror_url = url("http", "mirror.test", mirror.port());
    let net = world.connect(&main_url, std::slice::from_ref(&mirror_url));
    let mut banner = net.subscribe();
    banner.borrow_and_update();
    race(&net).await.expect("mirror answers");
    assert_eq!(net.state().name(), "main_blocked_mirror");
    assert_eq!(banner.borrow_and_update().name(), "main_blocked_mirror");

    // Main recovers; an hour later (its back-off has run out) the app starts again.
    main.set_mode(Mode::head(GOOD));
    let mut saved = world
        .log
        .load()
        .into_iter()
        .find(|h| h.url == main_url)
        .unwrap();
    saved.backoff_until = Some(saved.backoff_until.unwrap() - 3600);
    world.log.save(&saved);
    let net = world.connect(&main_url, std::slice::from_ref(&mirror_url));

    // This sync still goes through the last good mirror; a cheap check of main follows.
    let won = race(&net).await.expect("mirror answers");
    assert_eq!(won.route.id(), mirror_url);
    let deadline = Instant::now() + Duration::from_secs(5);
    while net.race_order()[0].id() != main_url {
        assert!(Instant::now() < deadline, "main was never re-checked");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // The next sync goes to main first and the banner says Direct again.
    let mirror_before = mirror.accepted();
    let mut banner = net.subscribe();
    banner.borrow_and_update();
    let won = race(&net).await.expect("main answers");
    assert_eq!(won.route.id(), main_url);
    assert_eq!(mirror.accepted(), mirror_before);
    let state = net.state();
    assert!(matches!(state, ConnectionState::Direct(_)), "{state:?}");
    assert!(banner.has_changed().unwrap());
    assert_eq!(banner.borrow_and_update().name(), "direct");
}

#[tokio::test]
async fn pinned_files_are_hash_checked_and_fetched_from_any_route() {
    let content = b"\x1f\x8b log bytes".to_vec();
    let path = layout::log(&sha256_hex(&content));
    let preferred = TestServer::start(Mode::serve(&[(&path, 200, b"\x1f\x8b tampered")])).await;
    let lagging = TestServer::start(Mode::serve(&[])).await;
    let folder = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(folder.path().join("log")).unwrap();
    std::fs::write(folder.path().join(&path), &content).unwrap();
    let world = World::new(&["main.test", "lagging.test"]);
    let preferred_url = url("http", "main.test", preferred.port());
    let net = world.connect(
        &preferred_url,
        &[url("http", "lagging.test", lagging.port())],
    );
    let folder_route = net.add_route(article_sync_core::net::Route::folder(folder.path()).unwrap());
    let main = net.routes()[0].route.clone();

    let won = net
        .fetch_pinned(&main, &path, &sha256_hex(&content), content.len() as u64)
        .await
        .expect("the folder has it");
    assert_eq!(won.value, content);
    assert_eq!(won.route, folder_route);
    assert_eq!(
        attempt_of(&won.attempts, &preferred_url).failure_kind(),
        Some(FailureKind::Verification)
    );

    // Caps hold for folders too, and paths outside the tree are refused before any I/O.
    let lost = net
        .fetch_pinned(&folder_route, &path, &sha256_hex(&content), 4)
        .await
        .expect_err("over cap");
    assert!(lost.attempts.iter().all(|a| !a.is_ok()));
    let err = net
        .client()
        .fetch(&folder_route, "../etc/passwd", 1024, None)
        .await
        .unwrap_err();
    assert_eq!(err.kind, FailureKind::Other);
}

#[tokio::test]
async fn timeouts_are_told_apart_connect_from_read() {
    // The same silent server: over http the request is sent and the answer stalls (a read
    // timeout); over https the TLS handshake stalls, which is part of connecting.
    let silent = TestServer::start(Mode::Blackhole).await;
    let mut world = World::new(&["silent.test"]);
    let (short, long) = (Duration::from_millis(300), Duration::from_secs(2));
    for (scheme, connect, read, kind) in [
        ("http", long, short, FailureKind::ReadTimeout),
        ("https", short, long, FailureKind::ConnectTimeout),
    ] {
        world.config.connect_timeout = connect;
        world.config.read_timeout = read;
        let net = world.connect(&url(scheme, "silent.test", silent.port()), &[]);
        let started = Instant::now();
        let err = net
            .client()
            .fetch(&net.routes()[0].route, layout::HEAD, HEAD_MAX, None)
            .await
            .unwrap_err();
        assert_eq!(err.kind, kind, "{scheme}: {err}");
        assert!(started.elapsed() < Duration::from_secs(1), "{scheme}");
    }
}

#[tokio::test]
async fn a_slow_drip_is_cut_by_the_request_timeout() {
    let drip = TestServer::start(Mode::Drip).await;
    let mut world = World::new(&["drip.test"]);
    world.config.read_timeout = Duration::from_secs(2);
    world.config.request_timeout = Duration::from_millis(600);
    let net = world.connect(&url("http", "drip.test", drip.port()), &[]);
    let started = Instant::now();
    let err = net
        .client()
        .fetch(&net.routes()[0].route, layout::HEAD, HEAD_MAX, None)
        .await
        .unwrap_err();
    assert_eq!(err.kind, FailureKind::ReadTimeout, "{err}");
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(600) && elapsed < Duration::from_secs(2));
}
