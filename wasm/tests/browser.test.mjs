// Headless Chromium test of the browser demo (wasm/dist, built by scripts/build-wasm.sh).
//
// Serves the folder over loopback itself, drives Debian's /usr/bin/chromium through
// playwright-core, types IMAP commands into one device pane and checks the server's exact
// answers there, in the other pane (IDLE push) and in the live store view. The server holds
// the demo mail set (fixtures/demo/demo.toml, served as demo.json): message numbers and
// sizes below are those of that set.
//
//   scripts/build-wasm.sh && scripts/setup-browser.sh && (cd wasm/tests && node --test)
//
// It prints the time to interactive and the in-page round trips as figures; they are
// measurements, not assertions (timed tests flake on a busy machine).

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFile, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { chromium } from "playwright-core";

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = process.env.EPHEMAIL_DEMO_DIR ?? path.resolve(here, "../dist");
const chromiumPath = process.env.CHROMIUM ?? "/usr/bin/chromium";

// The flags that make headless Chromium work as root in CI.
const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm",
  ".json": "application/json",
  ".png": "image/png",
};

let server;
let origin;
let browser;
let profile;
let page;
const pageErrors = [];
const requests = [];

/** A static file server for `dist` on 127.0.0.1, port chosen by the OS. */
function serve(root) {
  return http.createServer((request, response) => {
    const url = new URL(request.url, "http://localhost");
    let file = path.normalize(path.join(root, decodeURIComponent(url.pathname)));
    if (!file.startsWith(root)) {
      response.writeHead(403).end();
      return;
    }
    if (url.pathname.endsWith("/")) file = path.join(file, "index.html");
    readFile(file, (error, body) => {
      if (error) {
        response.writeHead(404).end();
        return;
      }
      const type = TYPES[path.extname(file)] ?? "application/octet-stream";
      response.writeHead(200, { "content-type": type }).end(body);
    });
  });
}

const pane = (device) => page.locator(`.pane[data-device="${device}"]`);
const consoleText = (device) => pane(device).locator(".console").innerText();

/** Types a command into a device's prompt and presses Enter, like a person would. */
async function type(device, line) {
  const input = pane(device).locator("input.command");
  await input.fill(line);
  await input.press("Enter");
}

/** The store view's row for a message, e.g. storeRow("INBOX", 2). */
const storeRow = (mailbox, uid) =>
  page.locator(`#store .mailbox[data-mailbox="${mailbox}"] tr[data-uid="${uid}"]`);

