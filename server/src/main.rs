//! `deskline-server`: opens (or creates and seeds) the database and serves the API and the app.

use clap::Parser;
use deskline_server::clock::Clock;
use deskline_server::config::Config;
use deskline_server::seed::{DEMO_PASSWORD, ensure_workspace};
use deskline_server::store::Store;
use deskline_server::{AppState, app};
use std::net::SocketAddr;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("warn,deskline_server=info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let config = Config::parse();
    let store = Store::open(&config.database).await?;
    if ensure_workspace(
        &store,
        config.preset,
        config.demo_tickets,
        chrono::Utc::now(),
    )
    .await?
    {
        tracing::info!(database = %config.database.display(), preset = %config.preset, "created the demo workspace");
    }
    if !config.dist.join("index.html").exists() {
        tracing::warn!(dist = %config.dist.display(), "the app is not built here; `cargo xtask run` builds it");
    }
    let demo = store.is_demo().await?;
    let refolded = store.refold_tickets().await?;
    if refolded > 0 {
        tracing::info!(
            tickets = refolded,
            "re-folded tickets from their activity log"
        );
    }
    let mut state = AppState::new(store, config.dist.clone()).await?;
    state.secure_cookies = config.secure_cookies;
    state.max_push_bytes = config.max_push_bytes;
    if config.test_clock {
        tracing::warn!("test clock on: PUT /api/test/clock moves the server's time");
        state.clock = Clock::test();
    }
    deskline_server::sla::spawn(
        state.clone(),
        std::time::Duration::from_secs(config.sla_interval.max(1)),
    );
    let listener = deskline_server::listen(SocketAddr::new(config.addr, config.port))?;
    let addr = listener.local_addr()?;
    println!("Deskline is serving on http://{addr}");
    if demo {
        println!("Demo logins (password \"{DEMO_PASSWORD}\"):");
        for agent in &state.workspace().agents {
            println!("  {:<22} {:<14} {:?}", agent.email, agent.name, agent.role);
        }
    }
    let router = app(state.clone());
    axum::serve(listener, router)
        .with_graceful_shutdown(async move {
            shutdown().await;
            // Poke sockets are upgraded connections, which the graceful shutdown does not wait for.
            state.close_pokes(std::time::Duration::from_secs(2)).await;
        })
        .await?;
    Ok(())
}

async fn shutdown() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(_) => return ctrl_c.await.unwrap_or_default(),
            };
        tokio::select! {
            _ = ctrl_c => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    ctrl_c.await.unwrap_or_default();
}
