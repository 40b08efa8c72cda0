// The touchscreen kiosk: find the service (by agency, page by page, or by typing a few letters on
// the on-screen keyboard), read what it needs and costs on a confirm step, take a normal or a
// priority number there, see it large with its QR code, and go back to the start by itself.
// One tap = one ticket: every taking button is locked while a request is in flight, and the request
// carries a request_id that the server answers with the same ticket when the kiosk retries it.
// A change of the hall's setup (the live channel's `setup`, or a new `setup` version in the poll when
// the Socket.IO client could not load) brings the new services and names without a reload; a
// visitor's half-done choice stays unless its service is gone.

import { langs, t as translated } from '/static/js/i18n.js';
import { el, mediaUrl } from '/static/js/dom.js';
import { Access } from './access.js';
import { Pager } from './pager.js';
import { Voice } from './voice.js';

let settings = JSON.parse(document.getElementById('kiosk-settings').textContent); // replaced by adopt()
const $ = (id) => document.getElementById(id);

const AGENCY_TILES_ABOVE = 12; // more services than this: agencies first
const RESULTS_SHOWN = 16; // the closest matches of a short query; nobody pages through 300
const QUERY_MAX = 30; // fits the query's one line on every screen
const POLL_MS = 5000;
const PRINT_WATCH_MS = 8000;
const TRY_MS = 5000;
const TRIES = 3;
const MORE_SECONDS = 60; // what "Perlu waktu lagi / More time" adds to the confirmation's countdown

const state = {
  lang: settings.language,
  agency: null, agencyPage: 0, query: '', chosen: null, from: 'start', live: {}, polled: null, open: true, closed: null,
  busy: false, pending: null, // {service, priority, requestId}: reused when the same tap is retried
  booking: null, today: null, // the booking being checked in (kiosk_booking.js), and the hall's day from the poll
  ticket: null, returnTimer: null, returnLeft: 0, idleTimer: null, printWatch: null,
};
const tiles = new Map(); // every tile is made once, then updated in place: a poll or a keystroke builds nothing
let agencies, byAgency, agencyFirst;
// the search, made once the first tiles show; `opening` while its modules load after a touch (keys typed then count)
const finder = { ready: null, searching: null, search: null, relabel: () => {}, opening: false };

/** The settings' agencies and services as the start screen groups them; at start and after each
 * setup change, when every tile is made again (a renamed service must not keep its old tile). */
function arrange() {
  agencies = new Map(settings.agencies.map((a) => [a.name, a]));
  byAgency = new Map(settings.agencies.map((a) => [a.name, []]));
  for (const service of settings.services) {
    if (!byAgency.has(service.agency)) byAgency.set(service.agency, []);
    byAgency.get(service.agency).push(service);
  }
  for (const [name, services] of byAgency) if (!services.length) byAgency.delete(name);
  agencyFirst = settings.services.length > AGENCY_TILES_ABOVE && byAgency.size > 1;
  tiles.clear();
}
arrange();

// The kiosk's words (kiosk.* in the catalogue) in the visitor's language of the moment.
function t(key, params) {
  return translated(state.lang, `kiosk.${key}`, params);
}

function priorityName(code) {
  return translated(state.lang, `priority.${code}`);
}

function pager(prefix, fill) {
  return new Pager({
    grid: $(`${prefix}-tiles`), nav: $(`${prefix}-pager`), prev: $(`${prefix}-prev`), next: $(`${prefix}-next`),
    cue: $(`${prefix}-cue`), label: (page, pages) => t('page', { page, pages }), fill,
  });
}
const startPager = pager('start', true);
const resultsPager = pager('results', false); // re-paged at every keystroke: one layout only
const voice = new Voice($('kiosk-voice'));
const access = new Access({
  voice, lang: () => state.lang, hallLang: settings.language, back: goBack, typing,
  relayout: () => { startPager.paginate(); resultsPager.paginate(); },
});

