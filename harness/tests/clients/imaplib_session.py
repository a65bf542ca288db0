"""Drives an ephemail server with Python's standard imaplib, verifying its CA.

Usage: imaplib_session.py READY_JSON MODE
MODE is one of: plain, starttls, tls (a realistic session over that transport),
wrong-password, logindisabled, untrusted (negative cases).
Exits non-zero with a message on the first failed expectation.
"""

import imaplib
import json
import socket
import ssl
import sys

MESSAGE = (
    b"From: Bob <bob@example.com>\r\n"
    b"To: Alice <alice@example.com>\r\n"
    b"Subject: minutes\r\n"
    b"\r\n"
    b"The meeting moved to Thursday.\r\n"
)


def expect(condition, what):
    if not condition:
        raise SystemExit(f"FAILED: {what}")


def host_port(address):
    host, port = address.rsplit(":", 1)
    return host.strip("[]"), int(port)


def connect(info, mode):
    context = ssl.create_default_context(cafile=info["ca_file"])
    if mode == "plain":
        return imaplib.IMAP4(*host_port(info["imap"]))
    if mode == "starttls":
        m = imaplib.IMAP4(*host_port(info["imap"]))
        expect("STARTTLS" in m.capabilities, f"STARTTLS advertised: {m.capabilities}")
        m.starttls(ssl_context=context)
        return m
    if mode == "tls":
        # Connect by name so the certificate's DNS SAN is what gets checked.
        _, port = host_port(info["imaps"])
        return imaplib.IMAP4_SSL("localhost", port, ssl_context=context)
    raise SystemExit(f"unknown mode {mode}")


def realistic_session(info, mode):
    user = info["users"][0]
    m = connect(info, mode)
    typ, _ = m.login(user["name"], user["password"])
    expect(typ == "OK", "login")

    typ, boxes = m.list()
    expect(typ == "OK" and any(b'"INBOX"' in b or b" INBOX" in b for b in boxes), f"LIST: {boxes}")

    box = f"Py-{mode}"
    done = f"Py-{mode}-done"
    expect(m.create(box)[0] == "OK", "CREATE")
    expect(m.create(done)[0] == "OK", "CREATE second")
    expect(m.append(box, "(\\Flagged)", None, MESSAGE)[0] == "OK", "APPEND 1")
    expect(m.append(box, None, None, b"Subject: two\r\n\r\nsecond\r\n")[0] == "OK", "APPEND 2")

    typ, data = m.select(box)
    expect(typ == "OK" and data == [b"2"], f"SELECT: {data}")

    typ, data = m.fetch("1", "(FLAGS BODY.PEEK[])")
    expect(typ == "OK", "FETCH")
    expect(data[0][1] == MESSAGE, f"FETCH body: {data[0][1]!r}")
    expect(b"\\Flagged" in data[0][0], f"FETCH flags: {data[0][0]!r}")

    typ, data = m.search(None, "BODY", "Thursday")
    expect(data == [b"1"], f"SEARCH BODY: {data}")
    typ, data = m.search(None, "UNFLAGGED")
    expect(data == [b"2"], f"SEARCH UNFLAGGED: {data}")

    typ, data = m.store("2", "+FLAGS", "(\\Seen)")
    expect(typ == "OK" and b"\\Seen" in data[0], f"STORE: {data}")

    expect(m.copy("1", done)[0] == "OK", "COPY")
    typ, data = m.uid("SEARCH", None, "ALL")
    uids = data[0].split()
    expect(len(uids) == 2, f"UID SEARCH: {data}")
    typ, data = m.uid("MOVE", uids[1].decode(), done)
    expect(typ == "OK", f"UID MOVE: {data}")

    m.store("1", "+FLAGS", "(\\Deleted)")
    typ, data = m.expunge()
    # imaplib keeps untagged EXPUNGEs across commands: MOVE's "* 2 EXPUNGE" comes first.
    expect(typ == "OK" and data == [b"2", b"1"], f"EXPUNGE: {data}")

    # IDLE (imaplib has no IDLE before Python 3.14): speak it by hand, and let a second
    # connection append while this one waits.
    m.select(done)
    tag = m._new_tag().decode()
    m.send(f"{tag} IDLE\r\n".encode())
    line = m.readline()
    expect(line.startswith(b"+"), f"IDLE continuation: {line!r}")
    other = connect(info, mode)
    other.login(user["name"], user["password"])
    expect(other.append(done, None, None, MESSAGE)[0] == "OK", "APPEND from second connection")
    other.logout()
    line = m.readline()
    expect(line == b"* 3 EXISTS\r\n", f"IDLE update: {line!r}")
    m.send(b"DONE\r\n")
    while True:
        line = m.readline()
        if line.startswith(tag.encode()):
            expect(b" OK" in line, f"IDLE end: {line!r}")
            break

    typ, data = m.logout()
    expect(typ == "BYE", f"LOGOUT: {typ}")
    print(f"ok: {mode} session")


def wrong_password(info):
    user = info["users"][0]
    m = connect(info, "tls")
    try:
        m.login(user["name"], user["password"] + "-wrong")
    except imaplib.IMAP4.error as error:
        expect("AUTHENTICATIONFAILED" in str(error) or "NO" in str(error), str(error))
        print("ok: wrong password refused")
        return
    raise SystemExit("FAILED: wrong password accepted")


def login_disabled(info):
    user = info["users"][0]
    m = connect(info, "plain")
    expect("LOGINDISABLED" in m.capabilities, f"LOGINDISABLED advertised: {m.capabilities}")
    try:
        m.login(user["name"], user["password"])
        raise SystemExit("FAILED: plaintext LOGIN accepted")
    except imaplib.IMAP4.error as error:
        print(f"ok: plaintext login refused ({error})")
    m = connect(info, "starttls")
    expect(m.login(user["name"], user["password"])[0] == "OK", "LOGIN after STARTTLS")
    m.logout()
    print("ok: login after STARTTLS")


def untrusted(info):
    _, port = host_port(info["imaps"])
    context = ssl.create_default_context()  # system roots only: our CA is not among them
    try:
        imaplib.IMAP4_SSL("localhost", port, ssl_context=context)
    except ssl.SSLCertVerificationError as error:
        print(f"ok: untrusted CA rejected ({error.verify_message})")
        return
    raise SystemExit("FAILED: connected without trusting the CA")


def main():
    info = json.load(open(sys.argv[1]))
    mode = sys.argv[2]
    socket.setdefaulttimeout(10)
    if mode in ("plain", "starttls", "tls"):
        realistic_session(info, mode)
    elif mode == "wrong-password":
        wrong_password(info)
    elif mode == "logindisabled":
        login_disabled(info)
    elif mode == "untrusted":
        untrusted(info)
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
