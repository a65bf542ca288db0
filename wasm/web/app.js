// The demo page: drives ephemail's IMAP core (wasm) like a network driver would.
//
// The core is sans-IO: bytes in, bytes out, time passed in. This file is its driver:
// a "connection" is a session id, a pane's typed line is the bytes a client sends,
// every output the core queues is routed to the pane it names, and the page owns the
// clock (Date.now(), plus any time skipped with the clock button) and the autologout
// timer. No IMAP logic lives here; the only parsing is for display (finding `{N}`
// literals to box them). The mail is the project's demo fixture set
// (fixtures/demo/demo.toml, as demo.json next to this file), fetched once and handed to
// the core on every reset (`seed`).

import init, { Demo } from "./ephemail_wasm.js";
import { SCENARIOS } from "./scenarios.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

const DEVICES = [
  { name: "Laptop", tls: false, tag: "a" },
  { name: "Phone", tls: false, tag: "p" },
  { name: "Tablet", tls: true, tag: "t" },
  { name: "Watch", tls: true, tag: "w" },
];

const NEW_MAIL = (n) =>
  `From: Erin Example <erin@example.org>\r\nTo: Alice Martin <alice@example.org>\r\n` +
  `Subject: New mail #${n}\r\nDate: ${new Date().toUTCString().replace("GMT", "+0000")}\r\n` +
  `Message-ID: <new-${n}-${Date.now()}@example.org>\r\n\r\nDelivered while you watched.\r\n`;

/** Everything the page holds: the server, the panes, the views. */
const app = {
  demo: null,
  /** The demo mail set (demo.json), fetched once at start-up: resets work offline. */
  fixtures: null,
  /** Milliseconds skipped with the clock button: the core only knows the time it is given. */
  skipped: 0,
  panes: [],
  timer: null,
  deliveries: 0,
  /** Round trips (receive + drain) in milliseconds, for the browser test and the status line. */
  roundTrips: [],
  previousFlags: new Map(),
  events: [],
};

// ----- driving the core -----

/** The time handed to the core: the wall clock plus any time skipped. */
function now() {
  return Date.now() + app.skipped;
}

/**
 * Moves the page's clock forward. The core never reads a clock, so to the server this
 * is simply time passing: sessions idle for 30 minutes get the autologout BYE.
 */
function skipTime(minutes) {
  app.skipped += minutes * 60 * 1000;
  app.demo.handle_timeout(now());
  route(pollOutputs(), null, `${minutes} minutes passed`);
  renderStore();
  document.getElementById("clock").textContent = `clock +${Math.round(app.skipped / 60000)} min`;
}

/** Takes every output the core queued, as plain objects (no DOM work here). */
function pollOutputs() {
  const outputs = [];
  for (;;) {
    const output = app.demo.poll_output();
    if (output === undefined) break;
    outputs.push({ kind: output.kind, session: output.session, bytes: output.bytes, event: output.event });
    output.free();
  }
  return outputs;
}

/**
 * Shows outputs in the panes they name; then re-arms the timer. Bytes for any pane other
 * than `origin` (the one whose command ran) are marked as pushed: nobody asked for them
 * on that device.
 */
function route(outputs, origin = null, why = "new mail was delivered") {
  const told = new Set();
  for (const output of outputs) {
    const pane = app.panes.find((p) => p.session === output.session);
    if (pane && pane !== origin && output.kind === "transmit" && !told.has(pane) && pane.started) {
      told.add(pane);
      pane.note(origin ? `pushed by the server: ${origin.device.name} changed the mailbox` : `pushed by the server: ${why}`);
      pane.console.lastElementChild.classList.add("pushed");
    }
    if (output.kind === "transmit") pane?.showServer(output.bytes);
    else if (output.kind === "starttls") pane?.showStartTls();
    else if (output.kind === "close") pane?.showClosed();
    else if (output.kind === "event") logEvent(JSON.parse(output.event));
  }
  rearmTimer();
}

function drain() {
  route(pollOutputs());
}

