// The lobby display: now calling, every counter (grouped by agency, in rotating pages), the last
// calls, the waiting counts, the notices (in the counters' area, in turn with its pages) and the
// ticker. Everything shown comes from the live channel; the hall's facts (names, services, counters,
// ticker, notices) are embedded in the page and read again on `setup`, then the page is laid out
// anew in place: no reload, so the announcements keep playing.
//
// Audio hook: each new call is dispatched on `document` as a CustomEvent "antre:called" whose
// detail is the `called` message (number, counter, audio_url, caption, recall). The announcements
// module /display/static/js/announcer.js, when present, is imported below and plays audio_url.

import { Live, clockParts, readFacts, restingWords } from './live.js';
import { el, mediaUrl } from '/static/js/dom.js';
import { refit, setFitted } from './fit.js';
import { Pager, splitParts } from './pages.js';
import { Notices } from './notices.js';
import { langs, t } from '/static/js/i18n.js';

const FRESH_MS = 8000;
const RECENT_SHOWN = 5; // rows of "last calls" the panel holds at a size read from 5 m
const TILE_COLUMNS = 6; // counter tiles across a page: agencies of 1, 2 or 3 counters fill a row (lobby.css)
let facts = JSON.parse(document.getElementById('hall-facts').textContent);
let screen, counters, services, serviceByCode, agencyByName;
const shown = (agency) => !screen || screen.agencies.includes(agency);
/** What the screen shows of the facts: at start, and again after a setup change. */
function learn() {
  screen = facts.screen;
  counters = facts.counters.filter((c) => shown(c.agency));
  services = facts.services.filter((s) => shown(s.agency));
  serviceByCode = Object.fromEntries(facts.services.map((s) => [s.code, s]));
  agencyByName = Object.fromEntries(facts.agencies.map((a) => [a.name, a]));
}
learn();
const agencyLabel = (name) => agencyByName[name]?.short_name || name;
const $ = (id) => document.getElementById(id);

const model = { seq: null, counters: new Map(), recent: [], waiting: {} };
// Calls belong to the hall's local day: a screen left running overnight drops yesterday's at midnight.
const dayOf = (moment) => new Intl.DateTimeFormat('en-CA', { timeZone: facts.timezone }).format(moment);
let today = dayOf(new Date());
const ofToday = (call) => dayOf(new Date(call.at)) === today;
const tiles = new Map();
const chips = new Map();
const freshTimers = new Map();

// --- layout: built once, then only the contents change ------------------------------------------
function fit() {
  const scale = Math.min(window.innerWidth / 1920, window.innerHeight / 1080);
  document.body.style.transform = scale === 1 ? '' : `scale(${scale})`;
}

function buildTile(counter) {
  const tile = el('div', 'tile idle');
  tile.dataset.counter = counter.id;
  const slot = el('div', 'slot');
  const second = el('div', 'word2');
  second.lang = langs[1]; // a screen reader reads the English words with an English voice
  slot.append(el('div', 'number fit', '—'), el('div', 'word fit'), second);
  tile.append(el('div', 'name fit', counter.name), slot);
  tiles.set(counter.id, tile);
  return tile;
}

// A heading in the agency's short name (its official name as the tooltip) over its part of the tiles.
function heading(agency, continued) {
  const name = el('div', 'group-name');
  name.title = agency;
  branded(name, agency);
  name.append(agencyLabel(agency));
  if (continued) name.append(el('span', 'more', ` ${t(langs[0], 'display.continued')}`));
  return name;
}

// Columns an agency's heading needs on one line at its full size: an agency of one counter whose
// short name is longer than a tile takes two columns rather than a second heading line, which would
// make its whole row taller (and the page hold a row less).
const headingWidths = new Map();
function headingColumns(agency) {
  if (!headingWidths.has(agency)) {
    const probe = heading(agency, false);
    probe.style.cssText = 'position: absolute; visibility: hidden; white-space: nowrap';
    $('pages').append(probe);
    headingWidths.set(agency, probe.getBoundingClientRect().width);
    probe.remove();
  }
  const stage = getComputedStyle(document.querySelector('.stage'));
  const tile = parseFloat(stage.getPropertyValue('--tile-width'));
  const gap = parseFloat(stage.getPropertyValue('--tile-gap'));
  return Math.ceil((headingWidths.get(agency) + gap) / (tile + gap));
}

