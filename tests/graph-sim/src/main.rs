//! `graph-sim`: prints its base URL as the first line of stdout, serves
//! until SIGINT, SIGTERM (Ctrl+C on Windows, which has no SIGTERM),
//! `POST /_sim/shutdown` (or stdin EOF with `--exit-on-stdin-eof`), then
//! writes `--save FILE` if given.

use graph_sim::{auth, start, Config, USAGE};
use std::io::Write;

mod browse;

fn main() {
    // `graph-sim URL`: a stand-in browser for the browser sign-in's tests.
    if let Some(first) = std::env::args().nth(1) {
        if first.starts_with("http://") || first.starts_with("https://") {
            std::process::exit(browse::run(&first));
        }
    }
    let cfg = match Config::from_args(std::env::args().skip(1)) {
        Ok(Some(c)) => c,
        Ok(None) => {
            print!("{}", USAGE);
            return;
        }
        Err(e) => {
            eprintln!("graph-sim: {}\n\n{}", e, USAGE);
            std::process::exit(2);
        }
    };
    let started = std::time::Instant::now();
    let mut running = match start(cfg.clone()) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("graph-sim: {}", e);
            std::process::exit(1);
        }
    };
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{}", running.base_url);
        let _ = out.flush();
    }
    if !cfg.quiet {
        let (tenant_id, groups) = {
            let t = running.sim.tenant.read().unwrap();
            (t.tenant_id.clone(), t.groups.len())
        };
        eprintln!(
            "graph-sim: {} groups ready in {:.2}s at {}\n  tenant {}\n  read-write app {} secret {}\n  read-only app {} secret {}\n  token endpoint {}/{}/oauth2/v2.0/token\n  managed identity: {} at {}/metadata/identity/oauth2/token; IDENTITY_ENDPOINT={}/msi/token IDENTITY_HEADER={}",
            groups,
            started.elapsed().as_secs_f64(),
            running.base_url,
            tenant_id,
            auth::DEFAULT_CLIENT_ID,
            auth::DEFAULT_CLIENT_SECRET,
            auth::READONLY_CLIENT_ID,
            auth::READONLY_CLIENT_SECRET,
            running.base_url,
            tenant_id,
            if running.sim.cfg.arc_key_dir.is_some() { "Azure Arc agent" } else { "IMDS" },
            running.base_url,
            running.base_url,
            running.sim.cfg.identity_header
        );
    }
    let mut shutdown = running.shutdown_signal();
    let stdin_eof = cfg.exit_on_stdin_eof;
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    let why = rt.block_on(async move {
        use tokio::io::AsyncReadExt;
        let signalled = os_signal();
        let stdin_closed = async {
            if !stdin_eof {
                return std::future::pending::<()>().await;
            }
            let mut stdin = tokio::io::stdin();
            let mut buf = [0u8; 1024];
            loop {
                match stdin.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
            }
        };
        let requested = async {
            while !*shutdown.borrow() {
                if shutdown.changed().await.is_err() {
                    return;
                }
            }
        };
        tokio::select! {
            why = signalled => why,
            _ = stdin_closed => "stdin closed",
            _ = requested => "shutdown requested",
        }
    });
    // Not a plain drop: that would wait for the blocking stdin read, which
    // never ends while stdin stays open.
    rt.shutdown_background();
    running.stop();
    if let Some(path) = &cfg.save_file {
        match running.sim.save(path) {
            Ok(()) => {
                if !cfg.quiet {
                    eprintln!("graph-sim: {}: saved the tenant to {}", why, path.display());
                }
            }
            Err(e) => {
                eprintln!("graph-sim: saving failed: {}", e);
                std::process::exit(1);
            }
        }
    } else if !cfg.quiet {
        eprintln!("graph-sim: {}: stopped", why);
    }
}

/// Resolves when the operator asks the process to stop: SIGTERM or SIGINT.
#[cfg(unix)]
async fn os_signal() -> &'static str {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
    let mut int = signal(SignalKind::interrupt()).expect("SIGINT handler");
    tokio::select! {
        _ = term.recv() => "SIGTERM",
        _ = int.recv() => "SIGINT",
    }
}

/// Windows has no SIGTERM: Ctrl+C in graph-sim's console stops it; a
/// program that started it uses `POST /_sim/shutdown` or
/// `--exit-on-stdin-eof` and closes its stdin.
#[cfg(not(unix))]
async fn os_signal() -> &'static str {
    match tokio::signal::ctrl_c().await {
        Ok(()) => "Ctrl+C",
        // No console to listen to: only the other ways stop it.
        Err(_) => std::future::pending().await,
    }
}
