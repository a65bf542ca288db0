//! IDLE (RFC 2177, RFC 9051 §6.3.13): when untagged updates may be sent.
//!
//! While idling, the server may send EXISTS, EXPUNGE and FETCH at any moment, because a
//! command (IDLE) is in progress and the client expects them; the `Server` pushes them as
//! soon as another session changes the mailbox. The only valid input is `DONE`; anything
//! else ends the IDLE with `BAD`, and the line is not executed as a command, since the
//! client and server would otherwise disagree on which tag a response belongs to.

use crate::session::auth::trim_line;
use crate::session::{Mode, Session, SessionContext, State, Tagged};

impl Session {
    pub(crate) fn start_idle(&mut self, ctx: &mut SessionContext<'_>, tag: &str) -> Option<Tagged> {
        // Anything pending is reported first, so the client starts from a true view.
        if matches!(self.state, State::Selected { .. }) {
            self.push_updates(ctx, true);
        }
        ctx.out.extend_from_slice(b"+ idling\r\n");
        self.mode = Mode::Idle {
            tag: tag.to_owned(),
        };
        None
    }

    pub(crate) fn idle_input(&mut self, ctx: &mut SessionContext<'_>, tag: String, line: &[u8]) {
        if trim_line(line).eq_ignore_ascii_case(b"DONE") {
            if matches!(self.state, State::Selected { .. }) {
                self.push_updates(ctx, true);
            }
            ctx.tagged(&tag, "OK", "IDLE terminated");
        } else {
            ctx.tagged(&tag, "BAD", "Expected DONE to end IDLE");
        }
    }
}