// --- screens --------------------------------------------------------------------------------
function show(name) {
  for (const screen of document.querySelectorAll('.screen')) screen.hidden = screen.id !== `screen-${name}`;
  document.body.dataset.screen = name;
}

function screen() {
  return document.body.dataset.screen;
}

function translate() {
  document.documentElement.lang = state.lang;
  for (const el of document.querySelectorAll('[data-t]')) el.textContent = t(el.dataset.t);
  for (const el of document.querySelectorAll('[data-priority-label]')) el.textContent = priorityName(el.dataset.priorityLabel);
  $('priority-groups').textContent = [...document.querySelectorAll('[data-priority]')].map((b) => priorityName(b.dataset.priority)).join(', ');
  $('lang-switch').textContent = t('switch');
  $('lang-switch').lang = otherLanguage();
  finder.relabel();
  for (const node of document.querySelectorAll('[data-c]')) node.textContent = translated(state.lang, node.dataset.c);
  $('complaint-open').hidden = !settings.complaints?.enabled;
  $('booking-open').hidden = !settings.bookings;
  complaints.form?.relabel();
  bookings.desk?.relabel();
  refresh();
}

/** Draw what changed with a poll or a language switch: the tiles' figures and words (and so perhaps
 * their heights, hence the pages), and the current screen. */
function refresh() {
  for (const tile of tiles.values()) tile.update();
  startPager.stale = resultsPager.stale = true;
  const now = screen();
  if (now === 'start') renderStart({ keepPage: true, relayout: true });
  else if (now === 'search') renderSearch({ keepPage: true, relayout: true });
  else if (now === 'confirm') renderConfirm();
  else if (now === 'ticket' && state.ticket) renderTicket();
}

// --- live figures -----------------------------------------------------------------------------
function serviceState(service) {
  const live = state.live[service.code];
  if (!live) return { waiting: null, eta: null, unavailable: state.open ? null : 'closed', details: {}, closes: null, late: false };
  return {
    waiting: live.waiting, eta: live.eta_minutes, unavailable: live.unavailable, details: live.unavailable_details || {},
    closes: live.closes, late: live.past_closing,
  };
}

/** Why a service cannot be taken, in words (queue_server/availability.py's reasons: a holiday's own text, the quota, ...). */
function reasonText(live) {
  return live.unavailable ? t(live.unavailable, live.details) : '';
}

function etaText(eta, waiting, live) {
  if (live?.late) return t('past_closing', { closes: live.closes }); // never a wait that ends after closing
  if (eta === null || eta === undefined) return t('eta_unknown');
  return waiting === 0 || eta <= 0 ? t('soon') : t('minutes', { minutes: eta });
}

async function poll() {
  await fetchLive();
  setTimeout(poll, POLL_MS);
}

/** The figures of the moment; also right after a ticket, whose count may have used up a quota. */
async function fetchLive() {
  try {
    const response = await fetch('/kiosk/services.json', { cache: 'no-store' });
    const text = response.ok ? await response.text() : state.polled;
    if (text !== state.polled) { // the same figures as five seconds ago: nothing to draw
      state.polled = text;
      const body = JSON.parse(text);
      state.open = body.open;
      state.today = body.today;
      state.closed = body.closed;
      state.live = Object.fromEntries(body.services.map((s) => [s.code, s]));
      if (body.setup !== settings.setup) rereadSettings(); // a change the live channel did not bring
      refresh();
    }
  } catch { /* keep the last counts; the next poll tries again */ }
}

// --- following a change of the hall's setup -----------------------------------------------------
/** The live channel's kiosk audience: it brings `setup` and nothing else. Its client is loaded once
 * the first tiles show, so it never delays them; if it cannot load, the poll's `setup` version does
 * the same, more slowly. */
function followSetup() {
  const script = document.createElement('script');
  script.src = document.documentElement.dataset.liveClient;
  script.addEventListener('load', connectLive);
  document.head.append(script);
}

