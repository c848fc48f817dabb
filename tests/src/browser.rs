//! Headless Chromium (Debian's `chromium`, installed by `scripts/install-deps.sh`) driven
//! through the Chrome DevTools Protocol over `--remote-debugging-pipe`: JSON messages ended by
//! a NUL byte, read by the browser on fd 3 and written on fd 4 (here: its stdin and stdout,
//! moved there by `sh`). No WebSocket, no extra crate.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};

/// How long one protocol call or one page load may take.
const TIMEOUT: Duration = Duration::from_secs(30);

/// A headless browser; killed when dropped.
pub struct Browser {
    child: Child,
    stdin: ChildStdin,
    messages: Receiver<Value>,
    next_id: u64,
    /// Events received while waiting for answers, oldest first.
    events: Vec<Value>,
    _profile: tempfile::TempDir,
}

/// A tab, attached in flat mode: commands carry its session id.
pub struct Tab {
    session: String,
}

/// What loading a page did.
pub struct Load {
    /// The URL of every request the page made (the document's own first).
    pub requests: Vec<String>,
}

impl Browser {
    /// Starts `chromium` (or `$CHROMIUM`) headless with a fresh profile and a window of
    /// `width`×`height` CSS pixels.
    pub fn launch(width: u32, height: u32) -> Browser {
        let profile = tempfile::tempdir().unwrap();
        let binary = std::env::var("CHROMIUM").unwrap_or_else(|_| "chromium".into());
        // The browser reads fd 3 and writes fd 4: our pipes, moved there.
        let script = "exec \"$0\" \"$@\" 3<&0 4>&1 </dev/null >/dev/null 2>&1";
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(script)
            .arg(&binary)
            .args([
                "--headless=new",
                "--remote-debugging-pipe",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--hide-scrollbars",
                "--mute-audio",
                "--lang=fa",
                &format!("--window-size={width},{height}"),
                &format!("--user-data-dir={}", profile.path().display()),
                "about:blank",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {binary} (scripts/install-deps.sh): {e}"));
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, messages) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut buf = Vec::new();
            while reader.read_until(0, &mut buf).is_ok_and(|n| n > 0) {
                if buf.last() == Some(&0) {
                    buf.pop();
                }
                if let Ok(value) = serde_json::from_slice::<Value>(&buf)
                    && tx.send(value).is_err()
                {
                    return;
                }
                buf.clear();
            }
        });
        Browser {
            child,
            stdin,
            messages,
            next_id: 1,
            events: Vec::new(),
            _profile: profile,
        }
    }

    /// Sends a command (to a tab's session, or to the browser) and returns its result.
    pub fn call(&mut self, session: Option<&Tab>, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        let mut message = json!({ "id": id, "method": method, "params": params });
        if let Some(tab) = session {
            message["sessionId"] = json!(tab.session);
        }
        let mut bytes = serde_json::to_vec(&message).unwrap();
        bytes.push(0);
        self.stdin.write_all(&bytes).unwrap();
        self.stdin.flush().unwrap();
        loop {
            let message = self.next_message();
            if message["id"] == json!(id) {
                if let Some(error) = message.get("error") {
                    panic!("{method}: {error}");
                }
                return message["result"].clone();
            }
            self.events.push(message);
        }
    }

    fn next_message(&mut self) -> Value {
        match self.messages.recv_timeout(TIMEOUT) {
            Ok(message) => message,
            Err(RecvTimeoutError::Timeout) => panic!("the browser did not answer in {TIMEOUT:?}"),
            Err(RecvTimeoutError::Disconnected) => panic!("the browser exited"),
        }
    }

    /// A new tab with the network and page domains on.
    pub fn tab(&mut self) -> Tab {
        let target = self.call(None, "Target.createTarget", json!({ "url": "about:blank" }));
        let attached = self.call(
            None,
            "Target.attachToTarget",
            json!({ "targetId": target["targetId"], "flatten": true }),
        );
        let tab = Tab {
            session: attached["sessionId"].as_str().unwrap().to_string(),
        };
        self.call(Some(&tab), "Page.enable", json!({}));
        self.call(Some(&tab), "Network.enable", json!({}));
        tab
    }

    /// Opens `url` in `tab` and waits for its load event.
    pub fn load(&mut self, tab: &Tab, url: &str) -> Load {
        self.events.clear();
        let navigated = self.call(Some(tab), "Page.navigate", json!({ "url": url }));
        if let Some(error) = navigated.get("errorText") {
            panic!("{url}: {error}");
        }
        let started = Instant::now();
        let is_load = |e: &Value| {
            e["method"] == "Page.loadEventFired" && e["sessionId"] == json!(tab.session)
        };
        while !self.events.iter().any(is_load) {
            assert!(started.elapsed() < TIMEOUT, "{url} did not load");
            let message = self.next_message();
            self.events.push(message);
        }
        // A late load event of the page before is no proof: wait for this document too.
        while self.eval(tab, "document.readyState === 'complete' && location.href") != json!(url) {
            assert!(started.elapsed() < TIMEOUT, "{url} did not load");
            std::thread::sleep(Duration::from_millis(20));
        }
        let requests = self
            .events
            .iter()
            .filter(|e| {
                e["method"] == "Network.requestWillBeSent" && e["sessionId"] == json!(tab.session)
            })
            .filter_map(|e| e["params"]["request"]["url"].as_str().map(String::from))
            .collect();
        Load { requests }
    }

    /// Evaluates a JavaScript expression in the page (the test's, not the page's: the site
    /// has none) and returns its value.
    pub fn eval(&mut self, tab: &Tab, expression: &str) -> Value {
        let result = self.call(
            Some(tab),
            "Runtime.evaluate",
            json!({ "expression": expression, "returnByValue": true }),
        );
        if let Some(exception) = result.get("exceptionDetails") {
            panic!("{expression}: {exception}");
        }
        result["result"]["value"].clone()
    }

    /// A PNG of the tab's viewport.
    pub fn screenshot(&mut self, tab: &Tab) -> Vec<u8> {
        let shot = self.call(
            Some(tab),
            "Page.captureScreenshot",
            json!({ "format": "png" }),
        );
        base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().unwrap())
            .unwrap()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
