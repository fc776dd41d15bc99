//! A small WebDriver client for chromedriver: sessions, navigation, scripts, elements,
//! screenshots and Chrome's logs — what the browser tests need, over blocking HTTP.

use base64::Engine as _;
use serde_json::{json, Value};
use std::io::Read as _;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// What went wrong talking to the driver.
pub type Error = String;

/// A chromedriver process this test started; killed when dropped.
pub struct Driver {
    child: Child,
    base: String,
    agent: ureq::Agent,
}

/// A browser session; closed when dropped.
pub struct Session<'a> {
    driver: &'a Driver,
    id: String,
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .proxy(None)
        .timeout_global(Some(Duration::from_secs(120)))
        .build()
        .into()
}

impl Driver {
    /// Starts chromedriver on a free local port and waits until it answers.
    pub fn start(chromedriver: &Path) -> Result<Driver, Error> {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("no free port: {e}"))?
            .port();
        let child = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("starting {}: {e}", chromedriver.display()))?;
        let driver = Driver {
            child,
            base: format!("http://127.0.0.1:{port}"),
            agent: agent(),
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(v) = driver.request("GET", "/status", None) {
                if v["ready"] == json!(true) {
                    return Ok(driver);
                }
            }
            if Instant::now() > deadline {
                return Err("chromedriver did not become ready in 20 s".into());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// One WebDriver command; returns its `value`, or the driver's error.
    fn request(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, Error> {
        let url = format!("{}{path}", self.base);
        let response = match (method, body) {
            ("GET", _) => self.agent.get(&url).call(),
            ("DELETE", _) => self.agent.delete(&url).call(),
            (_, body) => self
                .agent
                .post(&url)
                .header("Content-Type", "application/json")
                .send(body.unwrap_or_else(|| json!({})).to_string()),
        };
        let mut response = response.map_err(|e| format!("{method} {path}: {e}"))?;
        let mut text = String::new();
        response
            .body_mut()
            .as_reader()
            .read_to_string(&mut text)
            .map_err(|e| format!("{method} {path}: reading the answer: {e}"))?;
        let v: Value =
            serde_json::from_str(&text).map_err(|e| format!("{method} {path}: {e}: {text}"))?;
        let value = v.get("value").cloned().unwrap_or(Value::Null);
        if let Some(err) = value.get("error").and_then(Value::as_str) {
            let message = value.get("message").and_then(Value::as_str).unwrap_or("");
            return Err(format!("{method} {path}: {err}: {message}"));
        }
        Ok(value)
    }

    /// Opens headless Chromium with a fresh profile, its console and network logged.
    pub fn session(&self, chromium: &Path, profile: &Path) -> Result<Session<'_>, Error> {
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium.to_string_lossy(),
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-background-networking", "--no-first-run",
                    "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--hide-scrollbars",
                    format!("--user-data-dir={}", profile.display()),
                    "--window-size=1366,900"
                ],
                "perfLoggingPrefs": {"enableNetwork": true, "enablePage": false}
            },
            "goog:loggingPrefs": {"browser": "ALL", "performance": "ALL"}
        }}});
        let v = self.request("POST", "/session", Some(caps))?;
        let id = v["sessionId"]
            .as_str()
            .ok_or_else(|| format!("no session id in {v}"))?
            .to_string();
        Ok(Session { driver: self, id })
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Session<'_> {
    fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, Error> {
        self.driver
            .request(method, &format!("/session/{}{path}", self.id), body)
    }

    /// Opens a URL and waits for the load to finish.
    pub fn navigate(&self, url: &str) -> Result<(), Error> {
        self.cmd("POST", "/url", Some(json!({ "url": url })))
            .map(drop)
    }

    /// Runs a script (its body; `arguments` holds `args`) and returns what it returns.
    pub fn execute(&self, script: &str, args: Value) -> Result<Value, Error> {
        self.cmd(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": args})),
        )
    }

    /// Polls `script` until it returns true.
    pub fn wait_for(&self, script: &str, what: &str) -> Result<(), Error> {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if self.execute(script, json!([]))? == json!(true) {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err(format!("timed out waiting for {what}"))
    }

    /// The element matching a CSS selector.
    pub fn find(&self, css: &str) -> Result<String, Error> {
        let v = self.cmd(
            "POST",
            "/element",
            Some(json!({"using": "css selector", "value": css})),
        )?;
        v.as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| format!("no element id in {v}"))
    }

    /// Types into an element, as a user would.
    pub fn type_into(&self, element: &str, text: &str) -> Result<(), Error> {
        self.cmd(
            "POST",
            &format!("/element/{element}/value"),
            Some(json!({ "text": text })),
        )
        .map(drop)
    }

    /// Clicks an element.
    pub fn click(&self, element: &str) -> Result<(), Error> {
        self.cmd("POST", &format!("/element/{element}/click"), None)
            .map(drop)
    }

    /// A PNG of the viewport.
    pub fn screenshot(&self) -> Result<Vec<u8>, Error> {
        let v = self.cmd("GET", "/screenshot", None)?;
        let b64 = v.as_str().ok_or("no screenshot data")?;
        base64::engine::general_purpose::STANDARD
            .decode(b64)
            .map_err(|e| format!("screenshot: {e}"))
    }

    /// Resizes the window (the screenshot's size).
    pub fn set_window(&self, width: u32, height: u32) -> Result<(), Error> {
        self.cmd(
            "POST",
            "/window/rect",
            Some(json!({"width": width, "height": height})),
        )
        .map(drop)
    }

    /// Chrome's log entries of a kind (`browser`: the console; `performance`: DevTools
    /// events, the network among them) since the last call.
    pub fn logs(&self, kind: &str) -> Result<Vec<Value>, Error> {
        let v = self.cmd("POST", "/se/log", Some(json!({ "type": kind })))?;
        Ok(v.as_array().cloned().unwrap_or_default())
    }
}

impl Drop for Session<'_> {
    fn drop(&mut self) {
        let _ = self
            .driver
            .request("DELETE", &format!("/session/{}", self.id), None);
    }
}
