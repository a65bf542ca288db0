//! Content SEARCH over the MIME corpus: FROM/TO/CC/BCC/SUBJECT/HEADER/BODY/TEXT after
//! RFC 2047 and transfer/charset decoding, SENT* on the Date: field, CHARSET handling,
//! and 8-bit UTF-8 search strings in quoted strings and literals.

use ephemail_core::SessionId;
use ephemail_tests::mime_corpus::{corpus, server_with};
use ephemail_tests::TestServer;

struct Corpus {
    t: TestServer,
    c: SessionId,
    names: Vec<String>,
}

fn setup() -> Corpus {
    let messages = corpus();
    let names = messages.iter().map(|(n, _)| n.clone()).collect();
    let bodies: Vec<Vec<u8>> = messages.into_iter().map(|(_, m)| m).collect();
    let (t, c) = server_with(&bodies);
    Corpus { t, c, names }
}

impl Corpus {
    /// Runs `SEARCH <criteria>` (raw bytes, so literals and 8-bit work) and returns the
    /// names of the matching fixtures.
    fn search(&mut self, criteria: &str) -> Vec<String> {
        let response = self.raw(&format!("s1 SEARCH {criteria}"));
        assert!(response.contains("s1 OK"), "{criteria}: {response}");
        let line = response
            .lines()
            .find(|l| l.starts_with("* SEARCH"))
            .unwrap_or_else(|| panic!("{criteria}: {response}"));
        line["* SEARCH".len()..]
            .split_whitespace()
            .map(|n| self.names[n.parse::<usize>().unwrap() - 1].clone())
            .collect()
    }

    /// Sends `line` + CRLF, answering continuation requests for synchronizing literals.
    fn raw(&mut self, line: &str) -> String {
        let mut out = String::new();
        let mut pieces = line.split_inclusive("}\r\n").peekable();
        while let Some(piece) = pieces.next() {
            let bytes = if pieces.peek().is_none() {
                format!("{piece}\r\n")
            } else {
                piece.to_owned()
            };
            out.push_str(&self.t.send(self.c, bytes.as_bytes()));
        }
        out
    }
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn header_keys_decode_encoded_words_and_ignore_case() {
    let mut s = setup();
    assert_eq!(s.search("SUBJECT imap4REV1"), names(&["simple_plain"]));
    assert_eq!(
        s.search("CHARSET UTF-8 SUBJECT \"grüße\""),
        names(&["eight_bit_headers", "encoded_words_charsets"])
    );
    // The same 8-bit string as a literal; its length counts octets.
    assert_eq!(
        s.search("CHARSET utf-8 SUBJECT {7}\r\nGRÜßE"),
        names(&["eight_bit_headers", "encoded_words_charsets"])
    );
    assert_eq!(
        s.search("CHARSET UTF-8 FROM \"André\""),
        names(&["encoded_words_charsets"])
    );
    assert_eq!(
        s.search("CHARSET UTF-8 TO \"привет\""),
        names(&["encoded_words_charsets"])
    );
    assert_eq!(
        s.search("CHARSET UTF-8 CC \"日本語\""),
        names(&["encoded_words_charsets"])
    );
    assert_eq!(s.search("BCC \"empty group\""), names(&["group_addresses"]));
    assert_eq!(
        s.search("FROM carol@example.net"),
        Vec::<String>::new(),
        "FROM looks at the top-level header only"
    );
    // 8-bit UTF-8 without CHARSET is taken as UTF-8 too.
    assert_eq!(s.search("TO \"zoË\""), names(&["eight_bit_headers"]));
}

#[test]
fn header_key_with_empty_string_tests_presence() {
    let mut s = setup();
    let with_id = s.search("HEADER Message-ID \"\"");
    assert!(with_id.contains(&"simple_plain".to_owned()));
    assert!(!with_id.contains(&"signed".to_owned()));
    assert_eq!(s.search("HEADER X-Not-There \"\""), Vec::<String>::new());
    assert_eq!(
        s.search("HEADER content-type \"multipart/signed\""),
        names(&["signed"])
    );
}

#[test]
fn body_and_text_search_decoded_content() {
    let mut s = setup();
    // quoted-printable ISO-8859-1 body.
    assert_eq!(
        s.search("CHARSET UTF-8 BODY \"résumé\""),
        names(&["encoded_words_charsets"])
    );
    // base64 (damaged) text part.
    assert_eq!(s.search("BODY \"hello, world\""), names(&["bad_base64"]));
    // Text inside an encapsulated message.
    assert_eq!(
        s.search("BODY \"lunch at noon\""),
        names(&["nested_rfc822"])
    );
    // BODY does not look at the top-level header, TEXT does.
    assert_eq!(s.search("BODY \"address forms\""), Vec::<String>::new());
    assert_eq!(
        s.search("TEXT \"address forms\""),
        names(&["address_forms"])
    );
    assert_eq!(
        s.search("CHARSET UTF-8 BODY \"d'été\""),
        names(&["html_latin1"])
    );
    // Attachments of non-text types are not searched as text.
    assert_eq!(s.search("TEXT JVBERi0xLjQ"), Vec::<String>::new());
    // Boolean combinations still work with content keys.
    assert_eq!(
        s.search("OR SUBJECT imap4rev1 BODY \"lunch at noon\""),
        names(&["nested_rfc822", "simple_plain"])
    );
    let others = s.search("NOT TEXT vcalendar");
    assert_eq!(others.len(), s.names.len() - 1);
    assert!(!others.contains(&"calendar_invite".to_owned()));
}

#[test]
fn sent_dates_use_the_date_field() {
    let mut s = setup();
    assert_eq!(s.search("SENTON 17-Jul-1996"), names(&["simple_plain"]));
    assert_eq!(s.search("SENTBEFORE 1-Jan-2000"), names(&["simple_plain"]));
    // A folded Date: field; the first of two Date: fields.
    assert_eq!(
        s.search("SENTON 13-Jan-2024"),
        names(&["long_folded_subject"])
    );
    assert_eq!(
        s.search("SENTON 10-Jan-2024"),
        names(&["duplicate_headers"])
    );
    assert_eq!(s.search("SENTON 11-Jan-2024"), Vec::<String>::new());
    // The Date's own day, whatever its zone (-1200 here).
    assert_eq!(s.search("SENTON 7-Jan-2024"), names(&["address_forms"]));
    let since = s.search("SENTSINCE 12-Jan-2024");
    assert_eq!(since, names(&["html_latin1", "long_folded_subject"]));
}

#[test]
fn charsets() {
    let mut s = setup();
    let response = s.raw("s1 SEARCH CHARSET ISO-8859-1 SUBJECT x");
    assert_eq!(
        response,
        "s1 NO [BADCHARSET (UTF-8 US-ASCII)] Unsupported charset\r\n"
    );
    assert_eq!(
        s.search("CHARSET us-ascii SUBJECT imap4rev1"),
        names(&["simple_plain"])
    );
    assert_eq!(
        s.search("CHARSET \"UTF-8\" SUBJECT imap4rev1"),
        names(&["simple_plain"])
    );
}
