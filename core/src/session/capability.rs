//! CAPABILITY, ENABLE and STARTTLS: what this session may use, and switching to TLS.
//!
//! Hazards: a capability is advertised only when it works *now* — STARTTLS only on a
//! plain connection, AUTH= mechanisms only where login is allowed (with `LOGINDISABLED`
//! they must not appear, RFC 9051 §6.2.3). After STARTTLS the client must forget
//! what it learned and the server must forget anything pipelined (RFC 9051 §6.2.1, §11.1).

use imap_codec::imap_types::extensions::enable::CapabilityEnable;

use crate::config::{Config, Feature};
use crate::session::{untagged_fmt, Session, SessionContext, State, Tagged};

/// The capability lists a session can see, computed once per server.
#[derive(Debug)]
pub(crate) struct Capabilities {
    before_auth_plain: String,
    before_auth_tls: String,
    after_auth: String,
}

impl Capabilities {
    pub(crate) fn new(config: &Config) -> Self {
        Capabilities {
            before_auth_plain: list(config, true, false),
            before_auth_tls: list(config, true, true),
            after_auth: list(config, false, true),
        }
    }

    /// The list for this session's state, space-separated.
    pub(crate) fn for_session(&self, session: &Session) -> &str {
        match (&session.state, session.tls) {
            (State::NotAuthenticated, false) => &self.before_auth_plain,
            (State::NotAuthenticated, true) => &self.before_auth_tls,
            _ => &self.after_auth,
        }
    }
}

/// The capability list for a session state, space-separated.
fn list(config: &Config, before_auth: bool, tls: bool) -> String {
    let mut caps: Vec<String> = vec!["IMAP4rev1".into()];
    let on = |f| config.is_enabled(f);
    if on(Feature::Imap4Rev2) {
        caps.push("IMAP4rev2".into());
    }
    if before_auth {
        if !tls && on(Feature::StartTls) {
            caps.push("STARTTLS".into());
        }
        if config.login_requires_tls && !tls {
            caps.push("LOGINDISABLED".into());
        } else {
            if on(Feature::AuthPlain) {
                caps.push("AUTH=PLAIN".into());
            }
            if on(Feature::AuthLogin) {
                caps.push("AUTH=LOGIN".into());
            }
            if on(Feature::AuthXOAuth2) {
                caps.push("AUTH=XOAUTH2".into());
            }
            if on(Feature::AuthOAuthBearer) {
                caps.push("AUTH=OAUTHBEARER".into());
            }
            if on(Feature::SaslIr) {
                caps.push("SASL-IR".into());
            }
        }
    }
    let simple = [
        (Feature::LiteralPlus, "LITERAL+"),
        (Feature::Idle, "IDLE"),
        (Feature::UidPlus, "UIDPLUS"),
        (Feature::Move, "MOVE"),
        (Feature::Namespace, "NAMESPACE"),
        (Feature::Id, "ID"),
        (Feature::Enable, "ENABLE"),
        (Feature::Unselect, "UNSELECT"),
        (Feature::Children, "CHILDREN"),
        (Feature::SpecialUse, "SPECIAL-USE"),
        (Feature::StatusSize, "STATUS=SIZE"),
        (Feature::Esearch, "ESEARCH"),
        (Feature::Within, "WITHIN"),
        (Feature::SearchRes, "SEARCHRES"),
        (Feature::CondStore, "CONDSTORE"),
        (Feature::QResync, "QRESYNC"),
        (Feature::Sort, "SORT"),
        (Feature::Sort, "SORT=DISPLAY"),
        (Feature::Thread, "THREAD=ORDEREDSUBJECT"),
        (Feature::Thread, "THREAD=REFERENCES"),
        (Feature::ListExtended, "LIST-EXTENDED"),
        (Feature::ListStatus, "LIST-STATUS"),
        (Feature::Binary, "BINARY"),
    ];
    for (feature, name) in simple {
        if on(feature) {
            caps.push(name.into());
        }
    }
    if on(Feature::AppendLimit) {
        caps.push(format!("APPENDLIMIT={}", config.max_message_size));
    }
    caps.join(" ")
}

impl Session {
    pub(crate) fn capability(&mut self, ctx: &mut SessionContext<'_>) -> Option<Tagged> {
        let caps = ctx.capabilities.for_session(self);
        untagged_fmt!(&mut ctx.out, "CAPABILITY {caps}");
        Tagged::ok("CAPABILITY completed")
    }

    pub(crate) fn enable(
        &mut self,
        ctx: &mut SessionContext<'_>,
        capabilities: &[CapabilityEnable<'_>],
    ) -> Option<Tagged> {
        // RFC 5161 §3.1: unknown or unsupported names are ignored; ENABLED lists only
        // what this command newly enabled.
        let mut enabled = Vec::new();
        for capability in capabilities {
            if matches!(capability, CapabilityEnable::CondStore)
                && ctx.config.is_enabled(Feature::CondStore)
                && !self.condstore
            {
                self.condstore = true;
                enabled.push("CONDSTORE");
            }
            if let CapabilityEnable::Other(_) = capability {
                let name = capability.to_string();
                if name.eq_ignore_ascii_case("QRESYNC")
                    && ctx.config.is_enabled(Feature::QResync)
                    && !self.qresync
                {
                    // RFC 7162 §3.2.3: enabling QRESYNC also enables CONDSTORE.
                    self.qresync = true;
                    self.condstore = true;
                    if let State::Selected { selection, .. } = &mut self.state {
                        selection.vanished = true;
                    }
                    enabled.push("QRESYNC");
                }
                if name.eq_ignore_ascii_case("IMAP4rev2")
                    && ctx.config.is_enabled(Feature::Imap4Rev2)
                    && !self.rev2
                {
                    self.rev2 = true;
                    enabled.push("IMAP4rev2");
                }
            }
        }
        if enabled.is_empty() {
            ctx.untagged("ENABLED");
        } else {
            ctx.untagged(&format!("ENABLED {}", enabled.join(" ")));
        }
        Tagged::ok("ENABLE completed")
    }

    pub(crate) fn starttls(&mut self, ctx: &mut SessionContext<'_>) -> Option<Tagged> {
        if self.tls {
            return Tagged::bad("TLS is already active");
        }
        // The tagged OK must be the last plain-text byte; the handshake follows it.
        ctx.start_tls = true;
        self.tls = true;
        Tagged::ok("Begin TLS negotiation now")
    }
}
