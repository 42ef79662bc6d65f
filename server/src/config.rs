//! Command-line flags and environment.

use clap::Parser;
use deskline_shared::Preset;
use std::net::IpAddr;
use std::path::PathBuf;

/// Deskline's server.
#[derive(Debug, Clone, Parser)]
#[command(name = "deskline-server", version, about)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "DESKLINE_ADDR", default_value = "127.0.0.1")]
    pub addr: IpAddr,
    /// Port to listen on; 0 picks a free one (the chosen address is printed).
    #[arg(long, env = "DESKLINE_PORT", default_value_t = 8080)]
    pub port: u16,
    /// SQLite database file; created and migrated when missing.
    #[arg(long, env = "DESKLINE_DATABASE", default_value = "deskline.db")]
    pub database: PathBuf,
    /// Folder of the built app (`cargo xtask build` writes it).
    #[arg(long, env = "DESKLINE_DIST", default_value = "dist")]
    pub dist: PathBuf,
    /// Workflow preset of a new workspace: service-desk, agent-workspace, support-module, team-tabs, conversations.
    #[arg(long, env = "DESKLINE_PRESET", default_value = "support-module")]
    pub preset: Preset,
    /// Mark the session cookie `Secure`; set it when the server is reached over HTTPS.
    #[arg(long, env = "DESKLINE_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// How many demo tickets a new workspace gets.
    #[arg(long, env = "DESKLINE_DEMO_TICKETS", default_value_t = 300)]
    pub demo_tickets: usize,
    /// Seconds between SLA scheduler passes (it also runs after every push).
    #[arg(long, env = "DESKLINE_SLA_INTERVAL", default_value_t = 15)]
    pub sla_interval: u64,
    /// The largest push body in bytes. The default takes a full batch of the longest changes; a
    /// client whose push is too large sends it again in smaller pieces.
    #[arg(long, env = "DESKLINE_MAX_PUSH_BYTES", default_value_t = crate::http::MAX_PUSH_BYTES)]
    pub max_push_bytes: usize,
    /// Test mode: `PUT /api/test/clock` moves the server's clock. Never in production.
    #[arg(long, env = "DESKLINE_TEST_CLOCK")]
    pub test_clock: bool,
}
