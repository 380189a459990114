//! The real `erpops serve` binary as a child process: started on an
//! ephemeral port (read back from its log), its stderr drained on a thread
//! (so a chatty log never blocks it) and scanned for panics, and stopped
//! with SIGKILL when a test wants a crash.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

/// A running `erpops serve`.
pub struct ServerProcess {
    child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
    panics: Arc<AtomicUsize>,
}

/// The `erpops` binary as a command, run under `wrap` (e.g. `["prlimit",
/// "--fsize=…", "--"]`) when that is not empty.
pub fn erpops_under(wrap: &[&str]) -> Command {
    let bin = env!("CARGO_BIN_EXE_erpops");
    match wrap.split_first() {
        Some((first, rest)) => {
            let mut c = Command::new(first);
            c.args(rest).arg(bin);
            c
        }
        None => Command::new(bin),
    }
}

/// Starts `erpops serve` on `data` with extra `env`; waits until it
/// listens. `wrap` (e.g. `["prlimit", "--fsize=…", "--"]`) runs it under
/// another program.
pub fn start_with(data: &Path, env: &[(&str, &str)], wrap: &[&str]) -> ServerProcess {
    let mut command = erpops_under(wrap);
    command
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(data)
        .env("ERPOPS_LOG", "info")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("start erpops serve");
    let stderr = child.stderr.take().expect("stderr piped");
    let panics = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = mpsc::channel();
    {
        let panics = panics.clone();
        std::thread::spawn(move || {
            let mut tx = Some(tx);
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if line.contains("panicked") {
                    panics.fetch_add(1, Ordering::SeqCst);
                    eprintln!("server: {line}");
                }
                if line.contains("erpops receiver listening") {
                    let addr = line
                        .split_whitespace()
                        .find_map(|w| w.strip_prefix("addr="))
                        .and_then(|a| a.parse::<SocketAddr>().ok());
                    if let (Some(addr), Some(tx)) = (addr, tx.take()) {
                        let _ = tx.send(addr);
                    }
                }
                if line.contains(" ERROR ") || line.contains(" WARN ") {
                    eprintln!("server: {line}");
                }
            }
        });
    }
    let addr = match rx.recv_timeout(Duration::from_secs(30)) {
        Ok(addr) => addr,
        Err(_) => {
            let _ = child.kill();
            let status = child.wait();
            panic!("erpops serve did not start listening: {status:?}");
        }
    };
    ServerProcess {
        child,
        addr,
        panics,
    }
}

/// [`start_with`] without extra environment or wrapper.
pub fn start(data: &Path) -> ServerProcess {
    start_with(data, &[], &[])
}

impl ServerProcess {
    /// `kill -9`: no shutdown code runs, whatever was in flight is cut.
    pub fn kill9(mut self) -> usize {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.panics.load(Ordering::SeqCst)
    }

    /// SIGTERM, then waits up to `grace` for the graceful shutdown;
    /// returns whether it exited cleanly in time (else it is killed).
    pub fn terminate(mut self, grace: Duration) -> (bool, usize) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = std::time::Instant::now() + grace;
        let clean = loop {
            match self.child.try_wait() {
                Ok(Some(status)) => break status.success(),
                Ok(None) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(10));
                }
                _ => break false,
            }
        };
        let _ = self.child.kill();
        let _ = self.child.wait();
        (clean, self.panics.load(Ordering::SeqCst))
    }

    /// The process id (for `prlimit --pid`).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether it is still running.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Panics seen in its log so far.
    pub fn panics(&self) -> usize {
        self.panics.load(Ordering::SeqCst)
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
