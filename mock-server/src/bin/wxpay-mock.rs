//! `wxpay-mock`: the command-line entry point.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use wxpay_mock::config::{Config, DEFAULT_APPID, DEFAULT_MCH_ID};
use wxpay_mock::{Switches, run, shutdown_signal};

/// mimalloc: the mock allocates a little per request and per stored order;
/// under load glibc's malloc (consolidation, unlinking) cost ~15% of the
/// server's CPU in profiles, mimalloc about a third of that. The load-test
/// baseline (`bare-bench`) runs in this same binary, with the same allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const HELP: &str = "\
wxpay-mock: a stateful mock of WeChat Pay API v2 and jscode2session

USAGE:
    wxpay-mock serve [OPTIONS]
    wxpay-mock --help | --version

OPTIONS (serve):
    --host <ADDR>        Address to bind [default: 127.0.0.1; env WXPAY_MOCK_HOST]
                         Loopback by default: the mock signs things, don't expose it by accident.
    --port <PORT>        Port to bind, 0 for any free port [default: 8787; env WXPAY_MOCK_PORT]
    --config <FILE>      TOML config: merchants, apps, switches [env WXPAY_MOCK_CONFIG]
    --explain            Add the signature doctor's finding to 签名错误 answers
                         (switch `explain`; off by default: it is an oracle)
    --set <NAME=VALUE>   Set a switch (repeatable), e.g. --set refund_delay_seconds=30
    --log <FILTER>       Log filter, e.g. info, warn, wxpay_mock=debug
                         [default: info; env WXPAY_MOCK_LOG or RUST_LOG]
    --quiet              Same as --log warn (no per-request lines)

Every switch can also be set with WXPAY_MOCK_<NAME> (upper case). Switches:
";

const FOOTER: &str = "
Built-in merchant (WeChat's documentation example):
    appid      wxd930ea5d5a258f4f
    mch_id     10000100
    API key and AppSecret: WeChat's public documentation example and a fixed
    mock value, listed in the README (never printed or logged by the server)

On start the bound URL is printed on stdout, e.g. `wxpay-mock listening on http://127.0.0.1:8787`.
Point an SDK's base URL at it (see the README for wechatpy, tenpay, wechatpay-axios-plugin,
the official Java SDK, gopay and EasyWeChat).";

fn help() -> String {
    let mut s = String::from(HELP);
    let defaults = serde_json::to_value(Switches::default()).unwrap_or_default();
    for (name, doc) in Switches::ALL {
        let d = defaults
            .get(*name)
            .map(ToString::to_string)
            .unwrap_or_default();
        s.push_str(&format!(
            "    {name:<34} [default: {d}]\n        {}\n",
            doc.trim()
        ));
    }
    s.push_str(FOOTER);
    s
}

struct Args {
    host: Option<String>,
    port: Option<u16>,
    config: Option<PathBuf>,
    explain: bool,
    sets: Vec<(String, String)>,
    log: Option<String>,
}

enum Command {
    Serve(Args),
    Bare(u16),
    Help,
    Version,
}

fn parse(mut it: impl Iterator<Item = String>) -> Result<Command, String> {
    let mut args = Args {
        host: None,
        port: None,
        config: None,
        explain: false,
        sets: Vec::new(),
        log: None,
    };
    let mut first = true;
    let mut bare = false;
    while let Some(a) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .ok_or_else(|| format!("{name} needs a value (see --help)"))
        };
        match a.as_str() {
            "serve" if first => {}
            "bare-bench" if first => bare = true,
            "help" | "-h" | "--help" => return Ok(Command::Help),
            "-V" | "--version" => return Ok(Command::Version),
            "--host" => args.host = Some(value("--host")?),
            "--port" => {
                let v = value("--port")?;
                args.port = Some(
                    v.parse()
                        .map_err(|_| format!("--port {v:?}: expected a port number 0-65535"))?,
                );
            }
            "--config" => args.config = Some(PathBuf::from(value("--config")?)),
            "--explain" => args.explain = true,
            "--set" => {
                let v = value("--set")?;
                let (k, x) = v
                    .split_once('=')
                    .ok_or_else(|| format!("--set {v:?}: expected NAME=VALUE"))?;
                args.sets.push((k.trim().to_owned(), x.trim().to_owned()));
            }
            "--log" => args.log = Some(value("--log")?),
            "--quiet" | "-q" => args.log = Some("warn".into()),
            other => return Err(format!("unknown argument {other:?} (see --help)")),
        }
        first = false;
    }
    if bare {
        return Ok(Command::Bare(args.port.unwrap_or(8788)));
    }
    Ok(Command::Serve(args))
}