function connectLive() {
  const socket = window.io({
    query: { kiosk: settings.kiosk?.id ?? '' }, transports: ['websocket'], reconnectionDelay: 1000, reconnectionDelayMax: 10000,
  });
  socket.on('setup', (message) => { if (message.version !== settings.setup) rereadSettings(); });
}

async function rereadSettings() {
  const query = settings.kiosk ? `?id=${encodeURIComponent(settings.kiosk.id)}` : '';
  try {
    const response = await fetch(`/kiosk/settings.json${query}`, { cache: 'no-store' });
    if (response.status === 404) location.reload(); // this kiosk was removed: the page that says which there are
    else if (response.ok) adopt(await response.json());
  } catch { /* the next poll or message tries again */ }
}

/** Show the setup `fresh` from now on, keeping what the visitor has chosen while it still exists. */
function adopt(fresh) {
  if (fresh.setup <= settings.setup) return; // an answer overtaken by a newer one
  settings = fresh;
  arrange();
  reindex();
  $('hall-name').textContent = settings.hall;
  if (settings.kiosk && $('kiosk-name')) $('kiosk-name').textContent = settings.kiosk.name;
  if (!agencyFirst || !byAgency.has(state.agency)) state.agency = null;
  const chosen = state.chosen && settings.services.find((s) => s.code === state.chosen.code);
  if (chosen) {
    state.chosen = chosen;
    $('priority-service').textContent = `${chosen.code} ${chosen.name}`;
  } else if (state.chosen && ['confirm', 'priority'].includes(screen())) serviceGone();
  refresh();
  state.polled = null;
  fetchLive(); // the figures of a new service, then drawn again
}

/** The service on the confirm step was removed: back to the start, saying why. */
function serviceGone() {
  state.chosen = null;
  state.pending = null;
  show('start');
  $('setup-notice').textContent = t('service_gone');
  $('setup-notice').hidden = false;
  access.shown(startIntro(), $('setup-notice'));
}

// --- the start screen: agencies, then an agency's services --------------------------------------
function renderStart(paging) {
  const showAgencies = agencyFirst && state.agency === null;
  $('crumbs').hidden = showAgencies || !agencyFirst;
  $('agency-title').textContent = state.agency ? agencyLabel(state.agency) : '';
  $('start-lead').textContent = t(showAgencies ? 'lead_agency' : 'lead_service');
  $('start-tiles').className = showAgencies ? 'tiles agencies' : 'tiles services';
  const shown = showAgencies ? [...byAgency.keys()].map(agencyTile) : servicesShown().map((s) => serviceTile(s, { withAgency: !agencyFirst }));
  startPager.show(shown, paging);
  const banner = $('closed-banner');
  banner.hidden = state.open;
  setText(banner, closedText(state.closed));
}

/** The start screen's banner while the whole hall issues nothing: a holiday's reason, a closed day, the hours. */
function closedText(closed) {
  if (closed?.code === 'holiday' || closed?.code === 'closed_today') return t(closed.code, closed.details);
  const { opens, closes } = closed?.details || {};
  return opens ? `${t('closed_now')}. ${t('closed_banner', { opens, closes })}` : t('closed_now');
}

function servicesShown() {
  return agencyFirst ? byAgency.get(state.agency) || [] : settings.services;
}

function agencyLabel(name) {
  return agencies.get(name)?.short_name || name;
}

function openAgency(name) {
  state.agencyPage = startPager.page;
  state.agency = name;
  renderStart({ keepPage: false });
  access.shown('ui/start_services', firstTile('start'));
}

function closeAgency() {
  const from = state.agency;
  state.agency = null;
  startPager.page = state.agencyPage;
  renderStart({ keepPage: true });
  access.shown('ui/start_agencies', visible(agencyTile(from)) || firstTile('start'));
}

function startIntro() {
  return agencyFirst && state.agency === null ? 'ui/start_agencies' : 'ui/start_services';
}

