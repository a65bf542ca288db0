//! Server configuration: identity, bounds and capability switches.
//!
//! Every resource a client can make the server hold is bounded here, and every bound has a
//! clear answer on the wire when exceeded (see `session::framing`). Capabilities can be
//! switched off one by one so that a test can imitate a poorer server.

use std::collections::BTreeSet;

/// An optional IMAP feature that can be switched off.
///
/// A switched-off feature is neither advertised in `CAPABILITY` nor accepted: its commands
/// get `BAD`, as they would from a server that never had it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Feature {
    /// `IMAP4rev2` (RFC 9051), enabled per session with `ENABLE IMAP4rev2`.
    Imap4Rev2,
    /// `STARTTLS` (only advertised when the driver can do TLS, see [`Config::starttls`]).
    StartTls,
    /// `IDLE` (RFC 2177).
    Idle,
    /// `LITERAL+` (RFC 7888): non-synchronizing literals of any size.
    LiteralPlus,
    /// `UIDPLUS` (RFC 4315): `APPENDUID`, `COPYUID`, `UID EXPUNGE`.
    UidPlus,
    /// `MOVE` (RFC 6851).
    Move,
    /// `NAMESPACE` (RFC 2342).
    Namespace,
    /// `ID` (RFC 2971).
    Id,
    /// `ENABLE` (RFC 5161).
    Enable,
    /// `UNSELECT` (RFC 3691).
    Unselect,
    /// `SASL-IR` (RFC 4959): initial response on the `AUTHENTICATE` line.
    SaslIr,
    /// `AUTH=PLAIN` (RFC 4616).
    AuthPlain,
    /// `AUTH=LOGIN` (the de-facto LOGIN SASL mechanism many clients prefer).
    AuthLogin,
    /// `AUTH=XOAUTH2`: bearer tokens as Google and Microsoft use them. For tests, a
    /// user's token is their password.
    AuthXOAuth2,
    /// `AUTH=OAUTHBEARER` (RFC 7628). For tests, a user's token is their password.
    AuthOAuthBearer,
    /// `CHILDREN` (RFC 3348): `\HasChildren` / `\HasNoChildren` in LIST.
    Children,
    /// `SPECIAL-USE` (RFC 6154): `\Sent`, `\Drafts`, … in LIST.
    SpecialUse,
    /// `STATUS=SIZE` (RFC 8438).
    StatusSize,
    /// `APPENDLIMIT` (RFC 7889), advertising [`Config::max_message_size`].
    AppendLimit,
    /// `ESEARCH` (RFC 4731): `SEARCH RETURN (…)`.
    Esearch,
    /// `WITHIN` (RFC 5032): `YOUNGER` and `OLDER` search keys.
    Within,
    /// `CONDSTORE` (RFC 7162 §3.1): MODSEQ, CHANGEDSINCE, UNCHANGEDSINCE, HIGHESTMODSEQ.
    CondStore,
    /// `QRESYNC` (RFC 7162 §3.2): VANISHED, SELECT (QRESYNC …), FETCH (VANISHED).
    QResync,
    /// `SORT` and `SORT=DISPLAY` (RFC 5256, RFC 5957).
    Sort,
    /// `THREAD=ORDEREDSUBJECT` and `THREAD=REFERENCES` (RFC 5256).
    Thread,
    /// `SEARCHRES` (RFC 5182): `SEARCH RETURN (SAVE)` and `$`.
    SearchRes,
    /// `LIST-EXTENDED` (RFC 5258): selection and return options, several patterns.
    ListExtended,
    /// `LIST-STATUS` (RFC 5819): `LIST … RETURN (STATUS (…))`.
    ListStatus,
    /// `BINARY` (RFC 3516): `BINARY[…]`, `BINARY.SIZE[…]` and `~{n}` literals.
    Binary,
}

