//! Fuzz target `v3_resource`: the AEAD_AES_256_GCM resource decryptor and
//! the notify envelope parser. Input: one control byte, then segments
//! separated by 0xFF: key, nonce, associated data, ciphertext text.
//! Invariants: never panics; every failure is one of the documented kinds;
//! encrypting the segments' plaintext and decrypting it round-trips; a
//! notify that parses re-serialises to JSON that parses to the same value.
#![no_main]

use wxpay_core::v3::{self, Notify, V3Error};

const KEY: &[u8; 32] = b"TEST0nly-APIv3-key-32-bytes-long";

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&ctl, rest)) = data.split_first() else { return };
    let mut parts = rest.split(|&b| b == 0xFF);
    let key_seg = parts.next().unwrap_or_default();
    let nonce = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let aad = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let ct = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let key: &[u8] = if ctl & 1 == 0 { KEY } else { key_seg };

    match v3::decrypt_resource(key, &nonce, &aad, &ct) {
        Ok(pt) => {
            // Only reachable with a matching tag: re-encryption must give the input back.
            assert_eq!(v3::encrypt_resource(key, &nonce, &aad, pt.as_bytes()).expect("encrypts"), ct);
        }
        Err(
            V3Error::ApiV3KeyLength { .. }
            | V3Error::NonceLength { .. }
            | V3Error::CiphertextBase64
            | V3Error::CiphertextTooShort { .. }
            | V3Error::ResourceAuthentication
            | V3Error::ResourceUtf8,
        ) => {}
        Err(e) => panic!("unexpected error kind {e:?}"),
    }

    // Round trip with the fuzzed plaintext (the ciphertext segment's bytes).
    if let Ok(sealed) = v3::encrypt_resource(key, &nonce, &aad, ct.as_bytes()) {
        assert_eq!(v3::decrypt_resource(key, &nonce, &aad, &sealed).expect("round trip"), ct);
        if ctl & 2 != 0 && !aad.is_empty() {
            assert_eq!(
                v3::decrypt_resource(key, &nonce, "", &sealed),
                Err(V3Error::ResourceAuthentication)
            );
        }
    }

    // The whole input as a notify body.
    if let Ok(text) = core::str::from_utf8(rest) {
        if let Ok(n) = Notify::parse(text) {
            let json = serde_json::to_string(&n).expect("serialises");
            assert_eq!(Notify::parse(&json).expect("reparses"), n);
            let _ = n.resource.decrypt(KEY);
        }
    }
});
