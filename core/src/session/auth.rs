//! LOGIN and AUTHENTICATE (SASL PLAIN and LOGIN, with and without SASL-IR).
//!
//! Hazards: SASL data arrives as lines in a mode of its own, so a pipelined command after
//! `AUTHENTICATE` would be taken as credentials — we read it as SASL data, as the RFC
//! requires, and a bad line fails the exchange with `BAD`. `*` cancels (RFC 9051 §6.2.2).
//! PLAIN's authorization identity must be empty or the user itself: we do not proxy.
//! Passwords never reach logs (see `redacted_line`).

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use imap_codec::imap_types::auth::AuthMechanism;

use crate::config::Feature;
use crate::server::Event;
use crate::session::{Mode, Session, SessionContext, State, Tagged};

/// Where a SASL exchange stands.
#[derive(Debug)]
pub(crate) enum SaslStep {
    /// PLAIN: waiting for the single response.
    Plain,
    /// LOGIN: waiting for the user name.
    LoginUser,
    /// LOGIN: waiting for the password of this user.
    LoginPassword(String),
    /// XOAUTH2 (Google's SASL mechanism): waiting for `user=…^Aauth=Bearer …^A^A`.
    XOAuth2,
    /// OAUTHBEARER (RFC 7628): waiting for the GS2 header and `auth=Bearer …`.
    OAuthBearer,
    /// An OAuth mechanism failed: the error was sent as a challenge, and the client's
    /// (empty or `^A`) answer is awaited before the tagged NO (RFC 7628 §3.2.3).
    OAuthFailed,
}

impl Session {
    fn login_refused(&self, ctx: &SessionContext<'_>) -> Option<Option<Tagged>> {
        if ctx.config.login_requires_tls && !self.tls {
            return Some(Tagged::no(
                "[PRIVACYREQUIRED] Login is disabled until TLS is active (use STARTTLS)",
            ));
        }
        None
    }

    pub(crate) fn login(
        &mut self,
        ctx: &mut SessionContext<'_>,
        user: &[u8],
        password: &[u8],
    ) -> Option<Tagged> {
        if let Some(refusal) = self.login_refused(ctx) {
            return refusal;
        }
        let (Ok(user), Ok(password)) = (std::str::from_utf8(user), std::str::from_utf8(password))
        else {
            return Tagged::no("[AUTHENTICATIONFAILED] Invalid credentials");
        };
        self.finish_login(ctx, user, password, "LOGIN")
    }

    fn finish_login(
        &mut self,
        ctx: &mut SessionContext<'_>,
        user: &str,
        password: &str,
        what: &str,
    ) -> Option<Tagged> {
        if !ctx.store.check_password(user, password) {
            return Tagged::no("[AUTHENTICATIONFAILED] Invalid credentials");
        }
        self.state = State::Authenticated {
            user: user.to_owned(),
        };
        ctx.events.push(Event::LoggedIn {
            session: self.id,
            user: user.to_owned(),
        });
        let caps = ctx.capabilities.for_session(self);
        Tagged::ok(format!("[CAPABILITY {caps}] {what} completed"))
    }

    pub(crate) fn authenticate(
        &mut self,
        ctx: &mut SessionContext<'_>,
        tag: &str,
        mechanism: &AuthMechanism<'_>,
        initial_response: Option<&[u8]>,
    ) -> Option<Tagged> {
        if let Some(refusal) = self.login_refused(ctx) {
            return refusal;
        }
        let step = match mechanism {
            AuthMechanism::Plain if ctx.config.is_enabled(Feature::AuthPlain) => SaslStep::Plain,
            AuthMechanism::Login if ctx.config.is_enabled(Feature::AuthLogin) => {
                SaslStep::LoginUser
            }
            AuthMechanism::XOAuth2 if ctx.config.is_enabled(Feature::AuthXOAuth2) => {
                SaslStep::XOAuth2
            }
            AuthMechanism::OAuthBearer if ctx.config.is_enabled(Feature::AuthOAuthBearer) => {
                SaslStep::OAuthBearer
            }
            other => {
                return Tagged::no(format!("Unsupported authentication mechanism {other}"));
            }
        };
        if let Some(response) = initial_response {
            if !ctx.config.is_enabled(Feature::SaslIr) {
                return Tagged::bad("SASL-IR is not supported");
            }
            // imap-codec has already decoded the base64 (and `=` as empty).
            return self.sasl_step(ctx, tag, step, response.to_vec());
        }
        self.mode = Mode::Authenticate {
            tag: tag.to_owned(),
            step,
        };
        ctx.out.extend_from_slice(match &self.mode {
            Mode::Authenticate {
                step: SaslStep::LoginUser,
                ..
            } => b"+ VXNlcm5hbWU6\r\n".as_slice(),
            _ => b"+ \r\n".as_slice(),
        });
        None
    }

