//! Embeds the browser build of the npm package `wxpay-devkit/web` (glue JS
//! and `.wasm`, produced by `js/scripts/ci.sh`) into the console when it
//! exists; otherwise embeds nothing, and the console's doctor panel says how
//! to build it. A clean checkout builds without the JS build.
//! `WXPAY_MOCK_NO_WEB_PKG=1` embeds nothing even when the package exists.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

const FILES: [&str; 5] = [
    "index.js",
    "wxpay_wasm.js",
    "wxpay_wasm_bg.wasm",
    "wxpay_doctor.js",
    "wxpay_doctor_bg.wasm",
];

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let js = manifest.join("..").join("js");
    let web = js.join("dist").join("web");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default()).join("web_pkg.rs");
    println!("cargo:rerun-if-changed=build.rs");
    // WXPAY_MOCK_NO_WEB_PKG=1 builds the console without the package even
    // when it exists (to check the fallback, or for a smaller binary).
    println!("cargo:rerun-if-env-changed=WXPAY_MOCK_NO_WEB_PKG");
    let skip = std::env::var_os("WXPAY_MOCK_NO_WEB_PKG").is_some_and(|v| !v.is_empty() && v != "0");
    let complete = !skip && FILES.iter().all(|f| web.join(f).is_file());
    let mut code = String::from(
        "/// The embedded `wxpay-devkit/web` files (name, bytes); empty when not built.\npub(crate) static WEB_PKG: &[(&str, &[u8])] = &[\n",
    );
    if complete {
        for f in FILES {
            let p = web.join(f);
            println!("cargo:rerun-if-changed={}", p.display());
            let _ = writeln!(
                code,
                "    ({f:?}, include_bytes!({:?})),",
                p.display().to_string()
            );
        }
    } else {
        // Watch the nearest existing ancestor so that a later JS build is
        // picked up (a missing path would rerun this script on every build).
        let watch = [web.as_path(), &js.join("dist"), js.as_path()]
            .into_iter()
            .find(|p| p.exists())
            .map(Path::to_path_buf)
            .unwrap_or(manifest.join("build.rs"));
        println!("cargo:rerun-if-changed={}", watch.display());
    }
    code.push_str("];\n");
    if let Err(e) = std::fs::write(&out, code) {
        panic!("cannot write {}: {e}", out.display());
    }
}
