//! `wxpay-mock`: the command-line entry point.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use wxpay_mock::config::{Config, DEFAULT_APPID, DEFAULT_MCH_ID};
use wxpay_mock::{Server, Switches, shutdown_signal};

/// mimalloc: the mock allocates a little per request and per stored order;
/// under load glibc's malloc (consolidation, unlinking) cost ~15% of the
/// server's CPU in profiles, mimalloc about a third of that. The load-test
/// baseline (`bench/bare.rs`) uses the same allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const ABOUT: &str = "wxpay-mock: a stateful mock of WeChat Pay API v2 and jscode2session";

const EXAMPLES: &str = "\
EXAMPLES:
    wxpay-mock                                  serve on 127.0.0.1:8787, state in memory
    wxpay-mock serve --port 0 --data-dir ./mock-data --set refund_delay_seconds=30
    WXPAY_MOCK_PORT=9000 WXPAY_MOCK_STRICT_OPENID=on wxpay-mock serve
    wxpay-mock attack --notify-url http://127.0.0.1:8080/pay/notify --out-trade-no ORDER-1 --total-fee 1
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

/// The text after the options: the switches with their defaults, examples,
/// the built-in merchant.
fn after_help() -> String {
    let mut s = String::from(
        "Every switch can also be set with WXPAY_MOCK_<NAME> (upper case). Switches:\n",
    );
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
    s.push('\n');
    s.push_str(EXAMPLES);
    s.push_str(FOOTER);
    s
}

#[derive(Parser)]
#[command(
    name = "wxpay-mock",
    version,
    about = ABOUT,
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Sub>,
    /// `serve`'s options, also accepted without the word `serve`.
    #[command(flatten)]
    serve: Args,
}

#[derive(Subcommand)]
enum Sub {
    /// Serve the mock (the default command).
    Serve(Args),
    /// Attack your payment-notify handler and print a report card.
    ///
    /// Sends your payment-notify handler the forgeries it must refuse (no
    /// sign, wrong sign, another key's sign, a changed amount, XXE, billion
    /// laughs, 4 MiB, non-UTF-8) and genuine notifies it must accept (MD5 or
    /// HMAC-SHA256 without sign_type, and a replay), then prints a report
    /// card. Exit 0 when every answer is right, 1 when one is wrong, 2 on
    /// bad arguments.
    Attack(AttackArgs),
}

#[derive(clap::Args, Default)]
struct Args {
    /// Address to bind [default: 127.0.0.1]. Loopback by default: the mock
    /// signs things, don't expose it by accident.
    #[arg(long, value_name = "ADDR", env = "WXPAY_MOCK_HOST")]
    host: Option<String>,
    /// Port to bind, 0 for any free port [default: 8787]
    #[arg(long, value_name = "PORT", env = "WXPAY_MOCK_PORT", value_parser = port)]
    port: Option<u16>,
    /// TOML config: merchants, apps, switches
    #[arg(long, value_name = "FILE", env = "WXPAY_MOCK_CONFIG")]
    config: Option<PathBuf>,
    /// Keep orders, refunds, notifications (with their retry schedule),
    /// login codes, sandbox keys and the clock offset in
    /// DIR/wxpay-mock.redb, so a restart (even kill -9) loses nothing
    /// already answered [default: memory only; config data_dir]
    #[arg(long, value_name = "DIR", env = "WXPAY_MOCK_DATA_DIR", value_parser = data_dir)]
    data_dir: Option<PathBuf>,
    /// Add the signature doctor's finding to 签名错误 answers (switch
    /// `explain`; off by default: it is an oracle)
    #[arg(long)]
    explain: bool,
    /// Set a switch (repeatable), e.g. --set refund_delay_seconds=30
    #[arg(long = "set", value_name = "NAME=VALUE", value_parser = name_value)]
    sets: Vec<(String, String)>,
    /// Log filter, e.g. info, warn, wxpay_mock=debug [default: info, or RUST_LOG]
    #[arg(long, value_name = "FILTER", env = "WXPAY_MOCK_LOG")]
    log: Option<String>,
    /// Same as --log warn (no per-request lines)
    #[arg(long, short)]
    quiet: bool,
}

/// The data dir; an empty value is kept so that `main` can refuse it on
/// the command line and ignore it from the environment (as before).
fn data_dir(v: &str) -> Result<PathBuf, String> {
    Ok(PathBuf::from(v))
}

