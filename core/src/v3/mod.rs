//! WeChat Pay API v3: SHA256withRSA signatures, the `Authorization` header,
//! AEAD_AES_256_GCM resources, RSA-OAEP sensitive fields, the v3
//! `wx.requestPayment` paySign, the response/notify verification policy and
//! a v3 signature doctor. `no_std` + `alloc` (feature `v3`).
//!
//! **The merchant private key never belongs in a Mini Program** (nor in any
//! browser or app): sign requests and paySigns on the merchant's server and
//! hand the finished [`PaymentParams`] to the client.
//!
//! ```
//! use wxpay_core::v3::{MerchantKey, VerifyKey, Authorization};
//! # let key_pem = include_str!("../../../vectors/v3-test-keys/merchant_key.pem");
//! # let cert_pem = include_str!("../../../vectors/v3-test-keys/merchant_cert.pem");
//! let key = MerchantKey::from_pem(key_pem)?;
//! let cert = VerifyKey::from_pem(cert_pem)?; // serial read from the certificate
//! let auth = Authorization::sign(
//!     &key, "1900000109", cert.serial().unwrap_or_default(),
//!     "GET", "/v3/certificates", "1554208460", "593BEC0C930BF1AFEB40B4A08C8FB242", b"",
//! )?;
//! let header = auth.to_string();
//! let parsed = Authorization::parse(&header)?;
//! parsed.verify(&cert, "GET", "/v3/certificates", b"")?;
//! # Ok::<(), wxpay_core::v3::V3Error>(())
//! ```

mod auth;
pub mod doctor;
mod error;
mod key;
mod message;
mod paysign;
mod resource;
mod verify;

// The public surface of the v3 module.
pub use auth::{Authorization, SCHEME};
pub use error::V3Error;
pub use key::{MIN_BITS, MerchantKey, VerifyKey};
pub use message::{pay_sign_message, request_message, response_message};
pub use paysign::{PaymentParams, build_payment_params, verify_payment_params};
pub use resource::{
    ALGORITHM, EncryptedResource, Notify, Payer, Refund, RefundAmount, Transaction,
    TransactionAmount, decrypt_resource, encrypt_resource,
};
pub use rsa::rand_core;
pub use verify::{MAX_SKEW_SECS, SignedHeaders, verify_response};
