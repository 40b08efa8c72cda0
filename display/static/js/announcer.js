// Lobby announcements: each call's audio is played in the order the calls arrive, never two at once.
//
// The lobby page dispatches a DOM CustomEvent "antre:called" whose detail is the `called` message
// ({seq, ticket, counter, recall, audio_url, caption, play_audio}). This module:
// - queues every call and plays one <audio> at a time (a recall is a new call, so it plays again);
// - plays nothing made before the page (re)loaded: calls whose event (event_id, else seq) is at or
//   below the hall's seq at load time (GET /api/v1/state) are dropped, and an event already queued
//   is never queued twice;
// - shows the spoken sentence as a caption while it plays (for deaf visitors);
// - when the browser blocks autoplay, shows a one-tap "Aktifkan suara" overlay, then goes on;
// - stays silent when the server plays the calls on its own speakers (play_audio: false).
// The <audio> elements live in the page (hidden) so that tools and tests can hear their
// play/ended events; each carries data-seq.

import { langs, t } from "/static/js/i18n.js";

const STALE_MS = 120000; // a call still waiting after two minutes (nobody tapped "Aktifkan suara") is dropped
const WATCHDOG_MS = 30000; // longer than any announcement; a stalled file must not hold up the queue
const CAPTION_ONLY_MS = 4000; // how long a caption stays when its audio cannot be played

const queue = [];
let current = null;
let baseline = null; // the hall's seq when the page loaded: older calls are not played
const seen = new Set(); // events queued already (a resent message must not play twice)
let started = null;
let blocked = false;
let box = null;

function element(tag, attributes, text) {
  const node = document.createElement(tag);
  Object.entries(attributes || {}).forEach(([name, value]) => node.setAttribute(name, value));
  if (text) node.textContent = text;
  return node;
}

const STYLE = `
.antre-audio { display: none; }
.antre-caption { position: fixed; left: 2vw; right: 2vw; bottom: 2vh; z-index: 900; padding: 1.2vh 2vw;
  background: #000; color: #fff; border: 0.4vh solid #ffd400; border-radius: 1vh; font-size: clamp(24px, 4vh, 64px);
  font-weight: 700; line-height: 1.25; text-align: center; }
.antre-caption[hidden], .antre-unmute[hidden] { display: none; }
.antre-unmute { position: fixed; inset: 0; z-index: 1000; display: flex; align-items: center; justify-content: center;
  background: rgba(0, 0, 0, 0.85); }
.antre-unmute button { font: inherit; font-size: clamp(28px, 6vh, 80px); font-weight: 800; padding: 3vh 5vw; color: #000;
  background: #ffd400; border: 0; border-radius: 2vh; cursor: pointer; }
.antre-unmute button small { display: block; font-size: 50%; font-weight: 600; }
`;

function setUp() {
  if (box) return;
  document.head.append(element("style", {}, STYLE));
  box = {
    audio: element("div", { class: "antre-audio", "aria-hidden": "true" }),
    caption: element("div", { class: "antre-caption", role: "status", "aria-live": "polite", hidden: "" }),
    overlay: element("div", { class: "antre-unmute", hidden: "" }),
  };
  const button = element("button", { type: "button" }, t(langs[0], "display.enable_sound"));
  button.append(element("small", { lang: langs[1] }, t(langs[1], "display.enable_sound")));
  button.addEventListener("click", unblock);
  box.overlay.append(button);
  document.body.append(box.audio, box.caption, box.overlay);
}

function showCaption(text) {
  box.caption.textContent = text || "";
  box.caption.hidden = !text;
}

// --- the queue ----------------------------------------------------------------------------------
function accept(call) {
  if (!call || !call.audio_url || call.play_audio === false) return false;
  const id = call.event_id ?? call.seq;
  if (typeof id !== "number") return true;
  if ((baseline !== null && id <= baseline) || seen.has(id)) return false;
  seen.add(id);
  if (seen.size > 500) seen.delete(seen.values().next().value);
  return true;
}