/// A port, spaces around it allowed (as `WXPAY_MOCK_PORT` always allowed).
fn port(v: &str) -> Result<u16, String> {
    v.trim()
        .parse()
        .map_err(|_| format!("{v:?}: expected a port number 0-65535"))
}

fn name_value(v: &str) -> Result<(String, String), String> {
    let (k, x) = v
        .split_once('=')
        .ok_or_else(|| format!("{v:?}: expected NAME=VALUE"))?;
    Ok((k.trim().to_owned(), x.trim().to_owned()))
}

#[derive(clap::Args)]
struct AttackArgs {
    /// The handler (http:// only)
    #[arg(long, value_name = "URL")]
    notify_url: String,
    /// A merchant from the built-in ones or --config [default: 10000100]
    #[arg(long, value_name = "MCH_ID")]
    merchant: Option<String>,
    /// TOML config with [[merchants]]
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Or give the merchant directly (--key, --appid and --mch-id together).
    /// With --appid or --mch-id the key may come from WXPAY_MOCK_ATTACK_KEY
    /// instead, which keeps it out of the process list and shell history
    #[arg(
        long,
        value_name = "KEY",
        env = "WXPAY_MOCK_ATTACK_KEY",
        hide_env_values = true
    )]
    key: Option<String>,
    /// The order's appid (with --key and --mch-id)
    #[arg(long, value_name = "APPID")]
    appid: Option<String>,
    /// The merchant's mch_id (with --key and --appid)
    #[arg(long, value_name = "MCH_ID")]
    mch_id: Option<String>,
    /// An unpaid order your handler knows
    #[arg(long, value_name = "NO", default_value = "wxpay-mock-attack-1")]
    out_trade_no: String,
    /// That order's amount, in fen
    #[arg(long, value_name = "FEN", default_value_t = 1, value_parser = positive_fee)]
    total_fee: i64,
    /// The order's sign type, MD5 or HMAC-SHA256
    #[arg(long, value_name = "T", default_value = "MD5", value_parser = sign_type)]
    sign_type: wxpay_core::SignType,
    /// Seconds to wait per answer (0-600)
    #[arg(long, value_name = "SECS", default_value_t = 10.0, value_parser = timeout_secs)]
    timeout: f64,
}

fn positive_fee(v: &str) -> Result<i64, String> {
    v.parse()
        .ok()
        .filter(|f| *f > 0)
        .ok_or_else(|| format!("{v:?}: expected a positive integer (fen)"))
}

fn sign_type(v: &str) -> Result<wxpay_core::SignType, String> {
    v.parse()
        .map_err(|_| format!("{v:?}: expected MD5 or HMAC-SHA256"))
}

fn timeout_secs(v: &str) -> Result<f64, String> {
    v.parse()
        .ok()
        .filter(|t: &f64| t.is_finite() && *t > 0.0 && *t <= 600.0)
        .ok_or_else(|| format!("{v:?}: expected seconds, 0-600"))
}

/// The attack target from the arguments; `key_from_env` says whether the
/// key came from `WXPAY_MOCK_ATTACK_KEY` (used only with --appid/--mch-id).
fn attack_target(a: AttackArgs, key_from_env: bool) -> Result<wxpay_mock::attack::Target, String> {
    let key = a
        .key
        .filter(|k| !key_from_env || (!k.is_empty() && (a.appid.is_some() || a.mch_id.is_some())));
    let (mch_id, key, appid) = match (key, a.appid, a.mch_id) {
        (Some(k), Some(appid), Some(m)) => {
            if a.merchant.is_some() {
                return Err("attack: give --merchant or --key/--appid/--mch-id, not both".into());
            }
            (m, wxpay_core::ApiKey::new(k), appid)
        }
        (None, None, None) => {
            let cfg = match &a.config {
                Some(p) => Config::from_file(p)?,
                None => Config::default(),
            };
            let id = a.merchant.unwrap_or_else(|| DEFAULT_MCH_ID.to_owned());
            let m = cfg.merchant(&id).ok_or_else(|| {
                format!("attack: merchant {id:?} is not configured (give --config FILE, or --key, --appid and --mch-id)")
            })?;
            let appid = appid_of(&cfg, m)?;
            (m.mch_id.clone(), m.key.clone(), appid)
        }
        _ => return Err("attack: --key, --appid and --mch-id go together".into()),
    };
    Ok(wxpay_mock::attack::Target {
        notify_url: a.notify_url,
        appid,
        mch_id,
        key,
        out_trade_no: a.out_trade_no,
        total_fee: a.total_fee,
        sign_type: a.sign_type,
        timeout: std::time::Duration::from_secs_f64(a.timeout),
    })
}

