//! The process's shutdown as every part of it sees it: once `drain` is called (SIGTERM or
//! SIGINT), `/readyz` answers 503 so a load balancer stops sending, the connection layer
//! stops accepting, WebSockets close with 1001 ("going away") so their clients reconnect
//! elsewhere, and the scanner stops after its current pass and gives back its leases.
//! Requests already accepted are answered; `serve` bounds how long that may take.

use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::watch;

/// Whether the process is draining, and a way to wait for it.
#[derive(Debug)]
pub struct Lifecycle {
    draining: AtomicBool,
    tx: watch::Sender<bool>,
}

impl Default for Lifecycle {
    fn default() -> Self {
        Self { draining: AtomicBool::new(false), tx: watch::channel(false).0 }
    }
}

impl Lifecycle {
    /// Starts the drain; calling it again changes nothing.
    pub fn drain(&self) {
        self.draining.store(true, Ordering::SeqCst);
        self.tx.send_replace(true);
    }

    pub fn draining(&self) -> bool {
        self.draining.load(Ordering::SeqCst)
    }

    /// Resolves once the drain has started (at once if it already has).
    pub async fn drained(&self) {
        let mut rx = self.tx.subscribe();
        let _ = rx.wait_for(|d| *d).await;
    }
}

/// Resolves at the first SIGTERM or SIGINT (SIGINT only, off Unix). Kubernetes, systemd
/// and Docker stop a process with SIGTERM; a terminal with SIGINT: both drain.
pub async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) {
            (Ok(mut term), Ok(mut int)) => {
                tokio::select! {
                    _ = term.recv() => tracing::info!("SIGTERM: draining"),
                    _ = int.recv() => tracing::info!("SIGINT: draining"),
                }
            }
            _ => {
                tracing::warn!("could not listen for SIGTERM; only Ctrl-C drains");
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
