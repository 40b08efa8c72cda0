// The live channel's client side, shared by the display pages (protocol: queue_server/live.py).
//
// Keeps the rules every screen needs: ignore what came before the first snapshot and what a
// snapshot already shows, ask for a fresh snapshot (`sync`) after a missed message, and let the
// Socket.IO client reconnect with backoff; every (re)connect brings a new snapshot, so nothing ever
// needs a page reload. Listeners get DOM events: "status" {connected}, "state", "called",
// "counter", "queue", "ticket", "setup" (detail = the message). `setup` stands outside the seq chain:
// the page reads its facts again (readFacts) and then asks for a snapshot (sync).

import { langs, t } from '/static/js/i18n.js';

const MESSAGES = ['called', 'counter', 'queue'];

export class Live extends EventTarget {
  constructor(query = {}) {
    super();
    this.base = null;     // seq of the last snapshot; null until the first one
    this.last = null;     // seq of the last applied message
    this.syncing = false;
    this.connected = false;
    this.socket = window.io({
      query,
      transports: ['websocket'],
      reconnectionDelay: 500,
      reconnectionDelayMax: 8000,
      randomizationFactor: 0.5,
    });
    this.socket.on('connect', () => this.setConnected(true));
    this.socket.on('disconnect', () => this.setConnected(false));
    this.socket.on('connect_error', () => this.setConnected(false));
    this.socket.on('state', (msg) => this.handle('state', msg));
    this.socket.on('ticket', (msg) => this.handle('ticket', msg));
    this.socket.on('setup', (msg) => this.emit('setup', msg));
    for (const name of MESSAGES) this.socket.on(name, (msg) => this.handle(name, msg));
  }

  setConnected(connected) {
    if (connected === this.connected) return;
    this.connected = connected;
    this.emit('status', { connected });
  }

  handle(name, msg) {
    if (name === 'state') {
      this.base = this.last = msg.seq;
      this.syncing = false;
      this.emit('state', msg);
    } else if (name === 'ticket') {
      if (this.last !== null && msg.seq < this.last) return;
      this.base = this.last = msg.seq;
      this.emit('ticket', msg);
    } else if (this.base === null || msg.seq <= this.base || this.syncing) {
      // before the first snapshot, already in the snapshot, or a snapshot is on its way
    } else if (msg.prev > this.last) {
      this.sync();
    } else {
      this.last = msg.seq;
      this.emit(name, msg);
    }
  }

  sync() {
    this.syncing = true;
    this.socket.emit('sync');
  }

  emit(name, detail) {
    this.dispatchEvent(new CustomEvent(name, { detail }));
  }
}

/** The page's facts after a setup change (`url`: its facts.json): the facts, or null when the setup no
 *  longer has this screen or counter (404), or undefined when they could not be read (try later). */
export async function readFacts(url) {
  try {
    const response = await fetch(url, { cache: 'no-store' });
    if (response.status === 404) return null;
    return response.ok ? await response.json() : undefined;
  } catch {
    return undefined;
  }
}

// The hall's clock, whatever the TV's own timezone is set to.
export function clockParts(timezone, lang = 'id-ID', now = new Date()) {
  const time = new Intl.DateTimeFormat(lang, { timeZone: timezone, hour: '2-digit', minute: '2-digit', hour12: false }).format(now);
  const date = new Intl.DateTimeFormat(lang, { timeZone: timezone, weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }).format(now);
  return { time: time.replace('.', ':'), date };
}

/** What a counter shows instead of a number: the pause reason in words ("Rapat" / "Meeting"; a reason
 *  that is none of the console's codes `reasons` reads as the word for "lainnya", as on the console,
 *  never as raw text) or "Tutup" when no officer is signed in at it; null while it is open.
 *  One entry per page language, the hall's first. */
export function restingWords(counter, reasons) {
  let key = null;
  if (counter.status === 'paused') key = `pause.${reasons.includes(counter.pause_reason) ? counter.pause_reason : 'lainnya'}`;
  else if (counter.status === 'closed') key = 'display.closed';
  return key && langs.map((lang) => t(lang, key));
}
