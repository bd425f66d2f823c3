//! Encrypted resources (notifies, `/v3/certificates`) and the typed notify
//! envelope with its decrypted transaction and refund objects.
//!
//! Sources: "证书和回调报文解密" (pay.weixin.qq.com/wiki/doc/apiv3/wechatpay/
//! wechatpay4_2.shtml): AEAD_AES_256_GCM (RFC 5116) with the 32-byte APIv3
//! key, a 12-byte nonce, associated data `transaction`, `refund`,
//! `certificate` or empty, and base64 of ciphertext‖16-byte tag. Notify
//! shape: "支付通知" (apiv3/apis/chapter3_5_5.shtml) and "退款结果通知"
//! (chapter3_5_11.shtml).

use alloc::string::String;
use alloc::vec::Vec;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use super::error::{V3Error, clip};

/// The only resource algorithm WeChat uses.
pub const ALGORITHM: &str = "AEAD_AES_256_GCM";
const TAG_LEN: usize = 16;

fn cipher(
    api_v3_key: &[u8],
    nonce: &[u8],
) -> Result<(Aes256Gcm, Nonce<aes_gcm::aes::cipher::consts::U12>), V3Error> {
    if api_v3_key.len() != 32 {
        return Err(V3Error::ApiV3KeyLength {
            len: api_v3_key.len(),
        });
    }
    let nonce = Nonce::try_from(nonce).map_err(|_| V3Error::NonceLength { len: nonce.len() })?;
    let cipher = Aes256Gcm::new_from_slice(api_v3_key).map_err(|_| V3Error::ApiV3KeyLength {
        len: api_v3_key.len(),
    })?;
    Ok((cipher, nonce))
}

/// Decrypt a resource: `ciphertext_b64` is base64 of ciphertext‖tag.
///
/// # Errors
/// [`V3Error::ApiV3KeyLength`], [`V3Error::NonceLength`],
/// [`V3Error::CiphertextBase64`], [`V3Error::CiphertextTooShort`],
/// [`V3Error::ResourceAuthentication`] (wrong key, associated data, nonce or
/// altered bytes), [`V3Error::ResourceUtf8`].
pub fn decrypt_resource(
    api_v3_key: &[u8],
    nonce: &str,
    associated_data: &str,
    ciphertext_b64: &str,
) -> Result<String, V3Error> {
    let (cipher, nonce) = cipher(api_v3_key, nonce.as_bytes())?;
    let ct = STANDARD
        .decode(ciphertext_b64.as_bytes())
        .map_err(|_| V3Error::CiphertextBase64)?;
    if ct.len() < TAG_LEN {
        return Err(V3Error::CiphertextTooShort { len: ct.len() });
    }
    let pt = cipher
        .decrypt(
            &nonce,
            Payload {
                msg: &ct,
                aad: associated_data.as_bytes(),
            },
        )
        .map_err(|_| V3Error::ResourceAuthentication)?;
    String::from_utf8(pt).map_err(|_| V3Error::ResourceUtf8)
}

/// Encrypt a resource the way WeChat does (for the mock and for tests):
/// base64 of ciphertext‖tag.
///
/// # Errors
/// [`V3Error::ApiV3KeyLength`], [`V3Error::NonceLength`].
pub fn encrypt_resource(
    api_v3_key: &[u8],
    nonce: &str,
    associated_data: &str,
    plaintext: &[u8],
) -> Result<String, V3Error> {
    let (cipher, nonce) = cipher(api_v3_key, nonce.as_bytes())?;
    let ct: Vec<u8> = cipher
        .encrypt(
            &nonce,
            Payload {
                msg: plaintext,
                aad: associated_data.as_bytes(),
            },
        )
        .map_err(|_| V3Error::ResourceAuthentication)?;
    Ok(STANDARD.encode(ct))
}

/// `resource` of a notify (or `encrypt_certificate` of `/v3/certificates`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EncryptedResource {
    /// `transaction`, `refund`, … (absent in `encrypt_certificate`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub original_type: String,
    /// Always `AEAD_AES_256_GCM`.
    pub algorithm: String,
    /// Base64 of ciphertext‖tag.
    pub ciphertext: String,
    /// Associated data; may be empty.
    #[serde(default)]
    pub associated_data: String,
    /// The 12-character nonce.
    pub nonce: String,
}