/** JavaScript owns the timers: one setTimeout on the core's next deadline. */
function rearmTimer() {
  clearTimeout(app.timer);
  const at = app.demo.poll_timeout();
  if (at === undefined) return;
  const delay = Math.min(Math.max(0, at - now()), 2 ** 31 - 1);
  app.timer = setTimeout(() => {
    app.demo.handle_timeout(now());
    drain();
    renderStore();
  }, delay);
}

/**
 * Sends raw bytes from a pane's client and shows what comes back. Returns the round trip
 * in milliseconds: the core's work (receive and drain), without the page's rendering.
 */
function transmit(pane, bytes) {
  const started = performance.now();
  app.demo.receive(pane.session, bytes, now());
  const outputs = pollOutputs();
  const elapsed = performance.now() - started;
  app.roundTrips.push(elapsed);
  route(outputs, pane);
  renderStore();
  return elapsed;
}

function resetServer() {
  clearTimeout(app.timer);
  app.demo?.free();
  app.demo = new Demo();
  app.skipped = 0;
  seed(app.demo, app.fixtures);
  document.getElementById("clock").textContent = "";
  app.previousFlags = new Map();
  app.events = [];
  app.deliveries = 0;
  renderEvents();
  for (const pane of app.panes) pane.element.remove();
  app.panes = [];
  document.getElementById("add-device").disabled = false;
  addPane(DEVICES[0]);
  addPane(DEVICES[1]);
  renderStore();
}

/**
 * Hands the demo mail set to the core, field by field as the core's declarative loader
 * reads demo.toml: password (the loaders' default if none), special use, `subscribed`
 * (default true), flags plus keywords, INTERNALDATE, and the raw text (the core makes
 * each bare LF a CRLF, as its loaders do, so sizes are those `ephemail serve` reports for
 * the same file). Then the core's own fixture loader checks the whole set
 * and loads it, or refuses it with the place of the problem; that stops the start-up.
 */
function seed(demo, fixtures) {
  const at = now();
  const call = (where, f) => {
    try {
      return f();
    } catch (error) {
      throw new Error(`demo.json: ${where}: ${error}`);
    }
  };
  for (const [u, user] of (fixtures.users ?? []).entries()) {
    demo.add_fixture_user(user.name, user.password);
    for (const [m, mailbox] of (user.mailboxes ?? []).entries()) {
      const where = `users[${u}].mailboxes[${m}]`;
      const subscribed = mailbox.subscribed ?? true;
      call(where, () => demo.add_fixture_mailbox(user.name, mailbox.name, mailbox.special_use, subscribed));
      for (const [i, message] of (mailbox.messages ?? []).entries()) {
        call(`${where}.messages[${i}]`, () => {
          if (typeof message.raw !== "string") throw "the page reads only inline raw messages";
          const date = Date.parse(message.internal_date);
          if (Number.isNaN(date)) throw "internal_date must be RFC 3339 (2025-03-01T09:30:00Z)";
          const bytes = encoder.encode(message.raw);
          const flags = [...(message.flags ?? []), ...(message.keywords ?? [])].join(" ");
          demo.add_fixture_message(user.name, mailbox.name, bytes, flags, date);
        });
      }
    }
  }
  try {
    demo.apply_fixtures(at); // its errors name the place: "demo.json: field users[0]…"
  } catch (error) {
    throw new Error(String(error));
  }
  pollOutputs(); // the store's events about the seeding: nobody is connected yet
}

function addPane(device) {
  const pane = new Pane(device);
  app.panes.push(pane);
  document.getElementById("panes").append(pane.element);
  pane.connect();
  // A new pane can make the others shorter: keep each showing its latest lines.
  for (const other of app.panes) other.scrollSoon();
  renderStore();
  return pane;
}

function deliverNewMail() {
  app.deliveries += 1;
  const uid = app.demo.deliver(now(), "alice", "INBOX", encoder.encode(NEW_MAIL(app.deliveries)));
  drain();
  renderStore();
  return uid;
}

// ----- a device pane -----

