//! `wxpay-mock`: the command-line entry point.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use wxpay_mock::config::{Config, DEFAULT_APPID, DEFAULT_MCH_ID};
use wxpay_mock::{Server, Switches, shutdown_signal};

/// mimalloc: the mock allocates a little per request and per stored order;
/// under load glibc's malloc (consolidation, unlinking) cost ~15% of the
/// server's CPU in profiles, mimalloc about a third of that. The load-test
/// baseline (`bench/bare.rs`) uses the same allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const HELP: &str = "\
wxpay-mock: a stateful mock of WeChat Pay API v2 and jscode2session

USAGE:
    wxpay-mock serve [OPTIONS]
    wxpay-mock attack --notify-url <URL> [ATTACK OPTIONS]
    wxpay-mock --help | --version

OPTIONS (serve):
    --host <ADDR>        Address to bind [default: 127.0.0.1; env WXPAY_MOCK_HOST]
                         Loopback by default: the mock signs things, don't expose it by accident.
    --port <PORT>        Port to bind, 0 for any free port [default: 8787; env WXPAY_MOCK_PORT]
    --config <FILE>      TOML config: merchants, apps, switches [env WXPAY_MOCK_CONFIG]
    --data-dir <DIR>     Keep orders, refunds, notifications (with their retry schedule),
                         login codes, sandbox keys and the clock offset in DIR/wxpay-mock.redb,
                         so a restart (even kill -9) loses nothing already answered
                         [default: memory only; env WXPAY_MOCK_DATA_DIR; config data_dir]
    --explain            Add the signature doctor's finding to 签名错误 answers
                         (switch `explain`; off by default: it is an oracle)
    --set <NAME=VALUE>   Set a switch (repeatable), e.g. --set refund_delay_seconds=30
    --log <FILTER>       Log filter, e.g. info, warn, wxpay_mock=debug
                         [default: info; env WXPAY_MOCK_LOG or RUST_LOG]
    --quiet              Same as --log warn (no per-request lines)

ATTACK: sends your payment-notify handler the forgeries it must refuse (no sign,
wrong sign, another key's sign, a changed amount, XXE, billion laughs, 4 MiB,
non-UTF-8) and genuine notifies it must accept (MD5 or HMAC-SHA256 without
sign_type, and a replay), then prints a report card. Exit 0 when every answer is
right, 1 when one is wrong, 2 on bad arguments.
    --notify-url <URL>   The handler (http:// only)
    --merchant <MCH_ID>  A merchant from the built-in ones or --config [default: 10000100]
    --config <FILE>      TOML config with [[merchants]]
    --key <KEY> --appid <APPID> --mch-id <MCH_ID>
                         Or give the merchant directly (all three). The key may
                         come from WXPAY_MOCK_ATTACK_KEY instead of --key, which
                         keeps it out of the process list and shell history
    --out-trade-no <NO>  An unpaid order your handler knows [default: wxpay-mock-attack-1]
    --total-fee <FEN>    That order's amount [default: 1]
    --sign-type <T>      The order's sign type, MD5 or HMAC-SHA256 [default: MD5]
    --timeout <SECS>     Wait per answer [default: 10]

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
    data_dir: Option<PathBuf>,
    explain: bool,
    sets: Vec<(String, String)>,
    log: Option<String>,
}

enum Command {
    Serve(Args),
    Attack(Box<wxpay_mock::attack::Target>),
    Help,
    Version,
}

fn parse(mut it: impl Iterator<Item = String>) -> Result<Command, String> {
    let mut args = Args {
        host: None,
        port: None,
        config: None,
        data_dir: None,
        explain: false,
        sets: Vec::new(),
        log: None,
    };
    let mut first = true;
    while let Some(a) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .ok_or_else(|| format!("{name} needs a value (see --help)"))
        };
        match a.as_str() {
            "serve" if first => {}
            "attack" if first => return parse_attack(it).map(|t| Command::Attack(Box::new(t))),
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
            "--data-dir" => {
                let v = value("--data-dir")?;
                if v.is_empty() {
                    return Err("--data-dir needs a directory (see --help)".into());
                }
                args.data_dir = Some(PathBuf::from(v));
            }
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
    Ok(Command::Serve(args))
}

fn parse_attack(
    mut it: impl Iterator<Item = String>,
) -> Result<wxpay_mock::attack::Target, String> {
    let (mut url, mut merchant, mut config, mut key, mut appid, mut mch_id) =
        (None, None, None, None, None, None);
    let mut out_trade_no = "wxpay-mock-attack-1".to_owned();
    let mut total_fee = 1_i64;
    let mut sign_type = wxpay_core::SignType::Md5;
    let mut timeout = 10.0_f64;
    while let Some(a) = it.next() {
        let mut value = || {
            it.next()
                .ok_or_else(|| format!("{a} needs a value (see --help)"))
        };
        match a.as_str() {
            "--notify-url" => url = Some(value()?),
            "--merchant" => merchant = Some(value()?),
            "--config" => config = Some(PathBuf::from(value()?)),
            "--key" => key = Some(value()?),
            "--appid" => appid = Some(value()?),
            "--mch-id" => mch_id = Some(value()?),
            "--out-trade-no" => out_trade_no = value()?,
            "--total-fee" => {
                let v = value()?;
                total_fee = v.parse().ok().filter(|f| *f > 0).ok_or_else(|| {
                    format!("--total-fee {v:?}: expected a positive integer (fen)")
                })?;
            }
            "--sign-type" => {
                let v = value()?;
                sign_type = v
                    .parse()
                    .map_err(|_| format!("--sign-type {v:?}: expected MD5 or HMAC-SHA256"))?;
            }
            "--timeout" => {
                let v = value()?;
                timeout = v
                    .parse()
                    .ok()
                    .filter(|t: &f64| t.is_finite() && *t > 0.0 && *t <= 600.0)
                    .ok_or_else(|| format!("--timeout {v:?}: expected seconds, 0-600"))?;
            }
            "help" | "-h" | "--help" => return Err("see wxpay-mock --help".into()),
            other => return Err(format!("attack: unknown argument {other:?} (see --help)")),
        }
    }
    let notify_url = url.ok_or("attack needs --notify-url URL (see --help)")?;
    let key = key.or_else(|| {
        std::env::var("WXPAY_MOCK_ATTACK_KEY")
            .ok()
            .filter(|k| !k.is_empty() && (appid.is_some() || mch_id.is_some()))
    });
    let (mch_id, key, appid) = match (key, appid, mch_id) {
        (Some(k), Some(a), Some(m)) => {
            if merchant.is_some() {
                return Err("attack: give --merchant or --key/--appid/--mch-id, not both".into());
            }
            (m, wxpay_core::ApiKey::new(k), a)
        }
        (None, None, None) => {
            let cfg = match &config {
                Some(p) => Config::from_file(p)?,
                None => Config::default(),
            };
            let id = merchant.unwrap_or_else(|| DEFAULT_MCH_ID.to_owned());
            let m = cfg.merchant(&id).ok_or_else(|| {
                format!("attack: merchant {id:?} is not configured (give --config FILE, or --key, --appid and --mch-id)")
            })?;
            let appid = appid_of(&cfg, m)?;
            (m.mch_id.clone(), m.key.clone(), appid)
        }
        _ => return Err("attack: --key, --appid and --mch-id go together".into()),
    };
    Ok(wxpay_mock::attack::Target {
        notify_url,
        appid,
        mch_id,
        key,
        out_trade_no,
        total_fee,
        sign_type,
        timeout: std::time::Duration::from_secs_f64(timeout),
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
        Command::Attack(t) => return attack(&t),
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
