//! A TCP proxy on 127.0.0.1 that drops connections where a test tells it to, and keeps every
//! byte clients sent (what an observer on the path sees).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio::time::Duration;

/// A passing connection is closed once the server has answered and then been quiet this long.
/// Each connection carries one exchange and so gets its own fate: a second request on it is
/// dropped (and counted as a cut).
const IDLE_CLOSE: Duration = Duration::from_millis(100);

/// What the proxy does with one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    /// Forwards both ways.
    Pass,
    /// Forwards the first `n` bytes the client sends, then drops both sides: the request is
    /// cut before the server has all of it.
    Request(usize),
    /// Forwards the request whole, and drops both sides when the server starts answering: the
    /// server did its work, the client never learns it.
    Answer,
    /// Forwards both ways, holding the answer back this long first.
    Delay(Duration),
}

type Plan = dyn Fn(usize) -> Cut + Send + Sync;

/// A running proxy; stops on drop.
pub struct Proxy {
    pub addr: SocketAddr,
    captured: Arc<Mutex<Vec<u8>>>,
    cuts: Arc<AtomicUsize>,
    task: JoinHandle<()>,
}

impl Proxy {
    /// Proxies to `upstream`; `plan(i)` decides the fate of the `i`-th connection (from 0).
    pub async fn start(
        upstream: SocketAddr,
        plan: impl Fn(usize) -> Cut + Send + Sync + 'static,
    ) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("address");
        let captured = Arc::new(Mutex::new(Vec::new()));
        let cuts = Arc::new(AtomicUsize::new(0));
        let plan: Arc<Plan> = Arc::new(plan);
        let task = {
            let (captured, cuts) = (captured.clone(), cuts.clone());
            tokio::spawn(async move {
                for i in 0.. {
                    let Ok((client, _)) = listener.accept().await else {
                        continue;
                    };
                    let cut = plan(i);
                    if matches!(cut, Cut::Request(_) | Cut::Answer) {
                        cuts.fetch_add(1, Ordering::SeqCst);
                    }
                    let (captured, cuts) = (captured.clone(), cuts.clone());
                    tokio::spawn(async move {
                        if let Ok(server) = TcpStream::connect(upstream).await {
                            relay(client, server, cut, &captured, &cuts).await;
                        }
                    });
                }
            })
        };
        Proxy {
            addr,
            captured,
            cuts,
            task,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// Every byte clients sent through the proxy.
    pub fn captured(&self) -> Vec<u8> {
        self.captured.lock().unwrap().clone()
    }

    /// Connections dropped on purpose so far.
    pub fn cuts(&self) -> usize {
        self.cuts.load(Ordering::SeqCst)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn relay(
    mut client: TcpStream,
    mut server: TcpStream,
    cut: Cut,
    captured: &Mutex<Vec<u8>>,
    cuts: &AtomicUsize,
) {
    let (mut client_in, mut client_out) = client.split();
    let (mut server_in, mut server_out) = server.split();
    let answered = std::sync::atomic::AtomicBool::new(false);
    let up = async {
        let mut buf = [0u8; 8192];
        let mut sent = 0usize;
        loop {
            let n = match client_in.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            if answered.load(Ordering::SeqCst) {
                // A second request on this connection: dropped.
                cuts.fetch_add(1, Ordering::SeqCst);
                return;
            }
            let n = match cut {
                Cut::Request(limit) => n.min(limit.saturating_sub(sent)),
                _ => n,
            };
            captured.lock().unwrap().extend_from_slice(&buf[..n]);
            if server_out.write_all(&buf[..n]).await.is_err() {
                break;
            }
            sent += n;
            if matches!(cut, Cut::Request(limit) if sent >= limit) {
                return;
            }
        }
        // The client is done sending: pass its end on and let the answer come.
        let _ = server_out.shutdown().await;
        std::future::pending::<()>().await
    };
    let self_answered = &answered;
    let down = async {
        let mut buf = [0u8; 8192];
        let mut answered = false;
        loop {
            let read = server_in.read(&mut buf);
            let n = if answered {
                match tokio::time::timeout(IDLE_CLOSE, read).await {
                    Ok(Ok(n)) => n,
                    _ => return,
                }
            } else {
                read.await.unwrap_or(0)
            };
            if n == 0 {
                return;
            }
            if !answered && let Cut::Delay(d) = cut {
                tokio::time::sleep(d).await;
            }
            answered = true;
            self_answered.store(true, Ordering::SeqCst);
            if cut == Cut::Answer || client_out.write_all(&buf[..n]).await.is_err() {
                return;
            }
        }
    };
    if matches!(cut, Cut::Request(_) | Cut::Answer) {
        // A cut ends the connection at once, both sides dropped.
        tokio::select! {
            () = up => {}
            () = down => {}
        }
    } else {
        // The connection ends when the answer is done, or when a second request comes.
        tokio::select! {
            () = up => {}
            () = down => {}
        }
    }
}