class Pane {
  constructor(device) {
    this.device = device;
    this.session = null;
    this.history = [];
    this.historyAt = 0;
    this.pendingLiteral = 0; // bytes of a server literal still to come
    this.lineBuffer = new Uint8Array(0); // a server line not finished yet
    this.receivedBytes = 0;
    this.closed = false;
    this.element = document.getElementById("pane-template").content.firstElementChild.cloneNode(true);
    this.element.dataset.device = device.name;
    this.element.querySelector(".device").textContent = device.name;
    this.console = this.element.querySelector(".console");
    this.input = this.element.querySelector(".command");
    this.input.placeholder = `${device.tag}1 LOGIN alice password`;
    this.element.querySelector(".prompt").addEventListener("submit", (e) => {
      e.preventDefault();
      const line = this.input.value;
      if (line.trim() === "") return;
      this.input.value = "";
      this.send(line);
    });
    this.input.addEventListener("keydown", (e) => this.walkHistory(e));
    this.element.querySelector(".reconnect").addEventListener("click", () => this.reconnect());
    this.setUpAppend();
  }

  connect() {
    this.session = this.device.tls ? app.demo.accept_tls(now()) : app.demo.accept(now());
    this.closed = false;
    this.pendingLiteral = 0;
    this.continuesLine = false;
    this.lineBuffer = new Uint8Array(0);
    this.element.classList.remove("closed");
    const how = this.device.tls
      ? "port 993: TLS from the first byte (implicit TLS)"
      : "port 143: plain text until STARTTLS";
    this.note(`Connected to ${how} · session ${this.session}`);
    route(pollOutputs(), this); // the greeting answers this pane's connection: not a push
  }

  reconnect() {
    if (!this.closed) app.demo.close(this.session, now());
    drain();
    this.connect();
    renderStore();
  }

  /** Sends one line (CRLF added), as typed. Returns the round trip in ms. */
  send(line) {
    this.history.push(line);
    this.historyAt = this.history.length;
    this.showClient(line);
    if (this.closed) {
      this.note("This connection is closed. Press Reconnect.");
      return 0;
    }
    this.receivedBytes = 0;
    const elapsed = transmit(this, encoder.encode(line + "\r\n"));
    this.showTiming(elapsed);
    return elapsed;
  }

  /**
   * APPEND with a synchronizing literal, as a client does it: the command line ends in
   * `{size}`, the server answers `+` when it is ready, then the message bytes follow.
   */
  sendAppend({ tag, mailbox, flags, message }) {
    const bytes = encoder.encode(message.replace(/\r?\n/g, "\r\n"));
    const flagList = flags.trim() ? ` (${flags.trim()})` : "";
    const line = `${tag} APPEND ${mailbox}${flagList} {${bytes.length}}`;
    this.showClient(line);
    if (this.closed) return this.note("This connection is closed. Press Reconnect.");
    this.receivedBytes = 0;
    let elapsed = transmit(this, encoder.encode(line + "\r\n"));
    const last = this.console.lastElementChild;
    if (!last?.classList.contains("cont")) {
      this.note("No continuation request (+): the server refused the literal, so the message is not sent.");
      return;
    }
    this.showClientLiteral(bytes);
    elapsed += transmit(this, new Uint8Array([...bytes, 13, 10]));
    this.showTiming(elapsed);
  }

  walkHistory(event) {
    if (event.key !== "ArrowUp" && event.key !== "ArrowDown") return;
    event.preventDefault();
    const step = event.key === "ArrowUp" ? -1 : 1;
    this.historyAt = Math.min(Math.max(this.historyAt + step, 0), this.history.length);
    this.input.value = this.history[this.historyAt] ?? "";
  }

