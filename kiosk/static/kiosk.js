// The touchscreen kiosk: choose an agency, then a service (optionally a priority group), get one
// ticket per tap, see it large with its QR code, and go back to the start by itself.
// One tap = one ticket: every tile is locked while a request is in flight, and the request carries
// a request_id that the server answers with the same ticket when the kiosk retries it.

import { langs, t as translated } from '/static/js/i18n.js';

const settings = JSON.parse(document.getElementById('kiosk-settings').textContent);
const $ = (id) => document.getElementById(id);

const AGENCY_TILES_ABOVE = 12; // more services than this: agencies first
const POLL_MS = 5000;
const PRINT_WATCH_MS = 8000;
const TRY_MS = 5000;
const TRIES = 3;

const state = {
  lang: settings.language,
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

// The kiosk's words (kiosk.* in the catalogue) in the visitor's language of the moment.
function t(key, params) {
  return translated(state.lang, `kiosk.${key}`, params);
}

function priorityName(code) {
  return translated(state.lang, `priority.${code}`);
}

// --- screens --------------------------------------------------------------------------------
function show(name) {
  for (const screen of document.querySelectorAll('.screen')) screen.hidden = screen.id !== `screen-${name}`;
  document.body.dataset.screen = name;
}

function translate() {
  document.documentElement.lang = state.lang;
  for (const el of document.querySelectorAll('[data-t]')) el.textContent = t(el.dataset.t);
  for (const el of document.querySelectorAll('[data-priority-label]')) el.textContent = priorityName(el.dataset.priorityLabel);
  $('lang-switch').textContent = t('switch');
  $('lang-switch').lang = otherLanguage();
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
  return waiting === 0 || eta <= 0 ? t('soon') : t('minutes', { minutes: eta });
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
  const [opens, closes] = settings.opening_hours || [];
  banner.textContent = opens ? `${t('closed_now')}. ${t('closed_banner', { opens, closes })}` : t('closed_now');
}

function servicesShown() {
  return agencyFirst ? byAgency.get(state.agency) || [] : settings.services;
}

function agencyTile(agency) {
  const services = byAgency.get(agency);
  const waiting = services.reduce((sum, s) => sum + (serviceState(s).waiting || 0), 0);
  const available = services.some((s) => !serviceState(s).unavailable);
  const button = tile(available, `agency-${slug(agency)}`);
  button.append(el('span', 'tile-title', agency), el('span', 'tile-sub', `${t('services', { num: services.length })} · ${t('waiting', { num: waiting })}`));
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
    facts.append(el('span', 'waiting', t('waiting', { num: live.waiting })), el('span', 'eta', etaText(live.eta, live.waiting)));
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
    $('error-text').textContent = error.refused ? t('refused', { reason: error.message }) : t('network');
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
      const response = await fetch('/api/v1/tickets', {
        method: 'POST', headers: { 'Content-Type': 'application/json', 'Accept-Language': state.lang }, body, signal: abort.signal,
      });
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
  $('ticket-ahead').textContent = ticket.waiting_ahead === null ? '—' : t('people', { num: ticket.waiting_ahead });
  $('ticket-eta').textContent = etaText(ticket.eta_minutes, ticket.waiting_ahead);
  const priority = typeof ticket.priority === 'string' ? priorityName(ticket.priority) : ticket.priority ? priorityName('unnamed') : '';
  $('ticket-priority').hidden = !priority;
  $('ticket-priority').textContent = priority ? t('ticket_priority', { priority }) : '';
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
  $('countdown').textContent = `(${left})`;
  state.returnTimer = setInterval(() => {
    left -= 1;
    $('countdown').textContent = `(${left})`;
    if (left <= 0) { clearInterval(state.returnTimer); then(); }
  }, 1000);
}

function reset() {
  clearInterval(state.returnTimer);
  clearTimeout(state.printWatch);
  state.ticket = null;
  state.agency = null;
  setPriority(null);
  state.lang = settings.language;
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

// "English" switches to the page's second language until the next visitor (reset), and back.
function otherLanguage() {
  return langs.find((lang) => lang !== state.lang);
}

$('lang-switch').addEventListener('click', () => { state.lang = otherLanguage(); translate(); });
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