    /// A line of SASL data during AUTHENTICATE.
    pub(crate) fn sasl_input(
        &mut self,
        ctx: &mut SessionContext<'_>,
        tag: String,
        step: SaslStep,
        line: &[u8],
    ) {
        let line = trim_line(line);
        let reply = if line == b"*" {
            Tagged::bad("Authentication cancelled")
        } else {
            match BASE64.decode(line) {
                Ok(data) => self.sasl_step(ctx, &tag, step, data),
                Err(_) => Tagged::bad("Invalid base64 in SASL response"),
            }
        };
        if let Some(reply) = reply {
            ctx.tagged(&tag, reply.status, &reply.text);
        }
    }

    fn sasl_step(
        &mut self,
        ctx: &mut SessionContext<'_>,
        tag: &str,
        step: SaslStep,
        data: Vec<u8>,
    ) -> Option<Tagged> {
        match step {
            SaslStep::Plain => {
                // RFC 4616: [authzid] NUL authcid NUL passwd
                let mut parts = data.split(|&b| b == 0);
                let (Some(authz), Some(user), Some(password), None) =
                    (parts.next(), parts.next(), parts.next(), parts.next())
                else {
                    return Tagged::bad("Malformed PLAIN response");
                };
                let (Ok(authz), Ok(user), Ok(password)) = (
                    std::str::from_utf8(authz),
                    std::str::from_utf8(user),
                    std::str::from_utf8(password),
                ) else {
                    return Tagged::no("[AUTHENTICATIONFAILED] Invalid credentials");
                };
                if !authz.is_empty() && authz != user {
                    return Tagged::no("[AUTHORIZATIONFAILED] Cannot act as another user");
                }
                self.finish_login(ctx, user, password, "AUTHENTICATE")
            }
            SaslStep::LoginUser => match String::from_utf8(data) {
                Ok(user) => {
                    self.mode = Mode::Authenticate {
                        tag: tag.to_owned(),
                        step: SaslStep::LoginPassword(user),
                    };
                    ctx.out.extend_from_slice(b"+ UGFzc3dvcmQ6\r\n");
                    None
                }
                Err(_) => Tagged::no("[AUTHENTICATIONFAILED] Invalid credentials"),
            },
            SaslStep::XOAuth2 | SaslStep::OAuthBearer => {
                let parsed = match step {
                    SaslStep::XOAuth2 => parse_xoauth2(&data),
                    _ => parse_oauthbearer(&data),
                };
                let Some((user, token)) = parsed else {
                    return Tagged::bad("Malformed OAuth response");
                };
                // Test-friendly tokens: a user's bearer token is their password.
                if ctx.store.check_password(&user, &token) {
                    return self.finish_login(ctx, &user, &token, "AUTHENTICATE");
                }
                // RFC 7628 §3.2.2: the failure is a JSON challenge; the client answers
                // it (with ^A) and only then gets the tagged NO.
                let error = br#"{"status":"invalid_token","schemes":"bearer","scope":"imap"}"#;
                self.mode = Mode::Authenticate {
                    tag: tag.to_owned(),
                    step: SaslStep::OAuthFailed,
                };
                ctx.out.extend_from_slice(b"+ ");
                ctx.out.extend_from_slice(BASE64.encode(error).as_bytes());
                ctx.out.extend_from_slice(b"\r\n");
                None
            }
            SaslStep::OAuthFailed => Tagged::no("[AUTHENTICATIONFAILED] Invalid token"),
            SaslStep::LoginPassword(user) => match String::from_utf8(data) {
                Ok(password) => self.finish_login(ctx, &user, &password, "AUTHENTICATE"),
                Err(_) => Tagged::no("[AUTHENTICATIONFAILED] Invalid credentials"),
            },
        }
    }
}

/// XOAUTH2: `user=NAME ^A auth=Bearer TOKEN ^A ^A`.
fn parse_xoauth2(data: &[u8]) -> Option<(String, String)> {
    let text = std::str::from_utf8(data).ok()?;
    let mut user = None;
    let mut token = None;
    for pair in text.split('\x01').filter(|p| !p.is_empty()) {
        if let Some(value) = pair.strip_prefix("user=") {
            user = Some(value.to_owned());
        } else if let Some(value) = pair.strip_prefix("auth=") {
            token = Some(bearer(value)?.to_owned());
        }
    }
    Some((user?, token?))
}

/// OAUTHBEARER (RFC 7628 §3.1): `n,a=NAME, ^A host=… ^A auth=Bearer TOKEN ^A ^A`.
fn parse_oauthbearer(data: &[u8]) -> Option<(String, String)> {
    let text = std::str::from_utf8(data).ok()?;
    let (gs2, rest) = text.split_once('\x01')?;
    // gs2-header = [gs2-cb-flag "," [ "a=" saslname ] ","]; "=2C" and "=3D" escape.
    let user = gs2
        .split(',')
        .find_map(|part| part.strip_prefix("a="))?
        .replace("=2C", ",")
        .replace("=3D", "=");
    let token = rest
        .split('\x01')
        .find_map(|pair| pair.strip_prefix("auth="))
        .and_then(bearer)?;
    Some((user, token.to_owned()))
}

/// The token of `Bearer TOKEN` (the scheme is case-insensitive, RFC 6750 §2.1).
fn bearer(value: &str) -> Option<&str> {
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

/// A line without its CRLF or LF.
pub(crate) fn trim_line(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}
