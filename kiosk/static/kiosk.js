// The touchscreen kiosk: choose an agency, then a service (optionally a priority group), get one
// ticket per tap, see it large with its QR code, and go back to the start by itself.
// One tap = one ticket: every tile is locked while a request is in flight, and the request carries
// a request_id that the server answers with the same ticket when the kiosk retries it.

const settings = JSON.parse(document.getElementById('kiosk-settings').textContent);
const $ = (id) => document.getElementById(id);

const TEXTS = {
  id: {
    title: 'Ambil Nomor Antrian', lead_agency: 'Sentuh instansi yang Anda tuju', lead_service: 'Sentuh layanan yang Anda perlukan',
    priority_title: 'Layanan prioritas', priority_hint: '(pilih jika berlaku)', back: '‹ Kembali', issuing: 'Mengambil nomor…',
    your_number: 'Nomor antrian Anda', counters: 'Loket', ahead: 'Di depan Anda', eta: 'Perkiraan tunggu', scan: 'Pindai untuk memantau antrian dari ponsel',
    done: 'Selesai', try_again: 'Kembali', switch: 'English', people: (n) => `${n} orang`, minutes: (m) => `± ${m} menit`, soon: 'Segera',
    waiting: (n) => `${n} menunggu`, services: (n) => `${n} layanan`, eta_unknown: 'Loket belum buka', countdown: (s) => `(${s})`,
    closed: 'Tutup', no_counter: 'Belum ada loket buka', closed_banner: (h) => `Pengambilan nomor dibuka pukul ${h[0]}–${h[1]}.`,
    closed_now: 'Di luar jam layanan',
    printing: 'Tiket sedang dicetak…', printed: 'Silakan ambil tiket Anda di bawah layar.', no_printer: 'Simpan nomor ini atau pindai QR.',
    printer_failed: 'Printer bermasalah — simpan nomor ini atau pindai QR', network: 'Koneksi bermasalah. Nomor belum diambil — silakan coba lagi.',
    refused: 'Nomor tidak dapat diambil: ', priorities: {},
  },
  en: {
    title: 'Take a Queue Number', lead_agency: 'Touch the agency you are visiting', lead_service: 'Touch the service you need',
    priority_title: 'Priority service', priority_hint: '(choose if it applies)', back: '‹ Back', issuing: 'Taking your number…',
    your_number: 'Your queue number', counters: 'Counter', ahead: 'Ahead of you', eta: 'Estimated wait', scan: 'Scan to follow the queue on your phone',
    done: 'Done', try_again: 'Back', switch: 'Bahasa Indonesia', people: (n) => `${n} ${n === 1 ? 'person' : 'people'}`, minutes: (m) => `about ${m} min`,
    soon: 'Soon', waiting: (n) => `${n} waiting`, services: (n) => `${n} ${n === 1 ? 'service' : 'services'}`, eta_unknown: 'No counter open yet',
    countdown: (s) => `(${s})`, closed: 'Closed', no_counter: 'No counter open', closed_banner: (h) => `Numbers are issued from ${h[0]} to ${h[1]}.`,
    closed_now: 'Outside service hours',
    printing: 'Printing your ticket…', printed: 'Please take your ticket below the screen.', no_printer: 'Keep this number or scan the QR code.',
    printer_failed: 'Printer problem — keep this number or scan the QR code', network: 'Connection problem. No number was taken — please try again.',
    refused: 'No number could be taken: ', priorities: {},
  },
};
for (const p of settings.priorities) { TEXTS.id.priorities[p.code] = p.id; TEXTS.en.priorities[p.code] = p.en; }

const AGENCY_TILES_ABOVE = 12; // more services than this: agencies first
const POLL_MS = 5000;
const PRINT_WATCH_MS = 8000;
const TRY_MS = 5000;
const TRIES = 3;

const state = {
  lang: settings.language === 'en' ? 'en' : 'id',
  agency: null, priority: null, live: {}, open: true,
  busy: false, pending: null, // {service, priority, requestId}: reused when the same tap is retried
  ticket: null, returnTimer: null, idleTimer: null, printWatch: null,
};
const byAgency = new Map();
for (const service of settings.services) {
  if (!byAgency.has(service.agency)) byAgency.set(service.agency, []);
  byAgency.get(service.agency).push(service);
}
const agencyFirst = settings.services.length > AGENCY_TILES_ABOVE && byAgency.size > 1;

function t(key, ...args) {
  const value = TEXTS[state.lang][key];
  return typeof value === 'function' ? value(...args) : value;
}

// --- screens --------------------------------------------------------------------------------
function show(name) {
  for (const screen of document.querySelectorAll('.screen')) screen.hidden = screen.id !== `screen-${name}`;
  document.body.dataset.screen = name;
}

function translate() {
  document.documentElement.lang = state.lang;
  for (const el of document.querySelectorAll('[data-t]')) el.textContent = t(el.dataset.t);
  for (const el of document.querySelectorAll('[data-priority-label]')) el.textContent = t('priorities')[el.dataset.priorityLabel];
  $('lang-switch').textContent = t('switch');
  $('lang-switch').lang = state.lang === 'id' ? 'en' : 'id';
  renderTiles();
  if (state.ticket) renderTicket();
}

