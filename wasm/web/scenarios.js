// Guided scenarios: each is a list of steps the page runs one at a time, in the pane of
// the device named. A step sends a line exactly as if it had been typed (`send`), sends a
// message with a literal (`append`), delivers new mail from outside (`deliver`), or
// opens a connection (`connect`). Starting a scenario resets the server, with the demo
// mail set (fixtures/demo/demo.toml) loaded: message numbers below refer to it.

export const SCENARIOS = [
  {
    id: "sync",
    title: "A flag set on one device shows on the other",
    intro: `<p>The point of IMAP: mail stays on the server, and every device sees the same
      state. Here the Laptop and the Phone both open alice's INBOX. The Phone waits in
      <b>IDLE</b> (the server may push news at any moment); the Laptop does not, so it hears
      about changes when it next asks, e.g. with <b>NOOP</b>.</p>`,
    steps: [
      { device: "Laptop", send: "a1 LOGIN alice password",
        note: `Every command starts with a <b>tag</b> the client picks (<code>a1</code>). The
          server ends its answer with the same tag and <code>OK</code>, <code>NO</code> or
          <code>BAD</code>. (Real clients prefer AUTHENTICATE, and never without TLS.)` },
      { device: "Laptop", send: "a2 SELECT INBOX",
        note: `SELECT opens a mailbox. The <code>*</code> lines are untagged data: how many
          messages EXIST (51 in alice's INBOX), which flags exist, and UIDVALIDITY/UIDNEXT,
          which let a client keep a cache across sessions.` },
      { device: "Phone", send: "p1 LOGIN alice password",
        note: "The Phone is a second connection, logged in as the same user." },
      { device: "Phone", send: "p2 SELECT INBOX",
        note: "Both devices now have INBOX selected; see the badges in the store view." },
      { device: "Phone", send: "p3 IDLE",
        note: `<code>+ idling</code>: the command stays open. Until the Phone sends
          <code>DONE</code>, the server may send untagged updates whenever something changes.
          This is how phones get mail "pushed" without polling.` },
      { device: "Laptop", send: "a3 STORE 5 +FLAGS (\\Seen)",
        note: `The Laptop marks message 5, still unread (bold in the store view), as read.
          Look at the <b>Phone</b>: it received <code>* 5 FETCH (UID 5 FLAGS (\\Seen))</code>
          without asking, and the store view shows the new flag.` },
      { device: "Phone", send: "DONE",
        note: `DONE ends IDLE; the server finishes the <code>p3</code> command. A client
          re-issues IDLE at least every 29 minutes (RFC 9051 §6.3.13), or the server may log it
          out.` },
      { device: "Phone", send: "p4 STORE 1 -FLAGS (\\Flagged)",
        note: `Now the Phone un-flags message 1 while the Laptop is <i>not</i> idling. The
          server may not interrupt the Laptop; it keeps the news until the Laptop's next
          command.` },
      { device: "Laptop", send: "a4 NOOP",
        note: `NOOP does nothing, which makes it the polite way to ask "anything new?". The
          answer carries <code>* 1 FETCH (… FLAGS …)</code>: the Laptop is in sync again.` },
      { device: "Phone", send: "p5 IDLE",
        note: "The Phone idles again, ready for new mail." },
      { deliver: true,
        note: `Mail arrives from outside (in real life over SMTP). The idling Phone hears
          <code>* 52 EXISTS</code> at once; a client then FETCHes the new message.` },
      { device: "Laptop", send: "a5 NOOP",
        note: "The Laptop learns of message 52 on its next command." },
      { device: "Phone", send: "DONE", note: "Done: both devices have seen every change." },
    ],
  },
  {
    id: "headers",
    title: "Headers only, or the whole message",
    intro: `<p>A phone on a slow network must not download every attachment just to show a
      list. IMAP lets a client ask for exactly the parts it needs: a summary (ENVELOPE,
      flags, size), the raw header, the structure, one part, or everything. Watch the byte
      counts under each answer.</p>`,
    steps: [
      { device: "Laptop", send: "a1 LOGIN alice password", note: "Log in as alice." },
      { device: "Laptop", send: "a2 SELECT INBOX", note: "Open the INBOX." },
      { device: "Laptop", send: "a3 FETCH 1:* (UID FLAGS RFC822.SIZE ENVELOPE)",
        note: `What a mail app fetches to draw its message list: for every message its UID,
          flags, size and ENVELOPE (date, subject, from, to… already parsed by the server).
          A few hundred bytes a message, although message 47 alone is 132 KB.` },
      { device: "Laptop", send: "a4 STORE 47 -FLAGS.SILENT (\\Seen)",
        note: `Message 47 is José's contract with a scanned PDF. alice has read it already;
          mark it unread again to watch what reading does. <b>.SILENT</b>: the server does not
          echo the new flags.` },
      { device: "Laptop", send: "a5 FETCH 47 BODY.PEEK[HEADER]",
        note: `The raw header of message 47, as a <b>literal</b>: <code>{339}</code> announces
          exactly how many bytes follow, so the client never has to guess where data ends.
          <b>PEEK</b> means "don't mark it as read": the store view still shows it unseen.` },
      { device: "Laptop", send: "a6 FETCH 47 BODYSTRUCTURE",
        note: `The message's MIME tree with each part's size: a client can show
          "contract-v3-signed.pdf, 130 KB" and fetch it only if the user taps it.` },
      { device: "Laptop", send: "a7 FETCH 47 BODY[1]",
        note: `Only part 1, the text. Without PEEK, reading the body sets <code>\\Seen</code>:
          the server says so with <code>FLAGS (\\Seen)</code>, and the store view changes.` },
      { device: "Laptop", send: "a8 FETCH 47 BODY[]",
        note: `The whole message, attachment included: about 132,000 bytes, against 339 for
          the header. Multiply by a mailbox of 10,000 messages.` },
    ],
  },
  {
    id: "folders",
    title: "Creating, renaming and deleting folders",
    intro: `<p>Folders (mailboxes) live on the server too. Names form a hierarchy with a
      delimiter (<code>/</code> here); special-use attributes such as <code>\\Sent</code>
      tell every client which folder plays which role, whatever its name or language.</p>`,
    steps: [
      { device: "Laptop", send: "a1 LOGIN alice password", note: "Log in as alice." },
      { device: "Laptop", send: 'a2 LIST "" "*"',
        note: `LIST with the wildcard <code>*</code> lists every folder, with attributes:
          <code>\\Sent</code>, <code>\\Trash</code>… (RFC 6154) and whether it has children
          (alice's <code>Projects</code> tree).` },
      { device: "Laptop", send: "a3 CREATE Clients/Acme",
        note: `Creating a nested folder creates its parent <code>Clients</code> as well. Watch
          the store view.` },
      { device: "Laptop", send: "a4 SELECT INBOX", note: "Open the INBOX to copy from it." },
      { device: "Laptop", send: "a5 COPY 1 Clients/Acme",
        note: `<code>[COPYUID v 1 1]</code> (UIDPLUS): message UID 1 was copied and got UID 1
          in the target, whose UIDVALIDITY is v. The body is stored once and shared.` },
      { device: "Phone", send: "p1 LOGIN alice password", note: "The Phone logs in…" },
      { device: "Phone", send: 'p2 LIST "" "Clients*"',
        note: `…and sees the new folders when it lists. IMAP does not push folder changes to
          other sessions; clients LIST again now and then.` },
      { device: "Laptop", send: "a6 RENAME Clients Customers",
        note: "Renaming a folder takes its children along: Clients/Acme is now Customers/Acme." },
      { device: "Laptop", send: 'a7 LIST "" "*"', note: "The new names, with \\HasChildren on Customers." },
      { device: "Laptop", send: "a8 DELETE Customers/Acme",
        note: "Deleting a folder deletes the messages in it." },
      { device: "Laptop", send: "a9 DELETE Customers", note: "Now the parent can go too." },
      { device: "Phone", send: "p3 STATUS INBOX (MESSAGES UNSEEN UIDNEXT)",
        note: `STATUS asks about a folder without opening it: how a client shows unread counts
          for every folder in its sidebar.` },
    ],
  },
  {
    id: "tls",
    title: "STARTTLS, and ports 143 and 993",
    intro: `<p>IMAP has two ports. On <b>143</b> the connection starts in plain text and the
      client upgrades it with <b>STARTTLS</b>. On <b>993</b> TLS starts with the first byte
      ("implicit TLS"), and IMAP runs inside it. RFC 8314 asks clients to prefer 993: a
      plain-text start can be tampered with (an attacker can strip <code>STARTTLS</code> from
      the capability list).</p>
      <p><b>This page has no sockets</b>, so no TLS handshake happens here: the panes talk to the
      server inside the same tab. Where a real client would start a handshake, the page says
      so; the server then treats the connection as encrypted, exactly as it would after a real
      handshake.</p>`,
    steps: [
      { device: "Laptop", send: "a1 CAPABILITY",
        note: `The Laptop is on port 143: plain text. The server offers <code>STARTTLS</code>
          (and would offer <code>LOGINDISABLED</code> if it refused passwords in the clear).` },
      { device: "Laptop", send: "a2 STARTTLS",
        note: `The server says OK; from this moment both sides would speak TLS on the same
          TCP connection: the client verifies the certificate, and any bytes it had sent after
          the command are thrown away (they could have been injected).` },
      { device: "Laptop", send: "a3 CAPABILITY",
        note: `After the upgrade a client must forget what it learnt before and ask again
          (RFC 9051 §6.2.1). <code>STARTTLS</code> is no longer offered.` },
      { device: "Laptop", send: "a4 LOGIN alice password",
        note: "Only now does a careful client send the password." },
      { device: "Tablet", connect: true,
        note: `The Tablet connected to port 993: TLS from the first byte, so its greeting
          does not offer STARTTLS at all.` },
      { device: "Tablet", send: "t1 LOGIN bob password",
        note: "The Tablet is bob's device; it logs in straight away, already encrypted." },
      { device: "Tablet", send: "t2 STARTTLS",
        note: "STARTTLS on an encrypted (or logged-in) connection is refused." },
    ],
  },
  {
    id: "append",
    title: "Saving a draft (APPEND) and deleting (EXPUNGE)",
    intro: `<p>Clients write to the server too: APPEND stores a message (a draft, a sent
      copy) and STORE plus EXPUNGE delete. The message goes up as a literal: the client
      announces its size, waits for the server's <code>+</code>, then sends the bytes.</p>`,
    steps: [
      { device: "Laptop", send: "a1 LOGIN alice password", note: "Log in as alice." },
      { device: "Phone", send: "p1 LOGIN alice password", note: "The Phone logs in too…" },
      { device: "Phone", send: "p2 SELECT Drafts", note: "…opens Drafts (two drafts in it)…" },
      { device: "Phone", send: "p3 IDLE", note: "…and waits for news." },
      { device: "Laptop",
        append: {
          tag: "a2",
          mailbox: "Drafts",
          flags: "\\Draft",
          message: "From: Alice Martin <alice@example.org>\nTo: Bob Okafor <bob@example.org>\nSubject: Slides for the talk\n\nDraft: intro, demo, questions.\n",
        },
        note: `<code>{N}</code> announces N bytes; the server answers <code>+</code> when it is
          ready for them, then the Laptop sends the message. <code>[APPENDUID v u]</code> tells
          the new UID. The idling Phone hears <code>* 3 EXISTS</code>.` },
      { device: "Phone", send: "DONE", note: "The Phone stops idling…" },
      { device: "Phone", send: "p4 FETCH 3 (FLAGS ENVELOPE)", note: "…and fetches the new draft's summary." },
      { device: "Phone", send: "p5 IDLE", note: "The Phone idles again." },
      { device: "Laptop", send: "a3 SELECT Drafts", note: "The Laptop opens Drafts." },
      { device: "Laptop", send: "a4 STORE 3 +FLAGS (\\Deleted)",
        note: `Deleting is two steps in IMAP: mark with <code>\\Deleted</code>… (the Phone sees
          the flag change)` },
      { device: "Laptop", send: "a5 EXPUNGE",
        note: `…then EXPUNGE removes the marked messages. <code>* 1 EXPUNGE</code> goes to
          both devices: message numbers after it shift down by one, UIDs never change.` },
      { device: "Phone", send: "DONE", note: "Done." },
    ],
  },
];