/** The first tile of the page shown: where the focus goes when a list of tiles opens. */
function firstTile(prefix) {
  return [...$(`${prefix}-tiles`).children].find((node) => !node.hidden && !node.disabled) || null;
}

function visible(node) {
  return node && node.isConnected && !node.hidden && !node.disabled ? node : null;
}

/** The tile `key`, made by `make` the first time: `make` returns {node, update}. */
function cached(key, make) {
  if (!tiles.has(key)) {
    const tile = make();
    tile.update();
    tiles.set(key, tile);
  }
  return tiles.get(key).node;
}

function agencyTile(name) {
  return cached(`agency:${name}`, () => {
    const services = byAgency.get(name);
    const button = tile(`agency-${slug(name)}`, name);
    button.dataset.say = `agency/${name}`;
    const sub = el('span', 'tile-sub');
    const reason = el('span', 'tile-reason');
    button.append(agencyHead(name));
    if (agencyLabel(name) !== name) button.append(el('span', 'tile-name', name));
    button.append(sub, reason);
    button.addEventListener('click', () => openAgency(name));
    const update = () => {
      const waiting = services.reduce((sum, s) => sum + (serviceState(s).waiting || 0), 0);
      const why = services.every((s) => serviceState(s).unavailable) && services.map(serviceState).find((live) => live.unavailable);
      setText(sub, `${t('services', { num: services.length })} · ${t('waiting', { num: waiting })}`);
      setText(reason, why ? reasonText(why) : '');
      reason.hidden = !why;
      enable(button, !why);
    };
    return { node: button, update };
  });
}

function serviceTile(service, { withAgency }) {
  return cached(`service:${service.code}:${withAgency}`, () => {
    const button = tile(`service-${service.code}`, service.agency);
    button.dataset.service = service.code;
    button.dataset.say = `service/${service.code}/name`;
    const head = el('span', 'tile-head');
    head.append(el('span', 'code', service.code), el('span', 'tile-title', service.name));
    button.append(head);
    if (withAgency) button.append(el('span', 'tile-agency', agencyLabel(service.agency)));
    const facts = el('span', 'tile-facts');
    const waiting = el('span', 'waiting');
    const eta = el('span', 'eta');
    const reason = el('span', 'tile-reason');
    facts.append(waiting, eta);
    button.append(facts, reason);
    button.addEventListener('click', () => openConfirm(service));
    const update = () => {
      const live = serviceState(service);
      reason.hidden = !live.unavailable;
      setText(reason, reasonText(live));
      facts.hidden = Boolean(live.unavailable) || live.waiting === null;
      setText(waiting, live.waiting === null ? '' : t('waiting', { num: live.waiting }));
      setText(eta, etaText(live.eta, live.waiting, live));
      enable(button, !live.unavailable);
    };
    return { node: button, update };
  });
}

// `agency`: whose colour the tile's stripe takes (kiosk.css), on the card's own background, so the
// text keeps its contrast whatever the colour.
function tile(testid, agency) {
  const button = el('button', 'tile');
  button.type = 'button';
  button.dataset.testid = testid;
  const colour = agencies.get(agency)?.colour;
  if (colour) button.style.setProperty('--agency', colour);
  return button;
}

// An agency's name, after its logo when it has one: in a box of fixed size, with an empty alt (the
// name beside it says who it is).
function agencyHead(name) {
  const title = el('span', 'tile-title', agencyLabel(name));
  const logo = agencies.get(name)?.logo;
  if (!logo) return title;
  const head = el('span', 'tile-head');
  const image = el('img', 'agency-logo');
  image.alt = '';
  image.src = mediaUrl(logo);
  head.append(image, title);
  return head;
}

/** Only what changed: a poll touches hundreds of tiles, and an unchanged one must cost no layout. */
function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

function enable(button, enabled) {
  button.disabled = !enabled;
  if (enabled) button.removeAttribute('aria-disabled');
  else button.setAttribute('aria-disabled', 'true');
}

