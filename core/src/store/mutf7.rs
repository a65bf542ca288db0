//! Modified UTF-7 mailbox names (RFC 3501 §5.1.3).
//!
//! The store keeps names in UTF-8. IMAP4rev1 clients send and expect non-ASCII names in
//! modified UTF-7; IMAP4rev2 clients use UTF-8 (RFC 9051 §5.1). RFC 3501 §5.1.3:
//! "printable US-ASCII characters, except for "&", represent themselves … "&" is used to
//! shift to modified BASE64 and "-" to shift back to US-ASCII … "&" itself is
//! represented as "&-" … modified BASE64 … uses "," instead of "/" … and omits "=".
//! The encoded form is UTF-16, with the BASE64 run enclosed by "&" and "-".

use base64::alphabet::IMAP_MUTF7;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;

const ENGINE: GeneralPurpose = GeneralPurpose::new(
    &IMAP_MUTF7,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone),
);

/// Encodes a UTF-8 name as modified UTF-7.
pub fn encode(name: &str) -> String {
    if name.bytes().all(|b| (0x20..0x7f).contains(&b) && b != b'&') {
        return name.to_owned();
    }
    let mut out = String::with_capacity(name.len() + 8);
    let mut run: Vec<u16> = Vec::new();
    let flush = |out: &mut String, run: &mut Vec<u16>| {
        if !run.is_empty() {
            let bytes: Vec<u8> = run.iter().flat_map(|u| u.to_be_bytes()).collect();
            out.push('&');
            out.push_str(&ENGINE.encode(bytes));
            out.push('-');
            run.clear();
        }
    };
    for c in name.chars() {
        if (' '..='~').contains(&c) {
            flush(&mut out, &mut run);
            if c == '&' {
                out.push_str("&-");
            } else {
                out.push(c);
            }
        } else {
            let mut units = [0u16; 2];
            run.extend_from_slice(c.encode_utf16(&mut units));
        }
    }
    flush(&mut out, &mut run);
    out
}

/// Decodes a modified UTF-7 name to UTF-8. A name that is not valid modified UTF-7
/// (an unterminated shift, bad BASE64, unpaired surrogates) is an error; 8-bit input is
/// taken as UTF-8 already, for clients that send UTF-8 without asking.
pub fn decode(name: &str) -> Result<String, &'static str> {
    if !name.contains('&') {
        return Ok(name.to_owned());
    }
    let mut out = String::with_capacity(name.len());
    let mut rest = name;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let end = after
            .find('-')
            .ok_or("Mailbox name has an unterminated modified UTF-7 sequence")?;
        let encoded = &after[..end];
        if encoded.is_empty() {
            out.push('&');
        } else {
            let bytes = ENGINE
                .decode(encoded)
                .map_err(|_| "Mailbox name has invalid modified UTF-7")?;
            if bytes.len() % 2 != 0 {
                return Err("Mailbox name has invalid modified UTF-7");
            }
            let units: Vec<u16> = bytes
                .chunks_exact(2)
                .map(|p| u16::from_be_bytes([p[0], p[1]]))
                .collect();
            let text = String::from_utf16(&units)
                .map_err(|_| "Mailbox name has invalid UTF-16 in modified UTF-7")?;
            out.push_str(&text);
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3501_example() {
        // RFC 3501 §5.1.3: "~peter/mail/台北/日本語"
        let utf8 = "~peter/mail/\u{53f0}\u{5317}/\u{65e5}\u{672c}\u{8a9e}";
        let wire = "~peter/mail/&U,BTFw-/&ZeVnLIqe-";
        assert_eq!(encode(utf8), wire);
        assert_eq!(decode(wire).unwrap(), utf8);
    }

    #[test]
    fn ampersand_and_ascii() {
        assert_eq!(encode("Tom & Jerry"), "Tom &- Jerry");
        assert_eq!(decode("Tom &- Jerry").unwrap(), "Tom & Jerry");
        assert_eq!(encode("INBOX"), "INBOX");
        assert_eq!(encode("Entwürfe"), "Entw&APw-rfe");
        assert_eq!(decode("Entw&APw-rfe").unwrap(), "Entwürfe");
        assert_eq!(decode("Emoji &2D3eAA-").unwrap(), "Emoji \u{1f600}");
        assert_eq!(encode("Emoji \u{1f600}"), "Emoji &2D3eAA-");
    }

    #[test]
    fn invalid_input() {
        assert!(decode("a&Jjo").is_err());
        assert!(decode("a&!!-").is_err());
        assert!(decode("&2D0-").is_err(), "unpaired surrogate");
        assert_eq!(decode("Müll").unwrap(), "Müll");
    }
}