  setUpAppend() {
    const form = this.element.querySelector(".append");
    const size = form.querySelector(".append-size");
    form.message.value =
      "From: Alice Martin <alice@example.org>\nTo: Bob Okafor <bob@example.org>\nSubject: Draft written on the " +
      this.device.name + "\n\nRemember to bring the slides.\n";
    const updateSize = () => {
      const n = encoder.encode(form.message.value.replace(/\r?\n/g, "\r\n")).length;
      size.textContent = `literal of ${n} bytes (line ends sent as CRLF)`;
    };
    form.message.addEventListener("input", updateSize);
    updateSize();
    this.element.querySelector(".append-toggle").addEventListener("click", () => {
      form.hidden = !form.hidden;
      if (!form.tag.value) form.tag.value = `${this.device.tag}9`;
    });
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.sendAppend({
        tag: form.tag.value || "x1",
        mailbox: form.mailbox.value,
        flags: form.flags.value,
        message: form.message.value,
      });
    });
  }

  // ----- the transcript -----

  append(className, gutter, content) {
    const row = document.createElement("div");
    row.className = `line ${className}`;
    const g = document.createElement("span");
    g.className = "gutter";
    g.textContent = gutter;
    row.append(g);
    if (typeof content === "string") row.append(content);
    else row.append(...content);
    this.console.append(row);
    this.scrollSoon();
    return row;
  }

  /** Scrolls to the end once per frame, not once per line (each scroll forces a layout). */
  scrollSoon() {
    if (this.scrollPending) return;
    this.scrollPending = true;
    requestAnimationFrame(() => {
      this.scrollPending = false;
      this.console.scrollTop = this.console.scrollHeight;
    });
  }

  showClient(line) {
    this.started = true;
    this.append("client", "C:", line);
  }

  showClientLiteral(bytes) {
    this.append("client literal", "C:", [literalBox(bytes, "sent")]);
  }

  note(text) {
    this.append("note", "", text);
  }

  showTiming(ms) {
    const size = this.receivedBytes.toLocaleString("en");
    // Browsers round performance.now() to 0.1 ms (or coarser) outside isolated pages.
    const time = ms < 0.1 ? "< 0.1 ms" : `${ms.toFixed(1)} ms`;
    this.append("timing", "", `↓ ${size} bytes · ${time} round trip`);
  }

  /** Shows server bytes exactly, boxing `{N}` literals. */
  showServer(chunk) {
    this.receivedBytes += chunk.length;
    let bytes = concat(this.lineBuffer, chunk);
    this.lineBuffer = new Uint8Array(0);
    while (bytes.length > 0) {
      if (this.pendingLiteral > 0) {
        const take = Math.min(this.pendingLiteral, bytes.length);
        this.append("server literal", "", [literalBox(bytes.subarray(0, take), "received")]);
        this.pendingLiteral -= take;
        bytes = bytes.subarray(take);
        this.continuesLine = true;
        continue;
      }
      const end = indexOfCrlf(bytes);
      if (end < 0) {
        this.lineBuffer = bytes.slice();
        break;
      }
      const line = decoder.decode(bytes.subarray(0, end));
      bytes = bytes.subarray(end + 2);
      this.append(`server ${this.continuesLine ? "more" : classify(line)}`, this.continuesLine ? "" : "S:", line);
      const literal = /\{(\d+)\}$/.exec(line);
      this.pendingLiteral = literal ? Number(literal[1]) : 0;
      this.continuesLine = this.pendingLiteral > 0;
    }
  }

  showStartTls() {
    const row = this.note(
      "STARTTLS accepted. On a real network the client would now start a TLS handshake on " +
        "this same TCP connection (port 143), check the server's certificate, and send every " +
        "further byte encrypted. A browser page has no raw sockets, so no handshake happens " +
        "here: the session simply goes on, and the server now treats it as encrypted.",
    );
    this.console.lastElementChild.classList.add("tls");
    return row;
  }

  showClosed() {
    this.closed = true;
    this.element.classList.add("closed");
    this.note("The server closed the connection.");
    renderStore();
  }
}

function classify(line) {
  if (line.startsWith("* ")) return "untagged";
  if (line.startsWith("+")) return "cont";
  const status = line.split(" ")[1];
  if (status === "OK") return "tagged ok";
  if (status === "NO") return "tagged no";
  if (status === "BAD") return "tagged bad";
  return "untagged";
}