// --- the start screen -------------------------------------------------------------------------
function serviceState(service) {
  const live = state.live[service.code];
  if (!live) return { waiting: null, eta: null, unavailable: state.open ? null : 'closed' };
  return { waiting: live.waiting, eta: live.eta_minutes, unavailable: live.unavailable };
}

function etaText(eta, waiting) {
  if (eta === null || eta === undefined) return t('eta_unknown');
  return waiting === 0 || eta <= 0 ? t('soon') : t('minutes', eta);
}

function renderTiles() {
  const tiles = $('tiles');
  const showAgencies = agencyFirst && state.agency === null;
  $('crumbs').hidden = !agencyFirst || state.agency === null;
  $('agency-title').textContent = state.agency || '';
  $('start-lead').textContent = t(showAgencies ? 'lead_agency' : 'lead_service');
  tiles.className = showAgencies ? 'tiles agencies' : 'tiles services';
  tiles.replaceChildren(...(showAgencies ? [...byAgency.keys()].map(agencyTile) : servicesShown().map(serviceTile)));
  const banner = $('closed-banner');
  banner.hidden = state.open;
  banner.textContent = settings.opening_hours ? `${t('closed_now')}. ${t('closed_banner', settings.opening_hours)}` : t('closed_now');
}

function servicesShown() {
  return agencyFirst ? byAgency.get(state.agency) || [] : settings.services;
}

function agencyTile(agency) {
  const services = byAgency.get(agency);
  const waiting = services.reduce((sum, s) => sum + (serviceState(s).waiting || 0), 0);
  const available = services.some((s) => !serviceState(s).unavailable);
  const button = tile(available, `agency-${slug(agency)}`);
  button.append(el('span', 'tile-title', agency), el('span', 'tile-sub', `${t('services', services.length)} · ${t('waiting', waiting)}`));
  if (!available) button.append(el('span', 'tile-reason', t(services.map((s) => serviceState(s).unavailable).find(Boolean) || 'closed')));
  button.addEventListener('click', () => { state.agency = agency; renderTiles(); });
  return button;
}

function serviceTile(service) {
  const live = serviceState(service);
  const button = tile(!live.unavailable, `service-${service.code}`);
  button.dataset.service = service.code;
  const head = el('span', 'tile-head');
  head.append(el('span', 'code', service.code), el('span', 'tile-title', service.name));
  button.append(head);
  if (!agencyFirst) button.append(el('span', 'tile-agency', service.agency));
  if (live.unavailable) {
    button.append(el('span', 'tile-reason', t(live.unavailable)));
  } else if (live.waiting !== null) {
    const facts = el('span', 'tile-facts');
    facts.append(el('span', 'waiting', t('waiting', live.waiting)), el('span', 'eta', etaText(live.eta, live.waiting)));
    button.append(facts);
  }
  button.addEventListener('click', () => take(service, button));
  return button;
}

function tile(enabled, testid) {
  const button = el('button', 'tile');
  button.type = 'button';
  button.setAttribute('role', 'listitem');
  button.dataset.testid = testid;
  button.disabled = !enabled || state.busy;
  if (!enabled) button.setAttribute('aria-disabled', 'true');
  return button;
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function slug(text) { return text.toLowerCase().replace(/[^a-z0-9]+/g, '-'); }

async function poll() {
  try {
    const response = await fetch('/kiosk/services.json', { cache: 'no-store' });
    if (response.ok) {
      const body = await response.json();
      state.open = body.open;
      state.live = Object.fromEntries(body.services.map((s) => [s.code, s]));
      if (document.body.dataset.screen === 'start') renderTiles();
    }
  } catch { /* keep the last counts; the next poll tries again */ }
  setTimeout(poll, POLL_MS);
}

// --- taking a ticket --------------------------------------------------------------------------
function newRequestId() {
  const bytes = crypto.getRandomValues(new Uint8Array(12)); // randomUUID needs https; halls serve http
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

async function take(service, button) {
  if (state.busy || button.disabled) return;
  state.busy = true; // set before anything awaits: a second tap in the same instant finds it
  for (const other of document.querySelectorAll('.tile')) other.disabled = true;
  const same = state.pending && state.pending.service === service.code && state.pending.priority === state.priority;
  if (!same) state.pending = { service: service.code, priority: state.priority, requestId: newRequestId() };
  show('busy');
  try {
    const ticket = await post(state.pending);
    state.pending = null;
    state.ticket = { ...ticket, serviceInfo: service };
    showTicket();
  } catch (error) {
    if (error.refused) state.pending = null; // refused for good: the next tap is a new request
    $('error-text').textContent = error.refused ? t('refused') + error.message : t('network');
    show('error');
    armReturn(settings.return_seconds, () => reset());
  } finally {
    state.busy = false;
  }
}

async function post(pending) {
  const body = JSON.stringify({
    service: pending.service, priority: pending.priority, kiosk: settings.kiosk?.id ?? null, lang: state.lang, request_id: pending.requestId,
  });
  for (let attempt = 1; ; attempt += 1) {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), TRY_MS);
    try {
      const response = await fetch('/api/v1/tickets', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body, signal: abort.signal });
      const data = await response.json();
      if (response.ok) return data;
      if (response.status < 500) throw Object.assign(new Error(data.error?.message || response.statusText), { refused: true });
    } catch (error) {
      if (error.refused || attempt >= TRIES) throw error;
    } finally {
      clearTimeout(timer);
    }
    if (attempt >= TRIES) throw new Error('server error');
  }
}

