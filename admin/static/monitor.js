// The live monitor: GET /api/v1/monitor (the API keeps an agency admin to their agency), drawn as an
// alert banner, a row per service with visitors waiting or an alert (alerts first, then the longest
// wait against its target), a compact list of the rest, and today's alert log. The staff audience of
// the live channel says `monitor` when the queue or the alerts change; the page reads again then
// (at most once a second) and every 15 s, since a wait grows with no event at all. The state of a
// wait is said in words and a sign, the bar's colour only repeats it.

import { api, ApiProblem } from '/counter/static/api.js';
import { el } from '/static/js/dom.js';
import { langs, t } from '/static/js/i18n.js';

const lang = langs[0];
const $ = (id) => document.getElementById(id);
const tools = $('monitor-tools');
const agencyFilter = $('monitor-agency');
const soundToggle = $('monitor-sound');
const clock = new Intl.DateTimeFormat(lang === 'id' ? 'id-ID' : 'en-GB', { timeStyle: 'short', timeZone: tools.dataset.timezone });
const REREAD_MS = 15000;
const SETTLE_MS = 1000;
const NEAR_SHARE = 0.8; // a wait past this share of its target is shown as near it
const SOUND_KEY = 'antre.monitor.sound';
const SIGNS = { over: '▲', near: '◆', ok: '✓', idle: '–' };

let known = new Set(); // the alerts shown, by alert and service: a new one sounds
let last = null;
let pending = null;
let audio = null;

function say(text) {
  $('monitor-message').textContent = text || '';
  $('monitor-message').hidden = !text;
}

function minutes(value) {
  return value === null ? t(lang, 'monitor.no_wait') : value.toFixed(1);
}

function waitState(service) {
  if (service.longest_wait_minutes === null) return 'idle';
  if (service.longest_wait_minutes > service.target_wait_minutes) return 'over';
  return service.longest_wait_minutes >= NEAR_SHARE * service.target_wait_minutes ? 'near' : 'ok';
}

function alertText(alert, service) {
  return t(lang, `monitor.alert_${alert.alert}`, {
    service: `${service.code} ${service.name}`,
    wait: minutes(service.longest_wait_minutes),
    target: service.target_wait_minutes,
    waiting: service.waiting,
  });
}

function counterText(counters) {
  return t(lang, 'monitor.counters_state', counters);
}

function waitCell(service) {
  const state = waitState(service);
  const cell = el('td', `monitor-wait state-${state}`);
  const label = el('span', 'monitor-wait-text', t(lang, 'monitor.wait_of_target', { wait: minutes(service.longest_wait_minutes), target: service.target_wait_minutes }));
  const bar = el('span', 'monitor-bar');
  const fill = el('span', 'monitor-bar-fill');
  const share = service.longest_wait_minutes === null ? 0 : service.longest_wait_minutes / service.target_wait_minutes;
  fill.style.width = `${Math.min(100, Math.round(share * 100))}%`;
  bar.append(fill);
  bar.setAttribute('aria-hidden', 'true');
  const status = el('span', 'monitor-state', `${SIGNS[state]} ${t(lang, `monitor.state_${state}`)}`);
  cell.append(label, bar, status);
  return cell;
}

function serviceRow(service) {
  const row = el('tr', service.alerts.length ? 'has-alert' : null);
  row.dataset.service = service.code;
  const name = el('th');
  name.scope = 'row';
  const label = el('div', 'monitor-service');
  name.append(label);
  label.append(el('span', 'monitor-code', service.code), ' ', el('span', null, service.name), el('span', 'monitor-agency', service.agency));
  for (const alert of service.alerts) label.append(el('span', 'monitor-reason', `▲ ${t(lang, `monitor.reason_${alert}`)}`));
  row.append(name, el('td', 'num monitor-waiting', String(service.waiting)), waitCell(service), el('td', 'monitor-counters', counterText(service.counters)));
  return row;
}

function restItem(service) {
  const item = el('li');
  item.dataset.service = service.code;
  item.append(el('span', 'monitor-code', service.code), ' ', el('span', null, service.name), el('span', 'monitor-counters', counterText(service.counters)));
  return item;
}

/** Alerts first (the longest past its target first), then the longest wait for its target. */
function urgency(service) {
  return (service.alerts.length ? 1000 : 0) + (service.longest_wait_minutes ?? 0) / service.target_wait_minutes;
}