// An agency's colour is a band beside its name (--agency in lobby.css), never behind its text; its
// logo sits before the name in a box of its own size, so a logo still loading moves nothing. The
// logo's alt is empty: the name beside it says who it is.
function branded(node, name) {
  const agency = agencyByName[name];
  if (agency?.colour) {
    node.style.setProperty('--agency', agency.colour);
    node.classList.add('coloured');
  }
  if (agency?.logo) {
    const logo = el('img', 'agency-logo');
    logo.alt = '';
    logo.src = mediaUrl(agency.logo);
    node.append(logo);
  }
}

function buildGroup(item, list, continued = false) {
  const group = el('div', 'group');
  group.dataset.agency = item.agency;
  const columns = Math.min(list.length, TILE_COLUMNS);
  group.style.gridColumn = `span ${Math.min(TILE_COLUMNS, Math.max(columns, headingColumns(item.agency)))}`;
  const row = el('div', 'tiles');
  row.style.gridTemplateColumns = `repeat(${columns}, var(--tile-width))`;
  row.append(...list.map((c) => tiles.get(c.id) || buildTile(c)));
  group.append(heading(item.agency, continued), row);
  Object.assign(group, { agency: item.agency, parts: list, continued });
  return group;
}

function byAgency(list) {
  const groups = new Map();
  for (const item of list) {
    if (!groups.has(item.agency)) groups.set(item.agency, []);
    groups.get(item.agency).push(item);
  }
  return [...groups];
}

const counterGroups = () => byAgency(counters).map(([agency, list]) => buildGroup({ agency }, list));

// The waiting strip: per agency, the codes of its services that have visitors waiting, with how many.
function buildChip(service) {
  const chip = el('div', 'chip');
  chip.dataset.service = service.code;
  chip.title = service.name;
  chip.append(el('div', 'code', service.code), el('div', 'count', String(model.waiting[service.code] ?? 0)));
  chips.set(service.code, chip);
  return chip;
}

function buildWaitGroup(item, list, continued = false) {
  const group = el('div', 'wait-group');
  group.dataset.agency = item.agency;
  const label = el('div', 'wait-agency');
  label.title = item.agency;
  branded(label, item.agency);
  label.append(agencyLabel(item.agency));
  group.append(label, ...list.map((s) => chips.get(s.code) || buildChip(s)));
  Object.assign(group, { agency: item.agency, parts: list, continued });
  return group;
}

const waitingNow = () => services.filter((s) => (model.waiting[s.code] ?? 0) > 0);
const stripShape = (list) => list.map((s) => `${s.code}:${String(model.waiting[s.code]).length}`).join(' ');
const waitGroups = () => byAgency(waitingNow()).map(([agency, list]) => buildWaitGroup({ agency }, list));

const counterPages = new Pager($('pages'), $('pager'));
const waitingPages = new Pager($('waiting'));
let waitingShape = '';

function layout() {
  fit();
  counterPages.fill(counterGroups(), splitParts(buildGroup));
  layoutWaiting();
  refit();
}

// Laid out again only when a service joins or leaves the strip, or a count grows a digit: the
// chips of a page must keep fitting it, and a strip re-paged at every ticket would never settle.
function layoutWaiting() {
  const list = waitingNow();
  waitingShape = stripShape(list);
  $('waiting-none').hidden = list.length > 0; // before measuring: the two share the strip's room
  $('waiting').hidden = list.length === 0;
  waitingPages.fill(waitGroups(), splitParts(buildWaitGroup));
}

// --- showing ------------------------------------------------------------------------------------
const MODES = ['closed', 'paused', 'idle', 'called', 'serving'];

function counterMode(counter) {
  if (counter.status === 'closed' || counter.status === 'paused') return counter.status;
  return counter.ticket ? counter.ticket.status : 'idle';
}

function showCounter(counter) {
  model.counters.set(counter.id, counter);
  const tile = tiles.get(counter.id);
  if (!tile) return;
  const mode = counterMode(counter);
  for (const name of MODES) tile.classList.toggle(name, name === mode);
  const words = restingWords(counter, facts.pause_reasons);
  const number = mode === 'called' || mode === 'serving' ? counter.ticket.number : '—';
  setFitted(tile.querySelector('.number'), words ? '' : number);
  setFitted(tile.querySelector('.word'), words ? words[0] : '');
  tile.querySelector('.word2').textContent = words ? words[1] : '';
}