// --- the confirmation screen ----------------------------------------------------------------
function showTicket() {
  renderTicket();
  show('ticket');
  watchPrinting();
  armReturn(settings.return_seconds, () => reset());
}

function renderTicket() {
  const ticket = state.ticket;
  $('ticket-number').textContent = ticket.number;
  $('ticket-service').textContent = ticket.service_name;
  $('ticket-agency').textContent = ticket.agency;
  $('ticket-counters').textContent = ticket.serviceInfo.counters.join(', ');
  $('ticket-ahead').textContent = ticket.waiting_ahead === null ? '—' : t('people', ticket.waiting_ahead);
  $('ticket-eta').textContent = etaText(ticket.eta_minutes, ticket.waiting_ahead);
  const priority = ticket.priority ? t('priorities')[ticket.priority] || t('priority_title') : '';
  $('ticket-priority').hidden = !priority;
  $('ticket-priority').textContent = priority ? `${t('priority_title')}: ${priority}` : '';
  $('ticket-qr').src = `/kiosk/qr/${encodeURIComponent(ticket.id)}.svg`;
  $('ticket-qr').alt = ticket.track_url;
  renderPrint();
}

function renderPrint() {
  const print = state.ticket.print;
  const line = $('print-status');
  let kind = 'info';
  let text;
  if (!print) text = t('no_printer');
  else if (print.status === 'sent' || print.status === 'acknowledged') text = t('printed');
  else if (print.status === 'failed' || ['offline', 'paper_out'].includes(print.printer) || state.ticket.printLate) {
    text = t('printer_failed');
    kind = 'problem';
  } else text = t('printing');
  line.textContent = text;
  line.dataset.kind = kind;
}

function watchPrinting() {
  clearTimeout(state.printWatch);
  const ticket = state.ticket;
  if (!ticket.print) return;
  const started = Date.now();
  const check = async () => {
    if (state.ticket !== ticket || ['sent', 'acknowledged', 'failed'].includes(ticket.print.status)) return;
    try {
      const response = await fetch(`/api/v1/tickets/${encodeURIComponent(ticket.id)}`, { cache: 'no-store' });
      if (response.ok) ticket.print = (await response.json()).print || ticket.print;
    } catch { /* the next check tries again */ }
    ticket.printLate = ticket.print.status === 'pending' && Date.now() - started > PRINT_WATCH_MS;
    if (state.ticket === ticket) renderPrint();
    if (!ticket.printLate) state.printWatch = setTimeout(check, 700);
  };
  state.printWatch = setTimeout(check, 300);
}

function armReturn(seconds, then) {
  clearInterval(state.returnTimer);
  let left = seconds;
  $('countdown').textContent = t('countdown', left);
  state.returnTimer = setInterval(() => {
    left -= 1;
    $('countdown').textContent = t('countdown', left);
    if (left <= 0) { clearInterval(state.returnTimer); then(); }
  }, 1000);
}

function reset() {
  clearInterval(state.returnTimer);
  clearTimeout(state.printWatch);
  state.ticket = null;
  state.agency = null;
  setPriority(null);
  state.lang = settings.language === 'en' ? 'en' : 'id';
  translate();
  show('start');
}

function setPriority(code) {
  state.priority = code;
  for (const button of document.querySelectorAll('.priority-option')) button.setAttribute('aria-pressed', String(button.dataset.priority === code));
}

// --- idle reset, clock, wiring ----------------------------------------------------------------
function touched() {
  clearTimeout(state.idleTimer);
  state.idleTimer = setTimeout(() => {
    if (document.body.dataset.screen === 'start' && (state.agency !== null || state.priority !== null || state.lang !== settings.language)) reset();
  }, settings.idle_seconds * 1000);
}

function tick() {
  const now = new Date().toLocaleTimeString('id-ID', { hour: '2-digit', minute: '2-digit', timeZone: settings.timezone });
  $('clock').textContent = now.replace('.', ':');
}

$('lang-switch').addEventListener('click', () => { state.lang = state.lang === 'id' ? 'en' : 'id'; translate(); });
$('back').addEventListener('click', () => { state.agency = null; renderTiles(); });
$('done').addEventListener('click', () => reset());
$('error-back').addEventListener('click', () => reset());
for (const button of document.querySelectorAll('.priority-option')) {
  button.addEventListener('click', () => setPriority(state.priority === button.dataset.priority ? null : button.dataset.priority));
}
for (const type of ['pointerdown', 'keydown']) document.addEventListener(type, touched, { passive: true });
document.addEventListener('contextmenu', (event) => event.preventDefault()); // a long press must not open a menu

translate();
show('start');
tick();
setInterval(tick, 10000);
touched();
poll();