impl EncryptedResource {
    /// Decrypt with the APIv3 key.
    ///
    /// # Errors
    /// [`V3Error::UnsupportedAlgorithm`] and those of [`decrypt_resource`].
    pub fn decrypt(&self, api_v3_key: &[u8]) -> Result<String, V3Error> {
        if self.algorithm != ALGORITHM {
            return Err(V3Error::UnsupportedAlgorithm(clip(&self.algorithm)));
        }
        decrypt_resource(
            api_v3_key,
            &self.nonce,
            &self.associated_data,
            &self.ciphertext,
        )
    }

    /// Decrypt and deserialize (e.g. into [`Transaction`] or [`Refund`]).
    ///
    /// # Errors
    /// Those of [`EncryptedResource::decrypt`] and [`V3Error::Json`].
    pub fn decrypt_json<T: serde::de::DeserializeOwned>(
        &self,
        api_v3_key: &[u8],
    ) -> Result<T, V3Error> {
        let text = self.decrypt(api_v3_key)?;
        serde_json::from_str(&text).map_err(|e| V3Error::Json(json_msg(&e)))
    }
}

pub(crate) fn json_msg(e: &serde_json::Error) -> String {
    use core::fmt::Write as _;
    let mut s = String::new();
    let _ = write!(s, "{e}");
    s
}

/// A v3 notify body (payment or refund result).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notify {
    /// The notify id (`EV-2018022511223320873`).
    pub id: String,
    /// RFC 3339 creation time.
    pub create_time: String,
    /// `TRANSACTION.SUCCESS`, `REFUND.SUCCESS`, `REFUND.ABNORMAL`, `REFUND.CLOSED`.
    pub event_type: String,
    /// `encrypt-resource`.
    pub resource_type: String,
    /// A short human summary (`支付成功`).
    #[serde(default)]
    pub summary: String,
    /// The encrypted payload.
    pub resource: EncryptedResource,
}

impl Notify {
    /// Parse a notify body (after its signature was verified).
    ///
    /// # Errors
    /// [`V3Error::Json`].
    pub fn parse(body: &str) -> Result<Self, V3Error> {
        serde_json::from_str(body).map_err(|e| V3Error::Json(json_msg(&e)))
    }
}

/// `payer` of a transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Payer {
    /// The payer's openid under `appid`.
    #[serde(default)]
    pub openid: String,
}

/// `amount` of a transaction (fen).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct TransactionAmount {
    /// Order total.
    pub total: u64,
    /// What the user paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_total: Option<u64>,
    /// `CNY`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// The user's currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_currency: Option<String>,
}

/// A transaction: the decrypted `TRANSACTION.*` resource and the query
/// answer (apiv3/apis/chapter3_5_2.shtml).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transaction {
    /// App id.
    pub appid: String,
    /// Merchant id.
    pub mchid: String,
    /// Merchant order number.
    pub out_trade_no: String,
    /// WeChat order number (absent before payment).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// `JSAPI`, `NATIVE`, `APP`, `MICROPAY`, `MWEB`, `FACEPAY`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_type: Option<String>,
    /// `SUCCESS`, `REFUND`, `NOTPAY`, `CLOSED`, `REVOKED`, `USERPAYING`, `PAYERROR`.
    pub trade_state: String,
    /// Human description of the state.
    #[serde(default)]
    pub trade_state_desc: String,
    /// Bank type (`CMC`, `OTHERS`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank_type: Option<String>,
    /// Merchant data echoed back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attach: Option<String>,
    /// RFC 3339 time of payment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_time: Option<String>,
    /// The payer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer: Option<Payer>,
    /// Amounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<TransactionAmount>,
    /// Promotions, kept as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promotion_detail: Option<Vec<serde_json::Value>>,
}

/// `amount` of a refund (fen).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct RefundAmount {
    /// Order total.
    pub total: u64,
    /// Refunded amount.
    pub refund: u64,
    /// Paid by the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_total: Option<u64>,
    /// Refunded to the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_refund: Option<u64>,
    /// `CNY`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
}

/// A refund: the decrypted `REFUND.*` resource (which calls the state
/// `refund_status`) or the refund API answer (which calls it `status`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refund {
    /// Merchant id (notify only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mchid: Option<String>,
    /// Merchant order number.
    pub out_trade_no: String,
    /// WeChat order number.
    pub transaction_id: String,
    /// Merchant refund number.
    pub out_refund_no: String,
    /// WeChat refund id.
    pub refund_id: String,
    /// `SUCCESS`, `CLOSED`, `PROCESSING`, `ABNORMAL` (notify).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_status: Option<String>,
    /// Same, in API answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// RFC 3339 time of success.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_time: Option<String>,
    /// Where the money went (`招商银行信用卡0403`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_received_account: Option<String>,
    /// Amounts.
    pub amount: RefundAmount,
}