function slug(text) { return text.toLowerCase().replace(/[^a-z0-9]+/g, '-'); }

// --- search -------------------------------------------------------------------------------------
/** The search's modules, its words, its keyboard and its result tiles, made while the kiosk is idle
 * after the first tiles show (or at the first touch of "Cari layanan", if that comes first). */
function prepareSearch() {
  finder.ready ??= Promise.all([import('./keyboard.js'), import('./search.js')]).then(([keyboard, searching]) => {
    finder.searching = searching;
    finder.relabel = () => keyboard.relabel($('keyboard'), t);
    keyboard.buildKeyboard($('keyboard'), typed, t);
    reindex();
  });
  return finder.ready;
}

/** The search's index and result tiles for the services of the moment (once its module is loaded). */
function reindex() {
  const searching = finder.searching;
  if (!searching) return;
  const index = searching.buildIndex(settings.services, agencies);
  finder.search = (query) => searching.search(index, query);
  for (const service of settings.services) serviceTile(service, { withAgency: true });
}

async function openSearch() {
  state.query = '';
  finder.opening = true;
  await prepareSearch();
  finder.opening = false;
  show('search');
  renderSearch({ keepPage: false });
  access.shown('ui/search', $('keyboard').querySelector('button'));
}

function typed(key) {
  if (key === 'backspace') state.query = state.query.slice(0, -1);
  else if (key === 'clear') state.query = '';
  else if (state.query.length < QUERY_MAX && !(key === ' ' && (state.query === '' || state.query.endsWith(' ')))) state.query += key;
  if (screen() === 'search') renderSearch({ keepPage: false });
}

function renderSearch(paging) {
  const query = $('query');
  query.textContent = state.query || t('search_placeholder');
  query.classList.toggle('placeholder', !state.query);
  const found = finder.search(state.query);
  const shown = found.slice(0, RESULTS_SHOWN);
  const note = $('results-note');
  if (!state.query.trim()) note.textContent = t('search_start');
  else if (!found.length) note.textContent = t('search_none', { query: state.query.trim() });
  else if (found.length > shown.length) note.textContent = t('found_many', { num: found.length, shown: shown.length });
  else note.textContent = t('found', { num: found.length });
  resultsPager.show(shown.map((s) => serviceTile(s, { withAgency: true })), paging);
}

// --- the confirm step: what the service needs, costs and takes, before the number (UU 25/2009 Pasal 21)
function openConfirm(service) {
  if (state.busy) return;
  $('setup-notice').hidden = true;
  state.from = screen();
  state.chosen = service;
  show('confirm');
  renderConfirm();
  access.shown(`service/${service.code}/requirements`, $('confirm-name'));
}

function renderConfirm() {
  const service = state.chosen;
  const live = serviceState(service);
  const name = $('confirm-name');
  name.replaceChildren(el('span', 'code', service.code), document.createTextNode(` ${service.name}`));
  const agency = agencies.get(service.agency);
  $('confirm-agency').textContent = agency?.short_name ? `${agency.short_name} — ${agency.name}` : service.agency;
  const requirements = service.requirements.length ? service.requirements : [t('ask_at_counter')];
  $('confirm-requirements').replaceChildren(...requirements.map((text) => el('li', '', text)));
  $('confirm-fee').textContent = service.fee || t('ask_at_counter');
  $('confirm-waiting').textContent = live.waiting === null ? '—' : t('people', { num: live.waiting });
  $('confirm-eta').textContent = etaText(live.eta, live.waiting, live);
  $('confirm-duration').textContent = t('minutes', { minutes: service.duration_minutes });
  $('confirm-counters').textContent = service.counters.join(', ');
  $('confirm-closes').hidden = !live.closes || Boolean(live.unavailable);
  $('confirm-closes').textContent = live.closes ? t('closes_today', { closes: live.closes }) : '';
  $('confirm-reason').hidden = !live.unavailable;
  $('confirm-reason').textContent = reasonText(live);
  for (const button of [$('take'), $('priority-open')]) button.disabled = Boolean(live.unavailable) || state.busy;
  $('confirm-booking').hidden = !state.booking;
  if (state.booking) renderBookingConfirm();
}

