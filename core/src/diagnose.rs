//! Signature doctor (placeholder; being written).
#![allow(missing_docs)]
use alloc::string::String;
use alloc::vec::Vec;

#[derive(Debug, Clone, Default)]
pub struct DiagnoseOptions;
#[derive(Debug, Clone)]
pub struct Finding {
    pub code: String,
}
#[derive(Debug, Clone)]
pub struct Diagnosis {
    pub ok: bool,
    pub findings: Vec<Finding>,
}
pub fn diagnose() {}