fn config_from(args: &Args, env: &HashMap<String, String>) -> Result<Config, String> {
    let path = args
        .config
        .clone()
        .or_else(|| env.get("WXPAY_MOCK_CONFIG").map(PathBuf::from));
    let mut cfg = match path {
        Some(p) => Config::from_file(&p)?,
        None => Config::default(),
    };
    cfg.apply_env(env)?;
    if let Some(h) = &args.host {
        cfg.host.clone_from(h);
    }
    if let Some(p) = args.port {
        cfg.port = p;
    }
    if args.explain {
        cfg.switches.explain = true;
    }
    for (k, v) in &args.sets {
        cfg.switches
            .set_text(k, v)
            .map_err(|e| format!("--set: {e}"))?;
    }
    Ok(cfg)
}

fn init_logging(args_log: Option<&str>, env: &HashMap<String, String>) {
    let filter = args_log
        .map(str::to_owned)
        .or_else(|| env.get("WXPAY_MOCK_LOG").cloned())
        .or_else(|| env.get("RUST_LOG").cloned())
        .unwrap_or_else(|| "info".into());
    let filter = tracing_subscriber::EnvFilter::try_new(&filter).unwrap_or_else(|e| {
        eprintln!("wxpay-mock: log filter {filter:?} is invalid ({e}); using info");
        tracing_subscriber::EnvFilter::new("info")
    });
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
}

fn main() -> ExitCode {
    let env: HashMap<String, String> = std::env::vars().collect();
    let cmd = match parse(std::env::args().skip(1)) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("wxpay-mock: {e}");
            return ExitCode::from(2);
        }
    };
    let args = match cmd {
        Command::Help => {
            println!("{}", help());
            return ExitCode::SUCCESS;
        }
        Command::Version => {
            println!("wxpay-mock {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Command::Bare(port) => return bare(port),
        Command::Serve(a) => a,
    };
    let cfg = match config_from(&args, &env) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("wxpay-mock: {e}");
            return ExitCode::from(2);
        }
    };
    init_logging(args.log.as_deref(), &env);
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("wxpay-mock: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    rt.block_on(async move {
        let listener = match tokio::net::TcpListener::bind((cfg.host.as_str(), cfg.port)).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("wxpay-mock: cannot bind {}:{}: {e}", cfg.host, cfg.port);
                return ExitCode::FAILURE;
            }
        };
        let addr = match listener.local_addr() {
            Ok(a) => a,
            Err(e) => {
                eprintln!("wxpay-mock: {e}");
                return ExitCode::FAILURE;
            }
        };
        if !addr.ip().is_loopback() {
            tracing::warn!("listening on {addr}, which is not loopback: anyone who can reach it can get signed answers");
        }
        // Write errors (a closed pipe) must not stop the server.
        let mut out = std::io::stdout();
        let _ = writeln!(out, "wxpay-mock listening on http://{addr}");
        let _ = writeln!(
            out,
            "built-in merchant: appid {DEFAULT_APPID}, mch_id {DEFAULT_MCH_ID}; {} merchant(s) configured",
            cfg.merchants.len()
        );
        let _ = out.flush();
        run(listener, cfg, shutdown_signal()).await;
        tracing::info!("stopped");
        ExitCode::SUCCESS
    })
}

fn bare(port: u16) -> ExitCode {
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("wxpay-mock: {e}");
            return ExitCode::FAILURE;
        }
    };
    rt.block_on(async move {
        let listener = match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("wxpay-mock: cannot bind 127.0.0.1:{port}: {e}");
                return ExitCode::FAILURE;
            }
        };
        if let Ok(a) = listener.local_addr() {
            let _ = writeln!(std::io::stdout(), "bare handler listening on http://{a}");
        }
        tokio::select! {
            () = wxpay_mock::bare::serve(listener) => {}
            () = shutdown_signal() => {}
        }
        ExitCode::SUCCESS
    })
}
