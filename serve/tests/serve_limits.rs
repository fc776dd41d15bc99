//! `kbundle serve` under load and abuse: a thousand idle connections, request heads that
//! never end or are far too big, huge paths and query strings, clients that stop reading.
//! Other clients are still served, the server's memory stays bounded, and every limit of
//! [`Limits`] (docs/serve.md, "Limits") holds.
//!
//! Deadlines are generous (a loaded 2-core machine, a debug build): they tell "answered"
//! from "stuck", never fast from slow.

mod serve_common;

use kbundle_serve::{Bundle, FaultPlan, Limits, ServeOptions, Server};
use serve_common::{bundle_of, cluster};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The longest any single answer may take here; far above the milliseconds it takes.
const ANSWER: Duration = Duration::from_secs(30);

/// The tests of this file measure the process's memory: one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

fn server(limits: Limits, faults: &[&str]) -> Server {
    let bundle: Bundle = bundle_of(&cluster::files(), 1_800_000_000);
    let mut plan = FaultPlan::default();
    for f in faults {
        plan.add(f).unwrap();
    }
    Server::start(
        Arc::new(bundle),
        ServeOptions {
            port: 0,
            limits,
            faults: plan,
        },
    )
    .unwrap()
}

/// This process's resident memory (the server runs in it).
fn rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace()
        .nth(1)
        .unwrap()
        .parse::<u64>()
        .unwrap()
        * 1024
}

/// Sends `head` (a whole request head) and returns the status code of the answer, or `None`
/// when the server closed the connection without one. Fails the test if nothing happens
/// within [`ANSWER`].
fn status_of(server: &Server, head: &[u8]) -> Option<u16> {
    let mut s = TcpStream::connect(server.addr()).unwrap();
    s.set_read_timeout(Some(ANSWER)).unwrap();
    // The server may answer (431) and close before it read everything: a write error then
    // is part of the answer, not a failure.
    let _ = s.write_all(head);
    let mut answer = Vec::new();
    let started = Instant::now();
    // At most 1 MiB: the answers asked for here are small, and a body that never ended
    // must fail the test, not fill the memory.
    let _ = (&mut s).take(1 << 20).read_to_end(&mut answer);
    assert!(started.elapsed() < ANSWER, "no answer within {ANSWER:?}");
    let text = String::from_utf8_lossy(&answer);
    text.strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok())
}

fn get(path: &str) -> Vec<u8> {
    format!(
        "GET {path} HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\nConnection: close\r\n\r\n"
    )
    .into_bytes()
}

/// Normal clients, each on a fresh connection: every one answered.
fn others_are_served(server: &Server) {
    for path in [
        "/version",
        "/api/v1/namespaces/kube-system/pods",
        "/api/v1/pods?limit=1",
        "/apis",
    ] {
        assert_eq!(status_of(server, &get(path)), Some(200), "{path}");
    }
}

#[test]
fn a_thousand_idle_connections_and_huge_requests_leave_others_served_in_bounded_memory() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let server = server(Limits::default(), &[]);
    others_are_served(&server);
    let before = rss();

    // A thousand connections that send nothing.
    let idle: Vec<TcpStream> = (0..1000)
        .map(|_| TcpStream::connect(server.addr()).unwrap())
        .collect();
    // Two hundred that send 300 KB of a request head that never ends: past the 64 KiB head
    // limit each is answered 431 and closed, instead of each holding what it sent.
    let line = format!("X-Filler: {}\r\n", "f".repeat(1000));
    let mut heads: Vec<TcpStream> = (0..200)
        .map(|_| {
            let mut s = TcpStream::connect(server.addr()).unwrap();
            s.set_write_timeout(Some(ANSWER)).unwrap();
            let _ = s.write_all(b"GET /api/v1/pods HTTP/1.1\r\nHost: x\r\n");
            for _ in 0..300 {
                if s.write_all(line.as_bytes()).is_err() {
                    break;
                }
            }
            s
        })
        .collect();
    others_are_served(&server);

    // Paths and query strings up to the limit are read; past it, 431.
    let long_selector = format!(
        "/api/v1/pods?labelSelector=app%20in%20({})",
        vec!["x"; 20_000].join(",")
    );
    assert_eq!(status_of(&server, &get(&long_selector)), Some(200));
    let long_path = format!("/api/v1/namespaces/{}/pods", "n".repeat(40_000));
    assert_eq!(status_of(&server, &get(&long_path)), Some(200));
    for huge in [
        format!("/api/v1/namespaces/{}/pods", "n".repeat(1 << 20)),
        format!("/api/v1/pods?labelSelector={}", "a".repeat(1 << 20)),
        format!("/{}", "%2F".repeat(300_000)),
    ] {
        assert_eq!(status_of(&server, &get(&huge)), Some(431));
    }
    others_are_served(&server);

    // The connections of over-long heads were closed by the server.
    for s in &mut heads {
        s.set_read_timeout(Some(ANSWER)).unwrap();
        let mut answer = Vec::new();
        let _ = s.read_to_end(&mut answer);
        assert!(
            answer.is_empty() || answer.starts_with(b"HTTP/1.1 431"),
            "{:?}",
            String::from_utf8_lossy(&answer[..answer.len().min(100)])
        );
    }
    let grown = rss().saturating_sub(before);
    kbundle_testkit::say(&format!(
        "1,000 idle + 200 over-long heads + huge paths: RSS grew {} MiB",
        grown >> 20
    ));
    // 1,200 connections at the 64 KiB head limit would be 75 MiB; without it, the 200 heads
    // alone hold 60 MB.
    assert!(grown < 48 << 20, "RSS grew {} MiB", grown >> 20);
    drop(idle);
    server.stop();
}