/** A booking's confirm step: its code, session and name under the service; a walk-in quota used up
 * or the hours over do not stop a booked visitor. */
function renderBookingConfirm() {
  const { code, session, name } = state.booking;
  $('confirm-booking').textContent = t('booking.confirm', { code, session, name });
  $('confirm-reason').hidden = true;
  $('confirm-closes').hidden = true;
  for (const button of [$('take'), $('priority-open')]) button.disabled = state.busy;
}

function backFromConfirm() {
  if (state.booking) {
    state.booking = null;
    openBooking();
    return;
  }
  show(state.from);
  if (state.from === 'search') resultsPager.paginate();
  else renderStart({ keepPage: true });
  const prefix = state.from === 'search' ? 'results' : 'start';
  const chosen = [...$(`${prefix}-tiles`).children].find((node) => node.dataset.service === state.chosen.code);
  access.shown(state.from === 'search' ? 'ui/search' : startIntro(), visible(chosen) || firstTile(prefix));
}

function openPriority() {
  $('priority-service').textContent = `${state.chosen.code} ${state.chosen.name}`;
  show('priority');
  access.shown('ui/priority', $('priority-title'));
}

/** Backspace or Escape: what the screen's own back button does. */
function goBack() {
  const button = {
    start: 'back', search: 'search-back', confirm: 'confirm-back', priority: 'priority-back', ticket: 'done', error: 'error-back',
    complaint: 'complaint-back', 'complaint-done': 'complaint-finish', booking: 'booking-back',
  }[screen()];
  if (button && visible($(button))) $(button).click();
}

// --- complaints: the start screen's "Pengaduan" (kiosk_complaint.js, loaded at its first touch) ---
const complaints = { form: null };

async function openComplaint() {
  if (!complaints.form) {
    const [{ KioskComplaint }, keyboard] = await Promise.all([import('./kiosk_complaint.js'), import('./keyboard.js')]);
    complaints.form ??= new KioskComplaint({
      show, lang: () => state.lang, settings: () => settings, finish: () => reset(), keyboard, shown: (phrase, focus) => access.shown(phrase, focus),
    });
  }
  complaints.form.open();
}

// --- a booking's check-in: the start screen's "Saya sudah booking" (kiosk_booking.js, loaded at its first touch)
const bookings = { desk: null, loading: null };
const BOOKING_REFUSALS = ['unknown', 'expired', 'cancelled', 'already_checked_in', 'not_today', 'rate_limited', 'offline'];

/** The check-in's modules, fetched once the start screen is idle: a scanner types the moment the
 * visitor has tapped, and keys typed while the module was still loading were lost. */
function loadBooking() {
  bookings.loading ??= Promise.all([import('./kiosk_booking.js'), import('./keyboard.js')]);
  return bookings.loading;
}

async function openBooking() {
  if (!bookings.desk) {
    const [{ KioskBooking }, keyboard] = await loadBooking();
    bookings.desk ??= new KioskBooking({
      show, lang: () => state.lang, today: () => state.today, finish: () => reset(), found: bookingFound, refuse: bookingRefused,
      keyboard, shown: (phrase, focus) => access.shown(phrase, focus),
    });
  }
  bookings.desk.open();
}

/** A booking that can check in: its service's confirm step, where the priority question is asked. */
function bookingFound(booking) {
  const service = settings.services.find((s) => s.code === booking.service);
  if (!service) return bookingRefused('unknown');
  state.booking = booking;
  state.from = 'start';
  state.chosen = service;
  show('confirm');
  renderConfirm();
  return access.shown(`service/${service.code}/requirements`, $('confirm-name'));
}