before(async () => {
  assert.ok(existsSync(path.join(dist, "index.html")), `${dist} is missing: run scripts/build-wasm.sh`);
  assert.ok(existsSync(chromiumPath), `${chromiumPath} is missing: run scripts/setup-browser.sh`);
  server = serve(dist);
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${server.address().port}`;
  profile = mkdtempSync(path.join(tmpdir(), "ephemail-chromium-"));
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: [...CHROMIUM_FLAGS],
    env: { ...process.env, HOME: profile },
  });
  page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  page.on("pageerror", (error) => pageErrors.push(error.message));
  page.on("request", (request) => requests.push(request.url()));
});

after(async () => {
  await browser?.close();
  server?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

test("the page loads the wasm server and becomes interactive", async (t) => {
  await page.goto(`${origin}/`);
  await page.waitForSelector("body[data-ready=true]", { timeout: 15000 });
  const ready = await page.evaluate(() => window.ephemail.ready);
  t.diagnostic(`time to interactive: ${ready.toFixed(0)} ms after navigation start`);
  await assert.doesNotReject(pane("Laptop").waitFor());
  await assert.doesNotReject(pane("Phone").waitFor());
  // The greeting is the first thing a client sees.
  assert.match(await consoleText("Laptop"), /S:\s*\* OK \[CAPABILITY IMAP4rev1 [^\n]*STARTTLS[^\n]*\] ephemail ready/);
  assert.deepEqual(pageErrors, []);
});

test("a flag stored on the Laptop reaches the idling Phone and the store view", async () => {
  await type("Laptop", "a1 LOGIN alice password");
  assert.match(await consoleText("Laptop"), /a1 OK \[CAPABILITY [^\n]*\] LOGIN completed/);
  await type("Laptop", "a2 SELECT INBOX");
  const laptop = await consoleText("Laptop");
  assert.match(laptop, /\* 51 EXISTS/);
  assert.match(laptop, /a2 OK \[READ-WRITE\] SELECT completed/);

  await type("Phone", "p1 LOGIN alice password");
  await type("Phone", "p2 SELECT INBOX");
  await type("Phone", "p3 IDLE");
  assert.match(await consoleText("Phone"), /\+ idling/);
  assert.equal(await storeRow("INBOX", 5).locator(".badge").count(), 0, "message 5 starts unflagged");

  await type("Laptop", "a3 STORE 5 +FLAGS (\\Seen)");
  // The Laptop's own copy also says \Recent: its SELECT was the first to see the message.
  assert.match(await consoleText("Laptop"), /\* 5 FETCH \(UID 5 FLAGS \(\\Seen \\Recent\)\)\s+S:\s*a3 OK STORE completed/);
  // Nobody typed anything into the Phone: the server pushed the change to it.
  assert.match(
    await consoleText("Phone"),
    /\+ idling\n.*round trip.*\npushed by the server: Laptop changed the mailbox\nS:\s*\* 5 FETCH \(UID 5 FLAGS \(\\Seen\)\)$/,
  );
  assert.equal(await storeRow("INBOX", 5).locator(".badge").allInnerTexts().then((t) => t.join(" ")), "\\Seen");
  const events = await page.locator("#events").innerText();
  assert.match(events, /Laptop: a3 STORE\nstore: FlagsChanged UID 5 \(alice\)/);

  await type("Phone", "DONE");
  assert.match(await consoleText("Phone"), /p3 OK IDLE terminated/);
  // A change the Laptop has not heard of yet arrives with its next command.
  await type("Phone", "p4 STORE 1 -FLAGS (\\Flagged)");
  await type("Laptop", "a4 NOOP");
  assert.match(await consoleText("Laptop"), /\* 1 FETCH \(UID 1 FLAGS \(\\Seen \\Answered \\Recent\)\)\s+S:\s*a4 OK NOOP completed/);
  assert.equal(await storeRow("INBOX", 1).locator(".badge").allInnerTexts().then((t) => t.join(" ")), "\\Seen \\Answered");
});

test("APPEND sends a literal after the continuation request", async () => {
  await pane("Laptop").locator(".append-toggle").click();
  const form = pane("Laptop").locator("form.append");
  await form.locator("textarea").fill("Subject: from the test\n\nhello\n");
  await form.locator('input[name="tag"]').fill("a5");
  await form.locator("button[type=submit]").click();
  const laptop = await consoleText("Laptop");
  // 33 bytes: 24 + 2 + 7, each line ending in CRLF.
  assert.match(laptop, /C:\s*a5 APPEND Drafts \(\\Draft\) \{33\}\s+S:\s*\+ /);
  assert.match(laptop, /literal: 33 bytes sent/);
  // alice's Drafts holds two drafts already.
  assert.match(laptop, /a5 OK \[APPENDUID \d+ 3\] APPEND completed/);
  await assert.doesNotReject(storeRow("Drafts", 3).waitFor());
  assert.match(await storeRow("Drafts", 3).innerText(), /from the test/);
});

test("the prompt keeps a history (arrow up and down)", async () => {
  const input = pane("Laptop").locator("input.command");
  await input.press("ArrowUp");
  assert.equal(await input.inputValue(), "a4 NOOP");
  await input.press("ArrowUp");
  assert.equal(await input.inputValue(), "a3 STORE 5 +FLAGS (\\Seen)");
  await input.press("ArrowDown");
  await input.press("ArrowDown");
  assert.equal(await input.inputValue(), "");
});

test("time is passed in: skipping 31 minutes logs idle sessions out", async () => {
  await page.click("#reset");
  await type("Laptop", "a1 LOGIN alice password");
  await type("Phone", "p1 LOGIN bob password");
  await page.click("#skip-time");
  for (const device of ["Laptop", "Phone"]) {
    assert.match(await consoleText(device), /pushed by the server: 31 minutes passed\nS:\s*\* BYE Autologout[^\n]*\nThe server closed the connection\./);
    assert.match(await pane(device).getAttribute("class"), /closed/);
  }
  await pane("Laptop").locator(".reconnect").click();
  assert.match(await consoleText("Laptop"), /session 3\nS:\s*\* OK \[CAPABILITY/);
  await page.click("#reset");
});

test("bad input gets a tagged BAD, and the session goes on", async () => {
  await type("Laptop", "a1 LOGIN alice password");
  await type("Laptop", "a6 FROBNICATE");
  await type("Laptop", "a7 NOOP");
  const laptop = await consoleText("Laptop");
  assert.match(laptop, /a6 BAD/);
  assert.match(laptop, /a7 OK NOOP completed/);
});

test("the demo mail set is loaded as ephemail serve loads demo.toml", async () => {
  const fixtures = JSON.parse(readFileSync(path.join(dist, "demo.json"), "utf8"));
  const count = (users) => users.flatMap((u) => u.mailboxes).reduce((n, m) => n + (m.messages ?? []).length, 0);
  const snapshot = await page.evaluate(() => window.ephemail.app.snapshot);
  assert.deepEqual(snapshot.users.map((u) => u.name), ["alice", "bob"]);
  assert.equal(count(snapshot.users), count(fixtures.users));
  assert.ok(count(snapshot.users) > 100, "the whole set, not a sample");
  assert.match(await page.locator("#status").innerText(), new RegExp(`${count(fixtures.users)} messages of alice and bob`));
  assert.match(await page.locator('#store .mailbox[data-mailbox="INBOX"] .meta').innerText(), /^51 msg/);
  assert.match(await page.locator('#store .mailbox[data-mailbox="Sent"] h4').innerText(), /\\Sent/);
  // Message 47 (the large contract) has exactly the size and INTERNALDATE core's
  // declarative loader gives it: its LFs became CRLFs (132,233 octets of UTF-8), its
  // internal_date was kept. (\Recent: the Phone is the first to open INBOX since the reset.)
  await type("Phone", "p1 LOGIN alice password");
  await type("Phone", "p2 EXAMINE INBOX");
  await type("Phone", "p3 FETCH 47 (FLAGS RFC822.SIZE INTERNALDATE)");
  assert.match(
    await consoleText("Phone"),
    /\* 47 FETCH \(FLAGS \(\\Seen \\Recent\) RFC822\.SIZE 132233 INTERNALDATE "10-Mar-2025 00:00:06 \+0000"\)\s+S:\s*p3 OK FETCH completed/,
  );
});

test("every guided scenario runs to its end, and the page works offline", async () => {
  // Everything was loaded from the loopback server, nothing from elsewhere.
  assert.deepEqual(requests.filter((url) => !url.startsWith(origin)), []);
  await page.context().setOffline(true);
  const ids = await page.evaluate(() => [...document.querySelectorAll("[data-scenario]")].map((b) => b.dataset.scenario));
  assert.deepEqual(ids, ["sync", "headers", "folders", "tls", "append"]);
  for (const id of ids) {
    await page.click(`[data-scenario="${id}"]`);
    await page.click("#run-all");
    assert.equal(await page.locator("#next-step").innerText(), "Done");
    const text = (await page.locator(".pane .console").allInnerTexts()).join("\n");
    const tagged = text.match(/^S:\s*[a-z]\d+ (OK|NO|BAD)/gm) ?? [];
    assert.ok(tagged.length >= 3, `${id}: tagged responses seen`);
    const refused = tagged.filter((line) => !line.endsWith(" OK"));
    // The only refusal in any scenario is on purpose: STARTTLS after login.
    assert.deepEqual(refused, id === "tls" ? ["S:t2 BAD"] : [], id);
    if (id === "sync") {
      assert.match(await consoleText("Phone"), /\* 52 EXISTS/);
      assert.match(await consoleText("Laptop"), /\* 52 EXISTS/);
    }
    if (id === "headers") assert.match(await consoleText("Laptop"), /\* 47 FETCH \(BODY\[HEADER\] \{339\}/);
    if (id === "folders") assert.match(await consoleText("Laptop"), /a6 OK RENAME completed/);
    if (id === "tls") {
      assert.match(await consoleText("Laptop"), /a2 OK [^\n]*\n[^\n]*STARTTLS accepted/);
      assert.doesNotMatch(
        (await consoleText("Laptop")).split("a3 CAPABILITY")[1],
        /STARTTLS IDLE|CAPABILITY[^\n]* STARTTLS/,
        "no STARTTLS offered after the upgrade",
      );
      assert.match(await consoleText("Tablet"), /port 993/);
      assert.doesNotMatch(await consoleText("Tablet"), /\* OK \[CAPABILITY[^\]]*STARTTLS/);
    }
    if (id === "append") assert.match(await consoleText("Phone"), /\* 3 EXPUNGE/);
  }
  await page.context().setOffline(false);
  assert.deepEqual(pageErrors, []);
});

test("round trips inside the page (figures)", async (t) => {
  const trips = await page.evaluate(() => window.ephemail.app.roundTrips);
  assert.ok(trips.length > 50);
  const sorted = [...trips].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  t.diagnostic(
    `command round trip in the page (receive + drain, ${trips.length} commands): ` +
      `median ${at(0.5).toFixed(3)} ms, p90 ${at(0.9).toFixed(3)} ms, max ${sorted.at(-1).toFixed(3)} ms`,
  );
});

test("screenshot (when EPHEMAIL_SCREENSHOT names a file)", async (t) => {
  const file = process.env.EPHEMAIL_SCREENSHOT;
  if (!file) return t.skip("EPHEMAIL_SCREENSHOT not set");
  await page.click('[data-scenario="sync"]');
  for (let i = 0; i < 6; i++) await page.click("#next-step");
  await page.waitForTimeout(300);
  await page.screenshot({ path: file });
});
