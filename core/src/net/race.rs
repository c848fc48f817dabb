//! Racing routes: start the first, start the next after a stagger or at once when an attempt
//! fails, take the first verified answer, cancel the rest.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

use super::client::FetchError;
use super::evidence::{Attempt, Outcome, millis};
use super::routes::Route;
use futures::StreamExt;
use futures::stream::FuturesUnordered;

/// Timing of a race.
#[derive(Debug, Clone, Copy)]
pub struct RaceTiming {
    pub stagger: Duration,
    pub deadline: Duration,
}

/// The first route whose answer was accepted, with every attempt of the race.
#[derive(Debug)]
pub struct Won<T> {
    pub route: Route,
    pub value: T,
    pub attempts: Vec<Attempt>,
}

/// No route gave an accepted answer before the deadline; the attempts say why.
#[derive(Debug, Clone, thiserror::Error)]
#[error("no route answered {path}: {} attempt(s) failed", attempts.len())]
pub struct Lost {
    pub path: String,
    pub attempts: Vec<Attempt>,
}

/// Races `routes` in the given order for `path`. `fetch` returns `Ok` only for an answer the
/// caller accepts (verification is the caller's job) and a typed failure otherwise. The next
/// route starts `stagger` after the previous one, or at once when every running attempt has
/// failed; the first `Ok` wins and the other attempts are dropped (cancelled). Performs I/O only
/// through `fetch`.
pub async fn race<T, F, Fut>(
    routes: &[Route],
    path: &str,
    timing: RaceTiming,
    mut fetch: F,
) -> Result<Won<T>, Lost>
where
    F: FnMut(Route) -> Fut,
    Fut: Future<Output = Result<T, FetchError>>,
{
    let deadline = Instant::now() + timing.deadline;
    let mut attempts = Vec::new();
    let mut in_flight: Vec<Option<Instant>> = vec![None; routes.len()];
    let mut running = FuturesUnordered::new();
    let mut next = 0usize;
    let mut next_start = Instant::now();

    // `winner_started`: when the winning attempt started (`None` at the deadline).
    let cancel_rest = |in_flight: &[Option<Instant>],
                       attempts: &mut Vec<Attempt>,
                       winner_started: Option<Instant>| {
        for (i, started) in in_flight.iter().enumerate() {
            if let Some(t0) = started {
                attempts.push(Attempt::new(
                    &routes[i],
                    path,
                    Outcome::Cancelled {
                        after_ms: millis(t0.elapsed()),
                        overtaken: winner_started.is_some_and(|w| *t0 < w),
                    },
                ));
            }
        }
    };

    loop {
        let now = Instant::now();
        if next < routes.len() && (running.is_empty() || now >= next_start) {
            let i = next;
            next += 1;
            next_start = now + timing.stagger;
            in_flight[i] = Some(Instant::now());
            let fut = fetch(routes[i].clone());
            running.push(async move { (i, fut.await) });
            continue;
        }
        if running.is_empty() {
            return Err(Lost {
                path: path.into(),
                attempts,
            });
        }
        let stagger_wait = async {
            if next < routes.len() {
                tokio::time::sleep_until(next_start).await
            } else {
                std::future::pending::<()>().await
            }
        };
        tokio::select! {
            biased;
            Some((i, result)) = running.next() => {
                let started = in_flight[i].take();
                let elapsed = started.map(|t| t.elapsed()).unwrap_or_default();
                match result {
                    Ok(value) => {
                        attempts.push(Attempt::new(
                            &routes[i],
                            path,
                            Outcome::Ok { latency_ms: millis(elapsed) },
                        ));
                        cancel_rest(&in_flight, &mut attempts, started);
                        return Ok(Won { route: routes[i].clone(), value, attempts });
                    }
                    Err(e) => {
                        attempts.push(Attempt::new(
                            &routes[i],
                            path,
                            Outcome::Failed { kind: e.kind, detail: e.detail },
                        ));
                        // A failure (refused, reset, DNS, a rejected answer) starts the next
                        // route at once, even while others are still running.
                        next_start = Instant::now();
                    }
                }
            }
            () = stagger_wait => {}
            () = tokio::time::sleep_until(deadline) => {
                cancel_rest(&in_flight, &mut attempts, None);
                return Err(Lost { path: path.into(), attempts });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::evidence::{FailureKind, RouteSource};

    fn routes(n: usize) -> Vec<Route> {
        (0..n)
            .map(|i| Route::parse(&format!("https://r{i}.example/"), RouteSource::BuiltIn).unwrap())
            .collect()
    }

    fn timing(stagger_ms: u64) -> RaceTiming {
        RaceTiming {
            stagger: Duration::from_millis(stagger_ms),
            deadline: Duration::from_secs(5),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_silent_route_is_overtaken_after_one_stagger() {
        let rs = routes(2);
        let started = Instant::now();
        let won = race(&rs, "head", timing(250), |r| async move {
            if r.id().contains("r0") {
                std::future::pending::<()>().await;
            }
            Ok::<_, FetchError>(r.id().to_string())
        })
        .await
        .unwrap();
        assert_eq!(won.value, "https://r1.example/");
        assert_eq!(started.elapsed(), Duration::from_millis(250));
        assert!(matches!(
            won.attempts
                .iter()
                .find(|a| a.url.contains("r0"))
                .unwrap()
                .outcome,
            Outcome::Cancelled {
                after_ms: 250,
                overtaken: true
            }
        ));
    }

    #[tokio::test(start_paused = true)]
    async fn only_routes_started_before_the_winner_are_overtaken() {
        let rs = routes(3);
        let won = race(&rs, "head", timing(250), |r| async move {
            match r.id() {
                id if id.contains("r1") => tokio::time::sleep(Duration::from_millis(300)).await,
                _ => std::future::pending::<()>().await,
            }
            Ok::<_, FetchError>(())
        })
        .await
        .unwrap();
        assert_eq!(won.route.id(), "https://r1.example/");
        let overtaken = |id: &str| {
            won.attempts
                .iter()
                .find(|a| a.url.contains(id))
                .map(|a| a.outcome.clone())
        };
        assert_eq!(
            overtaken("r0"),
            Some(Outcome::Cancelled {
                after_ms: 550,
                overtaken: true
            })
        );
        assert_eq!(
            overtaken("r2"),
            Some(Outcome::Cancelled {
                after_ms: 50,
                overtaken: false
            })
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_fast_failure_starts_the_next_route_at_once() {
        let rs = routes(3);
        let started = Instant::now();
        let won = race(&rs, "head", timing(250), |r| async move {
            if r.id().contains("r2") {
                Ok(2)
            } else {
                Err(FetchError::new(FailureKind::Refused, "refused"))
            }
        })
        .await
        .unwrap();
        assert_eq!(won.value, 2);
        assert_eq!(started.elapsed(), Duration::ZERO);
        let kinds: Vec<_> = won.attempts.iter().map(|a| a.failure_kind()).collect();
        assert_eq!(
            kinds,
            [Some(FailureKind::Refused), Some(FailureKind::Refused), None]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn the_deadline_ends_a_race_with_evidence() {
        let rs = routes(2);
        let lost = race(&rs, "head", timing(250), |_r| async move {
            std::future::pending::<Result<(), FetchError>>().await
        })
        .await
        .unwrap_err();
        assert_eq!(lost.attempts.len(), 2);
        assert!(lost.attempts.iter().all(|a| matches!(
            a.outcome,
            Outcome::Cancelled {
                overtaken: false,
                ..
            }
        )));
    }
}
