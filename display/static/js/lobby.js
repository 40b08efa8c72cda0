// The lobby display: now calling, every counter (grouped by agency, in rotating pages), the last
// calls, the waiting counts and the ticker. Everything shown comes from the live channel.
//
// Audio hook: each new call is dispatched on `document` as a CustomEvent "antre:called" whose
// detail is the `called` message (number, counter, audio_url, caption, recall). The announcements
// module /display/static/js/announcer.js, when present, is imported below and plays audio_url.

import { Live, clockParts, el } from './live.js';
import { Pager } from './pages.js';
import { langs, t } from '/static/js/i18n.js';

const FRESH_MS = 8000;
const facts = JSON.parse(document.getElementById('hall-facts').textContent);
const screen = facts.screen;
const shown = (agency) => !screen || screen.agencies.includes(agency);
const counters = facts.counters.filter((c) => shown(c.agency));
const services = facts.services.filter((s) => shown(s.agency));
const serviceByCode = Object.fromEntries(facts.services.map((s) => [s.code, s]));
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
  tile.append(el('div', 'name', counter.name), el('div', 'number', '—'), el('div', 'reason'));
  tiles.set(counter.id, tile);
  return tile;
}

function buildGroup(agency, list, continued = false) {
  const group = el('div', 'group');
  group.dataset.agency = agency;
  const name = el('div', 'group-name', agency);
  if (continued) name.append(el('span', 'more', ` ${t(langs[0], 'display.continued')}`));
  const row = el('div', 'tiles');
  row.append(...list.map((c) => tiles.get(c.id) || buildTile(c)));
  group.append(name, row);
  group.counters = list;
  return group;
}

function splitGroup(group, fits) {
  // An agency with more counters than a page holds: as many as fit here, the rest continue.
  const list = group.counters;
  let n = list.length - 1;
  while (n > 0 && !fits(buildGroup(group.dataset.agency, list.slice(0, n)))) n -= 1;
  if (n === 0) return null;
  return [buildGroup(group.dataset.agency, list.slice(0, n)), buildGroup(group.dataset.agency, list.slice(n), true)];
}

function groups() {
  const byAgency = new Map();
  for (const c of counters) {
    if (!byAgency.has(c.agency)) byAgency.set(c.agency, []);
    byAgency.get(c.agency).push(c);
  }
  return [...byAgency].map(([agency, list]) => buildGroup(agency, list));
}

function buildChip(service) {
  const chip = el('div', 'chip none');
  chip.dataset.service = service.code;
  chip.title = service.name;
  chip.append(el('div', 'code', service.code), el('div', 'svc', service.name), el('div', 'count', '0'));
  chips.set(service.code, chip);
  return chip;
}

const counterPages = new Pager($('pages'), $('pager'));
const waitingPages = new Pager($('waiting'));

function layout() {
  fit();
  counterPages.fill(groups(), splitGroup);
  waitingPages.fill(services.map((s) => chips.get(s.code) || buildChip(s)));
}

// --- showing ------------------------------------------------------------------------------------
function showCounter(counter) {
  model.counters.set(counter.id, counter);
  const tile = tiles.get(counter.id);
  if (!tile) return;
  const paused = counter.status === 'paused';
  const ticket = counter.ticket;
  tile.classList.toggle('paused', paused);
  tile.classList.toggle('idle', !paused && !ticket);
  tile.classList.toggle('called', !paused && ticket?.status === 'called');
  tile.classList.toggle('serving', !paused && ticket?.status === 'serving');
  tile.querySelector('.number').textContent = paused ? t(langs[0], 'display.break_number') : ticket ? ticket.number : '—';
  tile.querySelector('.reason').textContent = paused ? counter.pause_reason || '' : '';
}

function showWaiting(waiting) {
  model.waiting = waiting;
  for (const [code, chip] of chips) {
    const n = waiting[code] ?? 0;
    chip.querySelector('.count').textContent = String(n);
    chip.classList.toggle('none', n === 0);
  }
}

function callView(call) {
  const service = serviceByCode[call.ticket.service];
  return {
    number: call.ticket.number,
    counter: call.counter.name,
    agency: call.ticket.agency || service?.agency || '',
    service: call.ticket.service_name || service?.name || '',
    recall: call.recall,
  };
}

function showNow(call, fresh) {
  const panel = $('calling');
  if (!call) {
    panel.classList.add('idle');
    $('now-number').textContent = '—';
    $('now-counter').textContent = t(langs[0], 'display.no_call');
    $('now-agency').textContent = '';
    $('now-caption').textContent = '';
    return;
  }
  const view = callView(call);
  panel.classList.remove('idle');
  $('now-number').textContent = view.number;
  $('now-counter').textContent = view.counter;
  $('now-agency').textContent = [view.agency, view.service].filter(Boolean).join(' · ');
  $('now-caption').textContent = view.recall ? langs.map((lang) => t(lang, 'display.recall')).join(' · ') : call.caption || '';
  if (fresh) flash(panel, 'now');
}

function flash(node, key) {
  node.classList.remove('fresh');
  void node.offsetWidth; // restart the animation for a recall of the same number
  node.classList.add('fresh');
  clearTimeout(freshTimers.get(key));
  freshTimers.set(key, setTimeout(() => node.classList.remove('fresh'), FRESH_MS));
}

function showRecent() {
  const list = $('recent');
  list.replaceChildren(...model.recent.slice(0, 10).map((call, i) => {
    const item = el('li', [i === 0 ? 'first' : '', call.recall ? 'recall' : ''].join(' ').trim());
    item.append(el('span', 'number', call.ticket.number), el('span', 'to', call.counter.name));
    return item;
  }));
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

// --- header, ticker, rotation -------------------------------------------------------------------
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

function startTicker() {
  const text = (facts.ticker || '').trim();
  const bar = $('ticker-bar');
  if (!text) { bar.classList.add('empty'); return; }
  const node = $('ticker');
  node.textContent = text;
  const track = node.parentElement.clientWidth;
  const width = node.scrollWidth;
  node.animate(
    [{ transform: `translate(${track}px, -50%)` }, { transform: `translate(${-width}px, -50%)` }],
    { duration: ((track + width) / 110) * 1000, iterations: Infinity },
  );
}

if (screen) $('screen-name').textContent = screen.name;
layout();
tick();
setInterval(tick, 1000);
setInterval(() => { counterPages.next(); waitingPages.next(); }, facts.rotate_seconds * 1000);
startTicker();
window.addEventListener('resize', fit);

// The announcements module, when installed, listens for "antre:called" and plays the audio.
import('./announcer.js').catch(() => {});

window.antreDisplay = { live, model, counterPages, waitingPages };
