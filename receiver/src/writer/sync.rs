//! Pipelined group commit: the writer commits a group without waiting for
//! the disk and hands its answers here; this thread makes every commit so
//! far durable with one `fsync` of the write-ahead log and only then sends
//! the answers. While it waits for the disk the writer already runs the
//! next group, and one `fsync` covers every group committed meanwhile.
//!
//! The guarantee is the one of `synchronous=FULL`: no answer (202,
//! duplicate, 429, 422 with quota, an incident command's result) leaves
//! before the commit it depends on is on disk. An answer that depends on
//! an earlier group (a duplicate of an event accepted just before) waits
//! for an `fsync` that started after its own group's commit, which covers
//! the earlier group too: batches are answered in commit order.
//!
//! A third thread runs PASSIVE log checkpoints (copying the log into the
//! database) beside both, so neither the writer nor an answer waits for
//! one; the writer's own checkpoint only finishes the remainder now and
//! then and starts the log over.

use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::metrics::Metrics;
use crate::store::{Deferred, SyncFn};

use super::Pending;

/// The answers of one committed (not yet durable) group.
pub(super) struct Batch {
    /// In request order.
    pub answers: Vec<Pending>,
    /// When the group started (the commit latency runs until durable).
    pub started: Instant,
    /// Messages in the group.
    pub size: usize,
    /// Whether it made something durable (see `WriteHealth`).
    pub wrote: bool,
}

/// Starts the sync thread and the checkpoint thread; dropping the sender
/// lets the sync thread finish the last batches and stop (the checkpoint
/// thread stops with it).
pub(super) fn spawn(
    deferred: Deferred,
    metrics: Arc<Metrics>,
) -> std::io::Result<(Sender<Batch>, JoinHandle<()>)> {
    let (tx, rx) = mpsc::channel();
    let handle = std::thread::Builder::new()
        .name("erpops-sync".into())
        .spawn(move || {
            let Deferred { sync, checkpoint } = deferred;
            let (stop, stopped) = mpsc::channel::<()>();
            let checkpoints = std::thread::Builder::new()
                .name("erpops-checkpoint".into())
                .spawn(move || checkpoint_loop(&stopped, checkpoint));
            run(&rx, sync, &metrics);
            drop(stop);
            if let Ok(handle) = checkpoints {
                let _ = handle.join();
            }
        })?;
    Ok((tx, handle))
}

/// A PASSIVE checkpoint every [`CHECKPOINT_EVERY`] on its own thread, so
/// neither the writer nor an answer ever waits for one.
fn checkpoint_loop(stopped: &Receiver<()>, mut checkpoint: SyncFn) {
    while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(CHECKPOINT_EVERY) {
        if let Err(e) = checkpoint() {
            tracing::warn!(code = e.code(), error = %e, "log checkpoint failed; retrying later");
        }
    }
}

/// Least time between two log checkpoints.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(100);

fn run(rx: &Receiver<Batch>, mut sync: SyncFn, metrics: &Metrics) {
    while let Ok(first) = rx.recv() {
        let mut batches = vec![first];
        batches.extend(rx.try_iter());
        // Everything in `batches` was committed before it was sent, so
        // this one sync makes all of it durable.
        let result = sync();
        match &result {
            Err(e) => {
                metrics.health.failed(e.code().to_owned(), Instant::now());
                tracing::error!(code = e.code(), error = %e, "fsync of the log failed; answering 503");
            }
            Ok(()) if batches.iter().any(|b| b.wrote) => metrics.health.succeeded(),
            Ok(()) => {}
        }
        for batch in batches {
            metrics.commit(batch.started.elapsed(), batch.size);
            if result.is_ok() {
                super::deliver(batch.answers);
            } else {
                super::fail(batch.answers);
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use std::sync::mpsc;

    use erpops_core::receive::Response;
    use tokio::sync::oneshot;

    use super::*;
    use crate::store::StoreError;

    fn accepted() -> Response {
        Response {
            status: 202,
            headers: Vec::new(),
            body: b"{}".to_vec(),
            code: None,
            effects: Vec::new(),
        }
    }

    /// A sync that reports when it started and returns what the test says.
    fn gated() -> (Deferred, Receiver<()>, Sender<bool>) {
        let (entered_tx, entered_rx) = mpsc::channel();
        let (gate_tx, gate_rx) = mpsc::channel::<bool>();
        let f: SyncFn = Box::new(move || {
            entered_tx.send(()).unwrap();
            if gate_rx.recv().unwrap() {
                Ok(())
            } else {
                Err(StoreError::Database("disk gone".to_owned()))
            }
        });
        let checkpoint: SyncFn = Box::new(|| Ok(()));
        (
            Deferred {
                sync: f,
                checkpoint,
            },
            entered_rx,
            gate_tx,
        )
    }

    fn batch(reply: oneshot::Sender<Response>) -> Batch {
        Batch {
            answers: vec![Pending::Receive(reply, accepted(), "req_1".to_owned())],
            started: Instant::now(),
            size: 1,
            wrote: true,
        }
    }

    #[test]
    fn nothing_is_answered_before_the_sync_returns() {
        let (f, entered, gate) = gated();
        let (tx, handle) = spawn(f, Arc::new(Metrics::default())).unwrap();
        let (reply, mut answer) = oneshot::channel();
        tx.send(batch(reply)).unwrap();
        entered.recv().unwrap();
        assert!(answer.try_recv().is_err(), "answered before the sync");
        gate.send(true).unwrap();
        assert_eq!(answer.blocking_recv().unwrap().status, 202);
        drop(tx);
        handle.join().unwrap();
    }

    #[test]
    fn a_failed_sync_answers_503() {
        let (f, entered, gate) = gated();
        let (tx, handle) = spawn(f, Arc::new(Metrics::default())).unwrap();
        let (reply, answer) = oneshot::channel();
        tx.send(batch(reply)).unwrap();
        entered.recv().unwrap();
        gate.send(false).unwrap();
        let r = answer.blocking_recv().unwrap();
        assert_eq!(r.status, 503);
        assert_eq!(r.header("Retry-After"), Some("1"));
        drop(tx);
        handle.join().unwrap();
    }
}