function literalBox(bytes, direction) {
  const box = document.createElement("div");
  box.className = "literal-box";
  const label = document.createElement("div");
  label.className = "literal-label";
  label.textContent = `literal: ${bytes.length.toLocaleString("en")} bytes ${direction}`;
  const body = document.createElement("pre");
  const text = decoder.decode(bytes);
  const lines = text.split("\r\n");
  if (lines.length > 14) {
    body.textContent = lines.slice(0, 12).join("\n") + "\n";
    const more = document.createElement("button");
    more.type = "button";
    more.className = "more";
    more.textContent = `… ${lines.length - 12} more lines, show all`;
    more.addEventListener("click", () => {
      body.textContent = text.replaceAll("\r\n", "\n");
      more.remove();
    });
    box.append(label, body, more);
  } else {
    body.textContent = text.replaceAll("\r\n", "\n");
    box.append(label, body);
  }
  return box;
}

function indexOfCrlf(bytes) {
  for (let i = 0; i + 1 < bytes.length; i++) {
    if (bytes[i] === 13 && bytes[i + 1] === 10) return i;
  }
  return -1;
}

function concat(a, b) {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

// ----- the live store view -----

let shownUser = "alice";

function renderStore() {
  const snapshot = JSON.parse(app.demo.store_json());
  app.snapshot = snapshot;
  const tabs = document.getElementById("store-users");
  tabs.replaceChildren(
    ...snapshot.users.map((user) => {
      const tab = document.createElement("button");
      tab.type = "button";
      tab.textContent = user.name;
      tab.className = user.name === shownUser ? "active" : "";
      tab.addEventListener("click", () => {
        shownUser = user.name;
        renderStore();
      });
      return tab;
    }),
  );

  // Which device has which mailbox selected.
  const selectedBy = new Map();
  for (const session of snapshot.sessions) {
    const pane = app.panes.find((p) => p.session === session.id && !p.closed);
    if (pane && session.mailbox !== null) {
      selectedBy.set(session.mailbox, [...(selectedBy.get(session.mailbox) ?? []), pane.device.name]);
    }
  }
  for (const pane of app.panes) {
    const session = snapshot.sessions.find((s) => s.id === pane.session);
    const parts = [pane.device.tls ? "993" : "143"];
    if (pane.closed || !session) parts.push("disconnected");
    else {
      parts.push(session.user ? `as ${session.user}` : "not logged in");
      const mailbox = snapshot.users.flatMap((u) => u.mailboxes).find((m) => m.id === session.mailbox);
      if (mailbox) parts.push(`${mailbox.name} selected`);
    }
    pane.element.querySelector(".conn").textContent = parts.join(" · ");
  }

  const user = snapshot.users.find((u) => u.name === shownUser) ?? snapshot.users[0];
  const mailboxes = [...user.mailboxes].sort((a, b) =>
    a.name === "INBOX" ? -1 : b.name === "INBOX" ? 1 : a.name.localeCompare(b.name),
  );
  const flagsNow = new Map();
  const container = document.getElementById("store");
  container.replaceChildren(
    ...mailboxes.map((mailbox) => {
      const section = document.createElement("section");
      section.className = "mailbox";
      section.dataset.mailbox = mailbox.name;
      const depth = mailbox.name.split("/").length - 1;
      section.style.marginLeft = `${depth * 1.2}em`;
      const title = document.createElement("h4");
      const name = document.createElement("span");
      name.className = "mailbox-name";
      name.textContent = mailbox.name.split("/").pop();
      title.append(name);
      if (mailbox.specialUse) title.append(badge(mailbox.specialUse, "special"));
      if (mailbox.noselect) title.append(badge("\\Noselect", "special"));
      for (const device of selectedBy.get(mailbox.id) ?? []) title.append(badge(`${device} selected`, "device"));
      const meta = document.createElement("span");
      meta.className = "meta";
      meta.textContent = `${mailbox.messages.length} msg · UIDVALIDITY ${mailbox.uidValidity} · UIDNEXT ${mailbox.uidNext} · MODSEQ ${mailbox.highestModseq}`;
      title.append(meta);
      section.append(title);
      if (mailbox.messages.length > 0) {
        const table = document.createElement("table");
        for (const message of mailbox.messages) {
          const key = `${mailbox.id}:${message.uid}`;
          const flags = message.flags.join(" ");
          flagsNow.set(key, flags);
          const row = table.insertRow();
          row.dataset.uid = message.uid;
          const before = app.previousFlags.get(key);
          if (app.previousFlags.size > 0 && before !== flags) row.className = "changed";
          if (!message.flags.includes("\\Seen")) row.classList.add("unseen");
          row.insertCell().textContent = message.uid;
          const flagCell = row.insertCell();
          flagCell.className = "flags";
          for (const flag of message.flags) flagCell.append(badge(flag, `flag ${flag.replace("\\", "").toLowerCase()}`));
          const from = row.insertCell();
          from.textContent = displayName(message.from ?? "");
          from.title = message.from ?? "";
          row.insertCell().textContent = message.subject ?? "(no subject)";
          const size = row.insertCell();
          size.className = "size";
          size.textContent = formatSize(message.size);
        }
        section.append(table);
      }
      return section;
    }),
  );
  // Remember flags of every user, so a change shows even after switching tabs.
  for (const u of snapshot.users) {
    for (const m of u.mailboxes) for (const msg of m.messages) flagsNow.set(`${m.id}:${msg.uid}`, msg.flags.join(" "));
  }
  app.previousFlags = flagsNow;
}

/** "Bob Builder <bob@example.com>" → "Bob Builder" (the address alone if there is no name). */
function displayName(from) {
  const name = from.replace(/<[^>]*>/, "").replaceAll('"', "").trim();
  return name || from.replace(/[<>]/g, "");
}

function badge(text, className) {
  const span = document.createElement("span");
  span.className = `badge ${className}`;
  span.textContent = text;
  return span;
}

function formatSize(bytes) {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KB`;
}

function logEvent(event) {
  const pane = app.panes.find((p) => p.session === event.session);
  const who = pane ? pane.device.name : event.session ? `session ${event.session}` : "";
  let text;
  switch (event.type) {
    case "CommandReceived":
      text = `${who}: ${event.line}`;
      break;
    case "LoggedIn":
      text = `${who} logged in as ${event.user}`;
      break;
    case "SessionClosed":
      text = `${who} disconnected`;
      break;
    case "MailboxChanged": {
      const c = event.change;
      const detail = c.uids ? ` UID ${c.uids.join(",")}` : c.to ? ` ${c.from} → ${c.to}` : c.name ? ` ${c.name}` : "";
      text = `store: ${c.kind}${detail} (${event.user}); sessions with it selected are told`;
      break;
    }
    default:
      text = event.type;
  }
  app.events.push({ type: event.type, text });
  if (app.events.length > 200) app.events.shift();
  renderEvents();
}

function renderEvents() {
  const list = document.getElementById("events");
  list.replaceChildren(
    ...app.events.slice(-8).map((e) => {
      const li = document.createElement("li");
      li.className = e.type;
      li.textContent = e.text;
      return li;
    }),
  );
}

// ----- scenarios -----

const player = { scenario: null, next: 0 };

function renderScenarioList() {
  const nav = document.getElementById("scenario-list");
  nav.replaceChildren(
    ...SCENARIOS.map((scenario, index) => {
      const button = document.createElement("button");
      button.type = "button";
      button.dataset.scenario = scenario.id;
      button.textContent = `${index + 1}. ${scenario.title}`;
      button.className = player.scenario === scenario ? "active" : "";
      button.addEventListener("click", () => startScenario(scenario));
      return button;
    }),
  );
}

function startScenario(scenario) {
  resetServer();
  player.scenario = scenario;
  player.next = 0;
  for (const device of scenario.devices ?? []) addPane(DEVICES.find((d) => d.name === device));
  renderScenarioList();
  renderScenario();
}

function renderScenario() {
  const { scenario, next } = player;
  const box = document.getElementById("scenario");
  const intro = document.createElement("div");
  intro.className = "intro";
  intro.innerHTML = scenario.intro;
  const steps = document.createElement("ol");
  steps.className = "steps";
  scenario.steps.forEach((step, i) => {
    const li = document.createElement("li");
    li.className = i < next ? "done" : i === next ? "current" : "";
    const what = document.createElement("div");
    what.className = "what";
    what.append(badge(step.device ?? "server", "device"), " ");
    const code = document.createElement("code");
    code.textContent = stepLabel(step);
    what.append(code);
    const why = document.createElement("div");
    why.className = "why";
    why.innerHTML = step.note;
    li.append(what);
    if (i <= next) li.append(why);
    steps.append(li);
  });
  const controls = document.createElement("div");
  controls.className = "controls";
  const nextButton = document.createElement("button");
  nextButton.type = "button";
  nextButton.id = "next-step";
  nextButton.textContent = next < scenario.steps.length ? `Run step ${next + 1}` : "Done";
  nextButton.disabled = next >= scenario.steps.length;
  nextButton.addEventListener("click", runNextStep);
  const allButton = document.createElement("button");
  allButton.type = "button";
  allButton.id = "run-all";
  allButton.textContent = "Run the rest";
  allButton.disabled = next >= scenario.steps.length;
  allButton.addEventListener("click", () => {
    while (player.next < player.scenario.steps.length) runNextStep();
  });
  controls.append(nextButton, allButton);
  box.replaceChildren(intro, steps, controls);
  box.querySelector("li.current")?.scrollIntoView({ block: "nearest" });
}

function stepLabel(step) {
  if (step.send !== undefined) return step.send;
  if (step.append) return `${step.append.tag} APPEND ${step.append.mailbox} (${step.append.flags}) {…}`;
  if (step.deliver) return "new mail arrives (delivered by SMTP)";
  if (step.connect) return `connect to port ${DEVICES.find((d) => d.name === step.device).tls ? 993 : 143}`;
  return "";
}

function runNextStep() {
  const step = player.scenario.steps[player.next];
  const pane = app.panes.find((p) => p.device.name === step.device);
  if (step.send !== undefined) pane.send(step.send);
  else if (step.append) pane.sendAppend(step.append);
  else if (step.deliver) deliverNewMail();
  else if (step.connect) (pane ?? addPane(DEVICES.find((d) => d.name === step.device))).element.scrollIntoView({ block: "nearest" });
  player.next += 1;
  renderScenario();
}

// ----- start -----

async function main() {
  const [, fixtures] = await Promise.all([init(), fetchFixtures()]);
  app.fixtures = fixtures;
  resetServer();
  renderScenarioList();
  document.getElementById("reset").addEventListener("click", () => {
    player.scenario = null;
    resetServer();
    renderScenarioList();
  });
  document.getElementById("add-device").addEventListener("click", () => {
    const used = new Set(app.panes.map((p) => p.device.name));
    const device = DEVICES.find((d) => !used.has(d.name));
    if (device) addPane(device);
    document.getElementById("add-device").disabled = app.panes.length >= DEVICES.length;
  });
  document.getElementById("deliver").addEventListener("click", deliverNewMail);
  document.getElementById("skip-time").addEventListener("click", () => skipTime(31));
  const ready = performance.now();
  const count = app.snapshot.users.flatMap((u) => u.mailboxes).reduce((n, m) => n + m.messages.length, 0);
  const users = app.snapshot.users.map((u) => u.name).join(" and ");
  document.getElementById("status").textContent =
    `server ready in ${ready.toFixed(0)} ms · demo mail set: ${count} messages of ${users}`;
  document.body.dataset.ready = "true";
  // For the browser test and the curious: the page's state, read-only by convention.
  window.ephemail = { app, ready, startScenario: (id) => startScenario(SCENARIOS.find((s) => s.id === id)), runNextStep };
}

async function fetchFixtures() {
  const response = await fetch("demo.json");
  if (!response.ok) throw new Error(`demo.json: HTTP ${response.status}`);
  return response.json();
}

main().catch((error) => {
  document.getElementById("status").textContent = `failed to start: ${error}`;
  throw error;
});