/** Why a code cannot check in (kiosk.booking.error.CODE), shown and, in audio mode, said. */
function bookingRefused(code) {
  state.booking = null;
  state.pending = null;
  const reason = BOOKING_REFUSALS.includes(code) ? code : 'offline';
  $('error-text').textContent = t(`booking.error.${reason}`);
  show('error');
  access.shown(`ui/booking_error_${reason}`, $('error-back'));
  armReturn(settings.return_seconds, () => reset());
}

// --- taking a ticket --------------------------------------------------------------------------
function newRequestId() {
  const bytes = crypto.getRandomValues(new Uint8Array(12)); // randomUUID needs https; halls serve http
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

async function take(priority, button) {
  const service = state.chosen;
  if (state.busy || button.disabled || !service) return;
  state.busy = true; // set before anything awaits: a second tap in the same instant finds it
  for (const other of document.querySelectorAll('[data-takes]')) other.disabled = true;
  const same = state.pending && state.pending.service === service.code && state.pending.priority === priority;
  if (!same) state.pending = { service: service.code, priority, requestId: newRequestId() };
  show('busy');
  access.shown('ui/issuing', null);
  try {
    const ticket = state.booking ? await checkIn(state.booking, priority) : await post(state.pending);
    state.pending = null;
    state.ticket = { ...ticket, serviceInfo: service };
    showTicket();
    fetchLive();
  } catch (error) {
    if (error.booking) return bookingRefused(error.booking);
    if (error.refused) state.pending = null; // refused for good: the next tap is a new request
    $('error-text').textContent = error.refused ? t('refused', { reason: error.message }) : t('network');
    show('error');
    access.shown('ui/error', $('error-back'));
    armReturn(settings.return_seconds, () => reset());
  } finally {
    state.busy = false;
    for (const other of document.querySelectorAll('[data-takes]')) other.disabled = false;
  }
}

/** The check-in: the kiosk's key cookie makes it this kiosk's, printed on its printer like a walk-in's ticket. */
async function checkIn(booking, priority) {
  const response = await fetch(`/api/v1/bookings/${encodeURIComponent(booking.code)}/check-in`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', 'Accept-Language': state.lang }, credentials: 'same-origin',
    body: JSON.stringify({ priority, lang: state.lang }),
  });
  const data = await response.json().catch(() => ({}));
  if (response.status === 201) {
    state.booking = null;
    return data;
  }
  if (response.status === 404) throw Object.assign(new Error('unknown'), { booking: 'unknown' });
  if (response.status === 409) throw Object.assign(new Error(data.error?.code), { booking: String(data.error?.code).replace(/^booking_/, '') });
  if (response.status === 429) throw Object.assign(new Error('rate_limited'), { booking: 'rate_limited' });
  throw Object.assign(new Error(data.error?.message || response.statusText), { refused: response.status < 500 });
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
  $('ticket-live').textContent = t('ticket_issued', { number: state.ticket.number });
  access.shown(`ticket/${state.ticket.id}`, $('ticket-number'));
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
  $('ticket-eta').textContent = etaText(ticket.eta_minutes, ticket.waiting_ahead, serviceState(ticket.serviceInfo));
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
  state.returnLeft = seconds;
  $('countdown').textContent = `(${state.returnLeft})`;
  state.returnTimer = setInterval(() => {
    state.returnLeft -= 1;
    $('countdown').textContent = `(${state.returnLeft})`;
    if (state.returnLeft <= 0) { clearInterval(state.returnTimer); then(); }
  }, 1000);
}

/** "Perlu waktu lagi / More time": the number stays on the screen a minute longer, as often as asked. */
function moreTime() {
  state.returnLeft += MORE_SECONDS;
  $('countdown').textContent = `(${state.returnLeft})`;
}