function enqueue(call) {
  if (!accept(call)) return;
  const audio = element("audio", { preload: "auto", "data-seq": String(call.seq ?? ""), "data-event": String(call.event_id ?? "") });
  audio.src = call.audio_url; // fetched now, played in turn
  box.audio.append(audio);
  queue.push({ call, audio, queuedAt: Date.now() });
  next();
}

function next() {
  if (current || blocked) return;
  while (queue.length && Date.now() - queue[0].queuedAt > STALE_MS) queue.shift().audio.remove();
  current = queue.shift() || null;
  if (current) play(current);
  else showCaption("");
}

function finish(item) {
  if (current !== item) return;
  clearTimeout(item.watchdog);
  item.audio.remove();
  current = null;
  next();
}

function play(item) {
  const { audio, call } = item;
  showCaption(call.caption);
  audio.addEventListener("ended", () => finish(item), { once: true });
  audio.addEventListener("error", () => setTimeout(() => finish(item), CAPTION_ONLY_MS), { once: true });
  item.watchdog = setTimeout(() => finish(item), WATCHDOG_MS);
  audio.play().catch((error) => {
    clearTimeout(item.watchdog);
    if (error && error.name === "NotAllowedError") {
      block(item);
    } else if (current === item && !audio.error) {
      setTimeout(() => finish(item), CAPTION_ONLY_MS);
    }
  });
}

// --- autoplay -----------------------------------------------------------------------------------
function block(item) {
  if (current === item) {
    queue.unshift(item); // played again after the tap
    current = null;
  }
  blocked = true;
  box.overlay.hidden = false;
}

function unblock() {
  blocked = false;
  box.overlay.hidden = true;
  next();
}

// Half a second of silence, played at load: a browser that blocks autoplay shows the overlay before
// the first call instead of swallowing it.
function silentWav() {
  const rate = 8000;
  const samples = rate / 2;
  const view = new DataView(new ArrayBuffer(44 + samples * 2));
  const text = (at, value) => [...value].forEach((c, i) => view.setUint8(at + i, c.charCodeAt(0)));
  text(0, "RIFF");
  view.setUint32(4, 36 + samples * 2, true);
  text(8, "WAVEfmt ");
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, 1, true);
  view.setUint32(24, rate, true);
  view.setUint32(28, rate * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  text(36, "data");
  view.setUint32(40, samples * 2, true);
  return URL.createObjectURL(new Blob([view], { type: "audio/wav" }));
}

function probeAutoplay() {
  const probe = new Audio(silentWav());
  probe.play().catch((error) => {
    if (error && error.name === "NotAllowedError" && !current) {
      blocked = true;
      box.overlay.hidden = false;
    }
  });
}

// --- start --------------------------------------------------------------------------------------
async function loadBaseline() {
  try {
    const response = await fetch("/api/v1/state", { cache: "no-store" });
    const state = await response.json();
    if (typeof state.seq === "number") baseline = state.seq;
  } catch {
    // Without the baseline only duplicates are filtered; the live channel sends no old calls anyway.
  }
}

/** Start listening for calls (runs on import; safe to call again). Resolves once old calls are known. */
export function start() {
  if (started) return started;
  setUp();
  let early = []; // calls that arrive before the baseline is known
  document.addEventListener("antre:called", (event) => (early ? early.push(event.detail) : enqueue(event.detail)));
  started = loadBaseline().then(() => {
    const calls = early;
    early = null;
    calls.forEach(enqueue);
  });
  probeAutoplay();
  return started;
}

/** What is playing and waiting, for a status line or a test. */
export function status() {
  return { playing: current ? current.call.seq : null, waiting: queue.map((item) => item.call.seq), blocked, baseline };
}

window.antreAnnouncer = { start, status, ready: start() };
