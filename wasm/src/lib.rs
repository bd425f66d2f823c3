//! wasm-bindgen bindings of wxpay-core (being written).
