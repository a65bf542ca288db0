//! CAPABILITY, ENABLE and STARTTLS: what this session may use, and switching to TLS.
//!
//! Hazards: a capability is advertised only when it works *now* — STARTTLS only on a
//! plain connection, AUTH= mechanisms only where login is allowed (with `LOGINDISABLED`
//! they must not appear, RFC 9051 §6.2.3). After STARTTLS the client must forget
//! what it learned and the server must forget anything pipelined (RFC 9051 §6.2.1, §11.1).

use imap_codec::imap_types::extensions::enable::CapabilityEnable;

use crate::config::{Config, Feature};
use crate::session::{Session, SessionContext, State, Tagged};

/// The capability list for this session's state, space-separated.
pub(crate) fn list(session: &Session, config: &Config) -> String {
    let mut caps: Vec<String> = vec!["IMAP4rev1".into()];
    let on = |f| config.is_enabled(f);
    if on(Feature::Imap4Rev2) {
        caps.push("IMAP4rev2".into());
    }
    let before_auth = matches!(session.state, State::NotAuthenticated);
    if before_auth {
        if !session.tls && on(Feature::StartTls) {
            caps.push("STARTTLS".into());
        }
        if config.login_requires_tls && !session.tls {
            caps.push("LOGINDISABLED".into());
        } else {
            if on(Feature::AuthPlain) {
                caps.push("AUTH=PLAIN".into());
            }
            if on(Feature::AuthLogin) {
                caps.push("AUTH=LOGIN".into());
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
        let caps = list(self, ctx.config);
        ctx.untagged(&format!("CAPABILITY {caps}"));
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
            if let CapabilityEnable::Other(_) = capability {
                let name = capability.to_string();
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