function drawBanner(services) {
  const byCode = new Map(services.map((service) => [service.code, service]));
  const alerts = last.alerts.filter((alert) => byCode.has(alert.service));
  $('monitor-alert-list').replaceChildren(
    ...alerts.map((alert) => {
      const item = el('li', `alert-${alert.alert}`, `▲ ${alertText(alert, byCode.get(alert.service))}`);
      item.dataset.service = alert.service;
      item.dataset.alert = alert.alert;
      return item;
    }),
  );
  $('monitor-banner').dataset.alerts = String(alerts.length);
  $('monitor-calm').hidden = alerts.length > 0;
  return alerts;
}

function draw() {
  const agency = agencyFilter.value;
  const services = last.services.filter((service) => !agency || service.agency === agency);
  const alerts = drawBanner(services);
  const active = services.filter((service) => service.waiting || service.alerts.length).sort((a, b) => urgency(b) - urgency(a));
  const rest = services.filter((service) => !service.waiting && !service.alerts.length);
  $('monitor-active').tBodies[0].replaceChildren(...active.map(serviceRow));
  $('monitor-active-none').hidden = active.length > 0;
  $('monitor-active').hidden = !active.length;
  $('monitor-rest').replaceChildren(...rest.map(restItem));
  $('monitor-updated').textContent = t(lang, 'monitor.updated', { time: clock.format(new Date(last.at)) });
  const now = new Set(alerts.map((alert) => `${alert.alert} ${alert.service}`));
  if ([...now].some((key) => !known.has(key))) beep();
  known = now;
}

function drawLog(alerts) {
  const rows = alerts.slice().reverse().map((alert) => {
    const row = el('tr', alert.ended_at ? null : 'running');
    row.append(
      el('td', null, clock.format(new Date(alert.started_at))),
      el('td', null, alert.ended_at ? clock.format(new Date(alert.ended_at)) : t(lang, 'monitor.log_running')),
      el('td', 'num', alert.minutes.toFixed(1)),
      el('td', null, `${alert.service} ${alert.service_name}`),
      el('td', null, t(lang, `monitor.reason_${alert.alert}`)),
    );
    return row;
  });
  $('monitor-log').tBodies[0].replaceChildren(...rows);
  $('monitor-log-none').hidden = rows.length > 0;
  $('monitor-log').hidden = !rows.length;
}

async function read() {
  pending = null;
  try {
    const [state, log] = await Promise.all([api('GET', '/monitor', undefined, { timeout: 10000 }), api('GET', '/monitor/alerts', undefined, { timeout: 10000 })]);
    last = state;
    draw();
    drawLog(log.alerts);
    say('');
  } catch (problem) {
    say(problem instanceof ApiProblem && problem.code !== 'network' ? problem.message : t(lang, 'monitor.offline'));
  }
}

function reread(delay = SETTLE_MS) {
  if (pending === null) pending = setTimeout(read, delay);
}

// --- the optional sound: a short tone made here (nothing fetched), off unless chosen ------------
function beep() {
  if (!soundToggle.checked || audio === null) return;
  const tone = audio.createOscillator();
  const gain = audio.createGain();
  tone.frequency.value = 880;
  gain.gain.setValueAtTime(0.2, audio.currentTime);
  gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.4);
  tone.connect(gain).connect(audio.destination);
  tone.start();
  tone.stop(audio.currentTime + 0.4);
}

function setSound(on) {
  soundToggle.checked = on;
  localStorage.setItem(SOUND_KEY, on ? '1' : '0');
  if (on && audio === null && window.AudioContext) audio = new AudioContext(); // made on the click: browsers allow it then
}

soundToggle.addEventListener('change', () => setSound(soundToggle.checked));
soundToggle.checked = localStorage.getItem(SOUND_KEY) === '1';
if (soundToggle.checked) document.addEventListener('click', () => setSound(true), { once: true }); // audio needs a gesture after a reload
agencyFilter.addEventListener('change', () => last && draw());
tools.addEventListener('submit', (event) => event.preventDefault());

function connectLive() {
  if (typeof window.io !== 'function') return;
  const socket = window.io({ auth: { monitor: '1' }, transports: ['websocket', 'polling'] });
  socket.on('connect', () => reread(0));
  socket.on('monitor', () => reread());
  socket.on('setup', () => reread());
  socket.on('disconnect', () => say(t(lang, 'monitor.offline')));
}

read();
setInterval(() => reread(0), REREAD_MS);
connectLive();
