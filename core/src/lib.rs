#![doc = include_str!("../README.md")]
#![no_std]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![warn(missing_docs, unreachable_pub)]
#![warn(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod error;
mod key;
mod params;
mod sign;

pub mod diagnose;
pub mod model;
pub mod nonce;
pub mod paysign;
pub mod req_info;
#[cfg(feature = "v3")]
pub mod v3;
pub mod xml;

// The public surface.
pub use crate::diagnose::{DiagnoseOptions, Diagnosis, Finding, diagnose};
pub use crate::error::{Error, ReqInfoError};
pub use crate::key::ApiKey;
pub use crate::params::{ParamMap, Params};
pub use crate::paysign::{PaymentParams, build_payment_params, verify_payment_params};
pub use crate::sign::{
    Sign, SignType, Signer, canonical_string, is_signed_field, sign, sign_message, string_to_sign,
    string_to_sign_masked, verify, verify_sign,
};
pub use crate::xml::{XmlError, XmlErrorKind, XmlMap};