#[test]
fn idle_connections_and_unfinished_heads_are_closed_after_the_head_timeout() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let limits = Limits {
        head_timeout: Duration::from_secs(2),
        ..Limits::default()
    };
    let server = server(limits, &[]);
    let mut idle: Vec<TcpStream> = (0..20)
        .map(|_| TcpStream::connect(server.addr()).unwrap())
        .collect();
    let mut slow = TcpStream::connect(server.addr()).unwrap();
    slow.write_all(b"GET /version HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    idle.push(slow);
    let started = Instant::now();
    for s in &mut idle {
        s.set_read_timeout(Some(ANSWER)).unwrap();
        let mut answer = Vec::new();
        // Closed by the server (EOF), possibly after a 408: not a read timeout.
        let read = s.read_to_end(&mut answer);
        assert!(read.is_ok(), "{read:?} after {:?}", started.elapsed());
        assert!(answer.is_empty() || answer.starts_with(b"HTTP/1.1 408"));
    }
    assert!(started.elapsed() >= Duration::from_millis(1500));
    // A client that sends its request in time is served, and its keep-alive connection
    // is closed once idle for the timeout too.
    let mut kept = TcpStream::connect(server.addr()).unwrap();
    kept.set_read_timeout(Some(ANSWER)).unwrap();
    kept.write_all(b"GET /version HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut answer = Vec::new();
    let _ = kept.read_to_end(&mut answer);
    assert!(answer.starts_with(b"HTTP/1.1 200"));
}

#[test]
fn a_client_that_stops_reading_is_cut_after_the_stall_timeout() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let limits = Limits {
        stall_timeout: Duration::from_secs(2),
        ..Limits::default()
    };
    // A body that never ends: only the stall timeout can end it for a client that stops.
    let server = server(limits, &["endless-body=pods"]);
    let mut s = TcpStream::connect(server.addr()).unwrap();
    s.write_all(&get("/api/v1/pods")).unwrap();
    // Read a little, then nothing for longer than the stall timeout.
    let mut first = [0u8; 4096];
    s.read_exact(&mut first).unwrap();
    assert!(first.starts_with(b"HTTP/1.1 200"));
    std::thread::sleep(Duration::from_secs(5));
    // What the socket buffers held, then the end: the server cut the connection.
    s.set_read_timeout(Some(ANSWER)).unwrap();
    let started = Instant::now();
    let mut sink = [0u8; 64 << 10];
    let mut total = 0u64;
    loop {
        match s.read(&mut sink) {
            Ok(0) | Err(_) => break,
            Ok(n) => total += n as u64,
        }
        assert!(
            started.elapsed() < ANSWER,
            "still receiving after {ANSWER:?} ({total} bytes): the endless body was not cut"
        );
    }
    // Less than the kernel's buffers and the four chunks in flight: the cut came when the
    // client stalled, not later.
    assert!(total < 64 << 20, "{total} bytes after the stall");
    // The server is well (pods, the endless kind, aside).
    for path in ["/version", "/api/v1/nodes", "/apis"] {
        assert_eq!(status_of(&server, &get(path)), Some(200), "{path}");
    }
}
