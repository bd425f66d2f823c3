//! The `wxpay-mock` binary: --help, serve on port 0, graceful SIGTERM.

use std::process::{Command, Stdio};

use crate::common::*;

const BIN: &str = env!("CARGO_BIN_EXE_wxpay-mock");

#[test]
fn help_lists_options_and_switches() {
    let out = Command::new(BIN).arg("--help").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for needle in [
        "--port",
        "--host",
        "--config",
        "--explain",
        "--data-dir",
        "refund_delay_seconds",
        "strict_openid",
        "WXPAY_MOCK_",
    ] {
        assert!(text.contains(needle), "{needle} missing from --help");
    }
    let out = Command::new(BIN)
        .args(["serve", "--bogus"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--bogus"));
    let out = Command::new(BIN)
        .args(["serve", "--config", "/nonexistent/wxpay-mock.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read config file"));
}

#[tokio::test]
async fn serve_prints_its_url_and_stops_on_sigterm() {
    let dir = std::env::temp_dir().join(format!("wxpay-mock-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = dir.join("mock.toml");
    std::fs::write(&cfg, "[switches]\nrefund_delay_seconds = 7\n").unwrap();
    let (child, url) = spawn_binary(
        Command::new(BIN)
            .args(["serve", "--port", "0", "--config"])
            .arg(&cfg)
            .env("WXPAY_MOCK_STRICT_OPENID", "true")
            .stderr(Stdio::piped()),
    )
    .await;
    assert!(url.starts_with("http://127.0.0.1:"));
    let sw = http("GET", &format!("{url}/mock/switches"), "", "")
        .await
        .json();
    assert_eq!(sw["refund_delay_seconds"], 7, "from the config file");
    assert_eq!(sw["strict_openid"], true, "from the environment");
    let r = http("POST", &format!("{url}/pay/orderquery"), "text/xml", "").await;
    assert_eq!(r.status, 200);
    // SIGTERM → graceful exit 0.
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    assert!(status.status.success(), "{status:?}");
    let log = String::from_utf8_lossy(&status.stderr);
    assert!(
        log.contains("POST /pay/orderquery"),
        "one line per request: {log}"
    );
    assert!(!log.contains(KEY), "the key never appears in the log");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `serve --help` shows the switches and examples too; an empty
/// `--data-dir` is refused, an empty `WXPAY_MOCK_DATA_DIR` means memory only.
#[tokio::test]
async fn serve_help_and_empty_data_dir() {
    let out = Command::new(BIN)
        .args(["serve", "--help"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for needle in [
        "strict_openid",
        "EXAMPLES",
        "WXPAY_MOCK_PORT",
        "[default: 8787]",
    ] {
        assert!(text.contains(needle), "{needle} missing from serve --help");
    }
    let out = Command::new(BIN)
        .args(["serve", "--port", "0", "--data-dir", ""])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--data-dir needs a directory"));
    let (mut child, url) = spawn_binary(
        Command::new(BIN)
            .args(["--port", "0", "--quiet"])
            .env("WXPAY_MOCK_DATA_DIR", ""),
    )
    .await;
    let index = http("GET", &format!("{url}/mock/"), "", "").await.json();
    assert_eq!(index["data_dir"], serde_json::Value::Null, "memory only");
    let _ = child.kill();
    let _ = child.wait();
}
