// Drives an ephemail server with imapflow (Node), verifying this run's CA.
//
// Usage: node imapflow_session.mjs READY_JSON MODE
// MODE: tls (implicit TLS), starttls, untrusted, wrong-password.
// Exits non-zero with a message on the first failed expectation.

import { readFileSync } from 'node:fs';
import { ImapFlow } from 'imapflow';

const [readyPath, mode] = process.argv.slice(2);
const info = JSON.parse(readFileSync(readyPath, 'utf8'));
const user = info.users[0];

const MESSAGE =
  'From: Bob <bob@example.com>\r\n' +
  'To: Alice <alice@example.com>\r\n' +
  'Subject: minutes\r\n' +
  '\r\n' +
  'The meeting moved to Thursday.\r\n';

function expect(condition, what) {
  if (!condition) {
    console.error(`FAILED: ${what}`);
    process.exit(1);
  }
}

function client(options = {}) {
  const secure = mode !== 'starttls';
  const address = secure ? info.imaps : info.imap;
  const port = Number(address.slice(address.lastIndexOf(':') + 1));
  return new ImapFlow({
    host: '127.0.0.1',
    port,
    secure,
    doSTARTTLS: secure ? undefined : true,
    auth: { user: user.name, pass: options.pass ?? user.password },
    tls: { ca: options.ca ?? [info.ca_pem] },
    logger: process.env.LOG ? undefined : false,
    connectionTimeout: 10000,
  });
}

async function realisticSession() {
  const c = client();
  await c.connect();
  expect(c.secureConnection || mode === 'starttls', 'secure connection');

  const boxes = await c.list();
  expect(boxes.some((b) => b.path === 'INBOX'), `LIST: ${boxes.map((b) => b.path)}`);

  const box = `Node-${mode}`;
  const done = `Node-${mode}-done`;
  await c.mailboxCreate(box);
  await c.mailboxCreate(done);
  const appended = await c.append(box, MESSAGE, ['\\Flagged']);
  expect(appended.uid === 1, `APPENDUID: ${appended.uid}`);
  await c.append(box, 'Subject: two\r\n\r\nsecond\r\n');

  let lock = await c.getMailboxLock(box);
  try {
    expect(c.mailbox.exists === 2, `EXISTS: ${c.mailbox.exists}`);
    const fetched = [];
    for await (const msg of c.fetch('1:*', { uid: true, flags: true, source: true })) {
      fetched.push(msg);
    }
    expect(fetched.length === 2, `FETCH count: ${fetched.length}`);
    expect(fetched[0].source.toString() === MESSAGE, `FETCH body: ${fetched[0].source}`);
    expect(fetched[0].flags.has('\\Flagged'), `FETCH flags: ${[...fetched[0].flags]}`);

    const found = await c.search({ body: 'Thursday' });
    expect(JSON.stringify(found) === '[1]', `SEARCH: ${JSON.stringify(found)}`);

    expect(await c.messageFlagsAdd('2', ['\\Seen']), 'STORE');
    const copied = await c.messageCopy('1', done);
    expect(copied && copied.uidMap && copied.uidMap.get(1) === 1, `COPY: ${copied && [...copied.uidMap]}`);
    const moved = await c.messageMove('2', done);
    expect(moved && moved.uidMap && moved.uidMap.get(2) === 2, `MOVE: ${moved && [...moved.uidMap]}`);
    expect(await c.messageDelete('1'), 'DELETE + EXPUNGE');
    const left = await c.status(box, { messages: true });
    expect(left.messages === 0, `after expunge: ${JSON.stringify(left)}`);
  } finally {
    lock.release();
  }

  // IDLE: while this connection idles, a second one appends; this one must hear EXISTS.
  await c.mailboxOpen(done);
  const heard = new Promise((resolve) => c.on('exists', (data) => resolve(data)));
  const idling = c.idle();
  await new Promise((r) => setTimeout(r, 100)); // let IDLE reach the server
  expect(c.idling, 'client is idling');
  const other = client();
  await other.connect();
  await other.append(done, MESSAGE);
  await other.logout();
  const update = await Promise.race([
    heard,
    new Promise((_, reject) => setTimeout(() => reject(new Error('no EXISTS while idle')), 10000)),
  ]);
  expect(update.count === 3, `IDLE update: ${JSON.stringify(update)}`);
  void idling;

  await c.logout();
  console.log(`ok: imapflow ${mode} session`);
}

async function untrusted() {
  const c = client({ ca: [] });
  c.on('error', () => {});
  try {
    await c.connect();
  } catch (error) {
    const code = error.code || '';
    expect(/CERT|SIGNATURE|ISSUER/.test(code), `unexpected error: ${code} ${error.message}`);
    console.log(`ok: untrusted CA rejected (${code})`);
    return;
  }
  expect(false, 'connected without trusting the CA');
}

async function wrongPassword() {
  const c = client({ pass: 'definitely-wrong' });
  c.on('error', () => {});
  try {
    await c.connect();
  } catch (error) {
    expect(error.authenticationFailed === true, `unexpected error: ${error.message}`);
    console.log('ok: wrong password refused');
    return;
  }
  expect(false, 'logged in with a wrong password');
}

const modes = { tls: realisticSession, starttls: realisticSession, untrusted, 'wrong-password': wrongPassword };
expect(modes[mode], `unknown mode ${mode}`);
modes[mode]().then(() => process.exit(0), (error) => {
  console.error(`FAILED: ${error.stack || error}`);
  process.exit(1);
});
