//! The WeChat Pay v2 mock server (being written).