fn appid_of(cfg: &Config, m: &wxpay_mock::Merchant) -> Result<String, String> {
    m.appids
        .first()
        .cloned()
        .or_else(|| (m.mch_id == DEFAULT_MCH_ID).then(|| DEFAULT_APPID.to_owned()))
        .or_else(|| cfg.apps.first().map(|a| a.appid.clone()))
        .ok_or_else(|| format!("attack: merchant {:?} has no appid (add appids, or give --appid with --key and --mch-id)", m.mch_id))
}

/// Builds a tokio runtime; on failure says so and gives the exit code.
fn runtime(mut b: tokio::runtime::Builder) -> Result<tokio::runtime::Runtime, ExitCode> {
    b.enable_all().build().map_err(|e| {
        eprintln!("wxpay-mock: cannot start the runtime: {e}");
        ExitCode::FAILURE
    })
}

fn attack(t: &wxpay_mock::attack::Target) -> ExitCode {
    let rt = match runtime(tokio::runtime::Builder::new_current_thread()) {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    match rt.block_on(wxpay_mock::attack::run(t)) {
        Ok(report) => {
            let mut out = std::io::stdout();
            let _ = writeln!(
                out,
                "wxpay-mock attack on {} (mch_id {}, appid {}, out_trade_no {}, total_fee {})\n",
                t.notify_url, t.mch_id, t.appid, t.out_trade_no, t.total_fee
            );
            let _ = write!(out, "{}", report.render());
            if report.all_right() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("wxpay-mock: {e}");
            ExitCode::from(2)
        }
    }
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
    if let Some(d) = &args.data_dir {
        cfg.data_dir = Some(d.clone());
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
    let matches = Cli::command()
        .after_help(after_help())
        .mut_subcommand("serve", |c| c.after_help(after_help()))
        .mut_subcommand("attack", |c| c.after_help(EXAMPLES))
        .get_matches();
    let key_from_env = matches
        .subcommand_matches("attack")
        .and_then(|m| m.value_source("key"))
        == Some(clap::parser::ValueSource::EnvVariable);
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => e.exit(),
    };
    let serve_matches = matches.subcommand_matches("serve").unwrap_or(&matches);
    let empty_dir_from_cli = serve_matches.value_source("data_dir")
        == Some(clap::parser::ValueSource::CommandLine)
        && serve_matches
            .get_one::<PathBuf>("data_dir")
            .is_some_and(|d| d.as_os_str().is_empty());
    if empty_dir_from_cli {
        eprintln!("wxpay-mock: --data-dir needs a directory (see --help)");
        return ExitCode::from(2);
    }
    let mut args = match cli.command {
        Some(Sub::Attack(a)) => {
            return match attack_target(a, key_from_env) {
                Ok(t) => attack(&t),
                Err(e) => {
                    eprintln!("wxpay-mock: {e}");
                    ExitCode::from(2)
                }
            };
        }
        Some(Sub::Serve(a)) => a,
        None => cli.serve,
    };
    // An empty WXPAY_MOCK_DATA_DIR means memory only.
    args.data_dir = args.data_dir.filter(|d| !d.as_os_str().is_empty());
    let cfg = match config_from(&args, &env) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("wxpay-mock: {e}");
            return ExitCode::from(2);
        }
    };
    let log = if args.quiet {
        Some("warn")
    } else {
        args.log.as_deref()
    };
    init_logging(log, &env);
    let rt = match runtime(tokio::runtime::Builder::new_multi_thread()) {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    let data_dir = cfg.data_dir.clone();
    let server = match Server::open(cfg.clone()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("wxpay-mock: {e}");
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
        if let Some(d) = &data_dir {
            let _ = writeln!(out, "state kept in {}", d.join("wxpay-mock.redb").display());
        }
        let _ = out.flush();
        server.serve(listener, shutdown_signal()).await;
        tracing::info!("stopped");
        ExitCode::SUCCESS
    })
}