function showWaiting(waiting) {
  model.waiting = waiting;
  for (const [code, chip] of chips) chip.querySelector('.count').textContent = String(waiting[code] ?? 0);
  if (stripShape(waitingNow()) !== waitingShape) layoutWaiting();
}

function callView(call) {
  const service = serviceByCode[call.ticket.service];
  const agency = call.ticket.agency || service?.agency || '';
  return {
    number: call.ticket.number,
    counter: call.counter.name,
    agency: agency ? agencyLabel(agency) : '',
    service: call.ticket.service_name || service?.name || '',
    recall: call.recall,
  };
}

function showNow(call, fresh) {
  const panel = $('calling');
  if (!call) {
    panel.classList.add('idle');
    setFitted($('now-number'), '—');
    setFitted($('now-counter'), t(langs[0], 'display.no_call'));
    setFitted($('now-agency'), '');
    $('now-caption').textContent = '';
    return;
  }
  const view = callView(call);
  panel.classList.remove('idle');
  setFitted($('now-number'), view.number);
  setFitted($('now-counter'), view.counter);
  setFitted($('now-agency'), [view.agency, view.service].filter(Boolean).join(' · '));
  if (view.recall) $('now-caption').replaceChildren(t(langs[0], 'display.recall'), ' · ', inSecondLanguage('display.recall'));
  else $('now-caption').textContent = call.caption || '';
  if (fresh) flash(panel, 'now');
}

/** The entry `key` in the screen's second language, marked as such for screen readers. */
function inSecondLanguage(key) {
  const span = el('span', null, t(langs[1], key));
  span.lang = langs[1];
  return span;
}

function flash(node, key) {
  node.classList.remove('fresh');
  void node.offsetWidth; // restart the animation for a recall of the same number
  node.classList.add('fresh');
  clearTimeout(freshTimers.get(key));
  freshTimers.set(key, setTimeout(() => node.classList.remove('fresh'), FRESH_MS));
}

// Each row: the number in a box sized for six characters, the counter's whole name beside it (two
// lines at a smaller size when it is long): never "Loket …".
function showRecent() {
  const list = $('recent');
  list.replaceChildren(...model.recent.slice(0, RECENT_SHOWN).map((call, i) => {
    const item = el('li', [i === 0 ? 'first' : '', call.recall ? 'recall' : ''].join(' ').trim());
    item.append(el('span', 'number fit'), el('span', 'to fit'));
    return item;
  }));
  [...list.children].forEach((item, i) => {
    const call = model.recent[i];
    setFitted(item.querySelector('.number'), call.ticket.number);
    setFitted(item.querySelector('.to'), call.counter.name);
  });
}

// --- the live channel ---------------------------------------------------------------------------
const live = new Live();

live.addEventListener('status', ({ detail }) => {
  $('offline').hidden = detail.connected;
  document.body.classList.toggle('offline', !detail.connected);
  document.body.dataset.live = detail.connected ? 'connected' : 'offline'; // for kiosk-mode scripts and tests
});

live.addEventListener('state', ({ detail }) => {
  model.seq = detail.seq;
  detail.counters.forEach(showCounter);
  showWaiting(detail.waiting);
  model.recent = detail.recent_calls.filter((call) => shown(call.ticket.agency) && ofToday(call));
  showRecent();
  showNow(model.recent[0], false);
});

live.addEventListener('counter', ({ detail }) => { model.seq = detail.seq; showCounter(detail.counter); });
live.addEventListener('setup', async () => {
  const query = screen ? `?screen=${encodeURIComponent(screen.id)}` : '';
  const fresh = await readFacts(`/display/facts.json${query}`);
  if (fresh === null) location.reload(); // this screen was removed: the page that says so
  else if (fresh) adopt(fresh);
});
live.addEventListener('queue', ({ detail }) => { model.seq = detail.seq; showWaiting(detail.waiting); });

