//! Real test servers on 127.0.0.1: they serve, reset, hold connections open without answering,
//! serve block pages, or present a certificate from a CA the client does not know.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;

pub const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

/// What a test server does with a connection.
#[derive(Debug, Clone)]
pub enum Mode {
    /// Answers each path from the table (status, body); unknown paths get 404.
    Serve(HashMap<String, (u16, Vec<u8>)>),
    /// Reads the request, then resets the connection (SO_LINGER 0).
    Reset,
    /// Accepts and never answers.
    Blackhole,
    /// Answers 200 and then drips the body a byte every 100 ms.
    Drip,
    /// Answers every path with `302 Found` to this location.
    Redirect(String),
}

impl Mode {
    /// Serves `body` with status 200 at `head`.
    pub fn head(body: &[u8]) -> Mode {
        Mode::serve(&[("head", 200, body)])
    }

    pub fn serve(files: &[(&str, u16, &[u8])]) -> Mode {
        Mode::Serve(
            files
                .iter()
                .map(|(p, s, b)| (p.to_string(), (*s, b.to_vec())))
                .collect(),
        )
    }
}

/// A server on 127.0.0.1 with a switchable mode and a count of accepted connections.
pub struct TestServer {
    pub addr: SocketAddr,
    mode: Arc<Mutex<Mode>>,
    accepted: Arc<AtomicUsize>,
    requests: Arc<Mutex<Vec<String>>>,
    task: JoinHandle<()>,
}

impl TestServer {
    pub async fn start(mode: Mode) -> TestServer {
        Self::start_inner(mode, None).await
    }

    /// The same, behind TLS with `config`.
    pub async fn start_tls(mode: Mode, config: ServerConfig) -> TestServer {
        Self::start_inner(mode, Some(TlsAcceptor::from(Arc::new(config)))).await
    }

    async fn start_inner(mode: Mode, tls: Option<TlsAcceptor>) -> TestServer {
        let listener = TcpListener::bind((LOOPBACK, 0))
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let mode = Arc::new(Mutex::new(mode));
        let accepted = Arc::new(AtomicUsize::new(0));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let (m, a, r) = (mode.clone(), accepted.clone(), requests.clone());
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                a.fetch_add(1, Ordering::SeqCst);
                let mode = m.lock().expect("mode").clone();
                let tls = tls.clone();
                let requests = r.clone();
                tokio::spawn(async move {
                    match tls {
                        None => handle(stream, mode, requests).await,
                        Some(acceptor) => {
                            if let Ok(s) = acceptor.accept(stream).await {
                                handle_stream(s, mode, requests).await;
                            }
                        }
                    }
                });
            }
        });
        TestServer {
            addr,
            mode,
            accepted,
            requests,
            task,
        }
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    pub fn set_mode(&self, mode: Mode) {
        *self.mode.lock().expect("mode") = mode;
    }

    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    /// The head (request line and headers) of every request read so far, oldest first.
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().expect("requests").clone()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A loopback port with no listener: connecting is refused.
pub async fn refused_port() -> u16 {
    let l = TcpListener::bind((LOOPBACK, 0)).await.expect("bind");
    l.local_addr().expect("addr").port()
}

type Requests = Arc<Mutex<Vec<String>>>;

async fn handle(stream: TcpStream, mode: Mode, requests: Requests) {
    match mode {
        Mode::Reset => {
            let mut stream = stream;
            let _ = read_request(&mut stream, &requests).await;
            let _ = stream.set_zero_linger();
            drop(stream);
        }
        other => handle_stream(stream, other, requests).await,
    }
}

async fn handle_stream<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    mode: Mode,
    requests: Requests,
) {
    let Some(path) = read_request(&mut stream, &requests).await else {
        return;
    };
    match mode {
        Mode::Serve(files) => {
            let (status, body) = files
                .get(path.trim_start_matches('/'))
                .cloned()
                .unwrap_or((404, b"not found".to_vec()));
            let head = format!(
                "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.write_all(&body).await;
            let _ = stream.shutdown().await;
        }
        Mode::Blackhole => {
            std::future::pending::<()>().await;
        }
        Mode::Drip => {
            let head = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n";
            let _ = stream.write_all(head.as_bytes()).await;
            for _ in 0..1000 {
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                if stream.write_all(b"x").await.is_err() || stream.flush().await.is_err() {
                    return;
                }
            }
        }
        Mode::Redirect(location) => {
            let head = format!(
                "HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.shutdown().await;
        }
        // A TLS stream cannot set SO_LINGER; close abruptly instead.
        Mode::Reset => drop(stream),
    }
}

/// Reads request headers and records them; returns the path.
async fn read_request<S: AsyncRead + Unpin>(stream: &mut S, requests: &Requests) -> Option<String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 || buf.len() > 16 * 1024 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let line = String::from_utf8_lossy(&buf);
    requests.lock().expect("requests").push(line.to_string());
    line.split_whitespace().nth(1).map(str::to_string)
}