impl Feature {
    /// Every feature, in the order `CAPABILITY` lists them.
    pub const ALL: &'static [Feature] = &[
        Feature::Imap4Rev2,
        Feature::StartTls,
        Feature::LiteralPlus,
        Feature::Idle,
        Feature::UidPlus,
        Feature::Move,
        Feature::Namespace,
        Feature::Id,
        Feature::Enable,
        Feature::Unselect,
        Feature::SaslIr,
        Feature::AuthPlain,
        Feature::AuthLogin,
        Feature::AuthXOAuth2,
        Feature::AuthOAuthBearer,
        Feature::Children,
        Feature::SpecialUse,
        Feature::StatusSize,
        Feature::AppendLimit,
        Feature::Esearch,
        Feature::Within,
        Feature::SearchRes,
        Feature::CondStore,
        Feature::QResync,
        Feature::Sort,
        Feature::Thread,
        Feature::ListExtended,
        Feature::ListStatus,
        Feature::Binary,
    ];
}

/// How the server behaves and what it lets clients do.
///
/// Build one with [`Config::default`] and the `with_*` methods.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Config {
    /// Text of the greeting's `OK` line.
    pub greeting: String,
    /// Whether the driver can upgrade a connection to TLS. Only then is `STARTTLS`
    /// advertised and accepted.
    pub starttls: bool,
    /// Refuse `LOGIN` and `AUTHENTICATE` before TLS (`LOGINDISABLED`, RFC 9051 §6.2.3).
    pub login_requires_tls: bool,
    /// Largest command line in bytes (without literals). Longer lines get `BAD` and are
    /// discarded up to their end.
    pub max_line_length: u32,
    /// Largest literal (and so largest message `APPEND` accepts), advertised as
    /// `APPENDLIMIT`. Larger ones get `NO [TOOBIG]` without being read.
    pub max_message_size: u32,
    /// Largest whole command, lines and literals together.
    pub max_command_size: u32,
    /// Idle time in milliseconds after which a session is logged out with `BYE`
    /// (RFC 9051 §5.4 asks for at least 30 minutes). `None` never times out.
    pub autologout_millis: Option<i64>,
    /// Features switched off.
    pub disabled: BTreeSet<Feature>,
    /// Emit [`Event::CommandReceived`](crate::Event::CommandReceived) for every command
    /// (with secrets redacted), for protocol logs. Off by default: it costs a string per
    /// command.
    pub command_events: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            greeting: "ephemail ready".to_owned(),
            starttls: false,
            login_requires_tls: false,
            max_line_length: 64 * 1024,
            max_message_size: 64 * 1024 * 1024,
            max_command_size: 65 * 1024 * 1024,
            autologout_millis: Some(30 * 60 * 1000),
            disabled: BTreeSet::new(),
            command_events: false,
        }
    }
}

impl Config {
    /// Whether `feature` is switched on.
    pub fn is_enabled(&self, feature: Feature) -> bool {
        if feature == Feature::StartTls && !self.starttls {
            return false;
        }
        !self.disabled.contains(&feature)
    }

    /// Switches `feature` off.
    pub fn without(mut self, feature: Feature) -> Self {
        self.disabled.insert(feature);
        self
    }

    /// Sets whether every command is reported as an event (for protocol logs).
    pub fn with_command_events(mut self, on: bool) -> Self {
        self.command_events = on;
        self
    }

    /// Sets whether the driver offers STARTTLS.
    pub fn with_starttls(mut self, starttls: bool) -> Self {
        self.starttls = starttls;
        self
    }

    /// Sets whether login before TLS is refused.
    pub fn with_login_requires_tls(mut self, required: bool) -> Self {
        self.login_requires_tls = required;
        self
    }

    /// Sets the largest message (literal) accepted.
    pub fn with_max_message_size(mut self, bytes: u32) -> Self {
        self.max_message_size = bytes;
        self.max_command_size = self.max_command_size.max(bytes.saturating_add(1024 * 1024));
        self
    }

    /// Sets the largest command line.
    pub fn with_max_line_length(mut self, bytes: u32) -> Self {
        self.max_line_length = bytes;
        self
    }

    /// Sets the autologout timeout (`None`: never).
    pub fn with_autologout_millis(mut self, millis: Option<i64>) -> Self {
        self.autologout_millis = millis;
        self
    }
}