/** Back to the first page of the start screen in the hall's language: ready for the next visitor. */
function reset() {
  clearInterval(state.returnTimer);
  clearTimeout(state.printWatch);
  Object.assign(state, { ticket: null, agency: null, agencyPage: 0, query: '', chosen: null, booking: null, lang: settings.language });
  $('ticket-live').textContent = '';
  $('setup-notice').hidden = true;
  access.reset();
  show('start');
  startPager.page = 0;
  translate();
  access.shown(startIntro(), $('start-title'));
}

// --- idle reset, clock, wiring ----------------------------------------------------------------
function atRest() {
  return screen() === 'start' && state.agency === null && startPager.page === 0 && state.lang === settings.language;
}

function touched() {
  clearTimeout(state.idleTimer);
  state.idleTimer = setTimeout(() => {
    if (['start', 'search', 'confirm', 'priority', 'complaint', 'complaint-done', 'booking'].includes(screen()) && !atRest()) reset();
  }, settings.idle_seconds * 1000);
}

const clock = { format: null };
function tick() {
  clock.format ??= new Intl.DateTimeFormat('id-ID', { hour: '2-digit', minute: '2-digit', timeZone: settings.timezone });
  $('clock').textContent = clock.format.format(new Date()).replace('.', ':');
}

// "English" switches to the page's second language until the next visitor (reset), and back.
function otherLanguage() {
  return langs.find((lang) => lang !== state.lang);
}

/** Whether letters typed now are the search's (its screen shows, or is opening). */
function typing() {
  return ['search', 'complaint', 'booking'].includes(screen()) || finder.opening;
}

/** A keyboard plugged into the kiosk PC types into the search too. */
function physicalKey(event) {
  if (!typing() || ['complaint', 'booking'].includes(screen()) || event.ctrlKey || event.altKey || event.metaKey) return;
  if (/^[a-z0-9 ]$/i.test(event.key)) typed(event.key.toLowerCase());
  else if (event.key === 'Backspace') typed('backspace');
  else return;
  event.preventDefault();
}

$('lang-switch').addEventListener('click', () => { state.lang = otherLanguage(); translate(); });
$('back').addEventListener('click', closeAgency);
$('search-open').addEventListener('click', openSearch);
$('complaint-open').addEventListener('click', openComplaint);
$('booking-open').addEventListener('click', openBooking);
$('search-back').addEventListener('click', () => {
  show('start');
  renderStart({ keepPage: true });
  access.shown(startIntro(), $('search-open'));
});
$('search-clear').addEventListener('click', () => typed('clear'));
$('confirm-back').addEventListener('click', backFromConfirm);
$('take').addEventListener('click', (event) => take(null, event.currentTarget));
$('priority-open').addEventListener('click', openPriority);
$('priority-back').addEventListener('click', () => {
  show('confirm');
  renderConfirm();
  access.shown(null, $('priority-open'));
});
$('hear-requirements').addEventListener('click', () => voice.say([[state.lang, `service/${state.chosen.code}/requirements`]]));
$('more-time').addEventListener('click', moreTime);
for (const turn of document.querySelectorAll('.page-turn')) turn.addEventListener('click', () => access.prefetch());
for (const button of document.querySelectorAll('.priority-option')) {
  button.addEventListener('click', () => take(button.dataset.priority, button));
}
$('done').addEventListener('click', () => reset());
$('error-back').addEventListener('click', () => reset());
window.addEventListener('resize', () => { startPager.paginate(); resultsPager.paginate(); });
document.addEventListener('keydown', physicalKey);
for (const type of ['pointerdown', 'keydown']) document.addEventListener(type, touched, { passive: true });
document.addEventListener('contextmenu', (event) => event.preventDefault()); // a long press must not open a menu

show('start');
translate();
touched();
poll();
requestIdleCallback(() => { tick(); setInterval(tick, 10000); }, { timeout: 1000 }); // after the first tiles: time zone data is slow to load
requestIdleCallback(prepareSearch, { timeout: 3000 });
requestIdleCallback(followSetup, { timeout: 3000 });
requestIdleCallback(() => { if (settings.bookings) loadBooking(); }, { timeout: 5000 });