live.addEventListener('called', ({ detail }) => {
  model.seq = detail.seq;
  if (!shown(detail.ticket.agency)) return;
  const call = { at: detail.at, recall: detail.recall, ticket: detail.ticket, counter: detail.counter, caption: detail.caption };
  model.recent = [call, ...model.recent].slice(0, 10);
  showRecent();
  showNow(call, true);
  const tile = tiles.get(detail.counter.id);
  if (tile) flash(tile, `tile-${detail.counter.id}`);
  document.dispatchEvent(new CustomEvent('antre:called', { detail }));
});

/** Lay the screen out again for the facts `fresh`: new and renamed counters and services, names in
 * the last calls, hall name, ticker. The tiles are made anew; the snapshot asked for fills them. */
function adopt(fresh) {
  if (fresh.setup < facts.setup) return; // overtaken by the answer to a later change
  facts = { ...fresh, rotate_seconds: facts.rotate_seconds };
  learn();
  for (const made of [tiles, chips, headingWidths]) made.clear();
  const names = new Map(facts.counters.map((c) => [c.id, c.name]));
  for (const call of model.recent) call.counter = { ...call.counter, name: names.get(call.counter.id) ?? call.counter.name };
  showHeader();
  layout();
  for (const counter of model.counters.values()) showCounter(counter);
  showRecent();
  showNow(model.recent[0], false);
  startTicker();
  Object.assign(notices, { list: facts.notices || [], next: 0 });
  loadSkm();
  live.sync();
}

// --- header, ticker, rotation -------------------------------------------------------------------
function showHeader() {
  $('hall-name').textContent = facts.name;
  $('screen-name').textContent = screen ? screen.name : '';
}

function tick() {
  const { time, date } = clockParts(facts.timezone, langs[0]);
  $('clock').textContent = time;
  $('date').textContent = date;
  if (dayOf(new Date()) !== today) newDay();
}

function newDay() {
  today = dayOf(new Date());
  model.recent = model.recent.filter(ofToday);
  showRecent();
  showNow(model.recent[0], false);
  live.sync(); // the server's snapshot of the new day: no counter still shows yesterday's ticket
}

// The counters' area: its pages in turn and, once each has been shown, the next notice for its seconds.
const notices = new Notices($('notices'), facts.notices);
const SKM_REFRESH_MS = 10 * 60 * 1000; // the published SKM changes slowly; its answer may be a minute old anyway

/** The published SKM, when the hall shows it among the notices (survey.show_on_lobby). */
async function loadSkm() {
  if (!notices.list.some((notice) => notice.kind === 'skm')) return;
  try {
    const response = await fetch('/api/v1/skm/public', { headers: { Accept: 'application/json', 'Accept-Language': langs[0] } });
    if (response.ok) notices.skm = await response.json();
  } catch {
    // kept: the panel shows what it had, and the next refresh tries again
  }
}
function rotateCounters() {
  if (notices.showing) notices.hide();
  else notices.turned();
  if (notices.due(counterPages.pages.length)) {
    setTimeout(rotateCounters, notices.show() * 1000);
    return;
  }
  counterPages.next();
  setTimeout(rotateCounters, facts.rotate_seconds * 1000);
}

function startTicker() {
  const text = (facts.ticker || '').trim();
  const bar = $('ticker-bar');
  const node = $('ticker');
  for (const running of node.getAnimations()) running.cancel();
  bar.classList.toggle('empty', !text);
  node.textContent = text;
  if (!text) return;
  const track = node.parentElement.clientWidth;
  const width = node.scrollWidth;
  node.animate(
    [{ transform: `translate(${track}px, -50%)` }, { transform: `translate(${-width}px, -50%)` }],
    { duration: ((track + width) / 110) * 1000, iterations: Infinity },
  );
}

showHeader();
layout();
tick();
setInterval(tick, 1000);
setInterval(() => waitingPages.next(), facts.rotate_seconds * 1000);
setTimeout(rotateCounters, facts.rotate_seconds * 1000);
startTicker();
loadSkm();
setInterval(loadSkm, SKM_REFRESH_MS);
window.addEventListener('resize', fit);

// The announcements module, when installed, listens for "antre:called" and plays the audio.
import('./announcer.js').catch(() => {});

window.antreDisplay = { live, model, counterPages, waitingPages, notices, facts: () => facts };
