// The officer console: show the counter's current ticket, waiting list and day figures; run the
// actions from buttons or single keys. One action at a time: every action button is disabled while
// a request is in flight, so a double click or a held key calls one ticket, not two. While the server
// cannot be reached, a banner says so and every action waits (disabled) until it answers again.

import { api, ApiProblem, unreachable } from './api.js';
import { clockTime, duration, minutesBetween, pair, pairHtml, priorityLabel, seconds } from './format.js';
import { matches, normalise, words } from './search.js';
import { both, escapeHtml, langs, t } from '/static/js/i18n.js';

let settings = JSON.parse(document.getElementById('console-settings').textContent); // replaced after a setup change
const counterId = settings.counter.id;
const base = `/counters/${encodeURIComponent(counterId)}`;
const POLL_MS = settings.live ? 30000 : 4000;
// A console behind the agency's own application still holds its counter: hidden, it reads (and so
// reports itself to the server's idle rule, counter_idle_minutes) this often.
const HIDDEN_POLL_MS = 30000;
// A stopped server (or a cut cable) closes no socket: when nothing has been heard for HEARTBEAT_MS
// (looked at every WATCH_MS), the console asks the server, and an answer missing for
// HEARTBEAT_TIMEOUT_MS more means offline: the banner shows within 1.5 + 0.5 + 2 = 4 s. While offline
// it asks again every RETRY_MS. A busy hall's live messages count as heard, so it asks only when quiet.
const HEARTBEAT_MS = 1500;
const WATCH_MS = 500;
const HEARTBEAT_TIMEOUT_MS = 2000;
const RETRY_MS = 1500;
const READ_TIMEOUT_MS = 8000;
const $ = (id) => document.getElementById(id);

const view = { counter: null, waiting: [], waitingCount: 0, today: null };
let busy = false;
let refreshTimer = null;
let refreshing = null;
let leaving = false; // logging out or leaving: a refresh answered 401 meanwhile must not send us to the log-in page first
let gone = false; // the counter was removed (or taken from this officer) by a setup change
let online = true;
let lastHeard = Date.now();
let lastRead = 0;

// --- messages ---------------------------------------------------------------------------------
let messageTimer = null;

function say(text, kind = 'error') {
  sayHtml(escapeHtml(text), kind);
}

/** The message line is a live region (role=alert): a screen reader reads each result as it comes. */
function sayHtml(markup, kind = 'error') {
  const box = $('message');
  box.innerHTML = markup;
  box.dataset.kind = kind;
  box.hidden = false;
  clearTimeout(messageTimer);
  if (kind !== 'error') messageTimer = setTimeout(() => { box.hidden = true; }, 4000);
}

function clearMessage() {
  $('message').hidden = true;
}

// --- reading the state ------------------------------------------------------------------------
async function refresh() {
  if (gone) return null;
  if (refreshing) return refreshing;
  refreshing = (async () => {
    try {
      const read = { timeout: READ_TIMEOUT_MS };
      const [state, waiting, today] = await Promise.all([
        api('GET', '/state', undefined, read),
        api('GET', `${base}/waiting?limit=10`, undefined, read),
        api('GET', `${base}/today`, undefined, read),
      ]);
      heard();
      lastRead = Date.now();
      view.counter = state.counters.find((c) => c.id === counterId) || null;
      view.waitingCount = settings.counter.services.reduce((sum, code) => sum + (state.waiting[code] || 0), 0);
      knownCounts = myCounts(state.waiting);
      view.waiting = waiting;
      view.today = today;
      render();
      setConnection(settings.live && socketConnected ? 'live' : 'polling');
    } catch (problem) {
      handleProblem(problem);
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

function scheduleRefresh(delay = 120) {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(refresh, delay);
}

function setConnection(state) {
  const el = $('connection');
  const shown = online ? state : 'offline';
  if (el.dataset.state === shown) return;
  el.dataset.state = shown;
  el.innerHTML = both(`console.connection.${shown}`);
}

// --- staying connected --------------------------------------------------------------------------
/** Something came from the server: it is up. Coming back from offline, read what was missed. */
function heard() {
  lastHeard = Date.now();
  if (online) return;
  online = true;
  $('offline-banner').hidden = true;
  setConnection(settings.live && socketConnected ? 'live' : 'polling');
  renderButtons();
  recover();
}

/** The server did not answer: say so and hold every action until it does. */
function lost() {
  if (!online || leaving) return; // leaving the page closes its socket too: that is no outage
  online = false;
  $('offline-banner').hidden = false;
  clearMessage();
  setConnection('offline');
  renderButtons();
}

async function recover() {
  await takeCounter();
  await refresh();
}

async function checkServer() {
  try {
    await api('GET', '/auth/me', undefined, { timeout: HEARTBEAT_TIMEOUT_MS });
    heard();
  } catch (problem) {
    if (unreachable(problem)) lost();
    else handleProblem(problem);
  }
}

async function watch() {
  if (!online || Date.now() - lastHeard >= HEARTBEAT_MS) await checkServer();
  setTimeout(watch, online ? WATCH_MS : RETRY_MS);
}

// --- taking and leaving the counter --------------------------------------------------------------
/** The counter is open while its officer has the console up: on opening the page, and again after an
 * outage long enough for the server to have closed it as idle. Opening keeps a pause as it is. */
async function takeCounter() {
  if (leaving || !online) return;
  try {
    await api('POST', `${base}/open`, {});
  } catch (problem) {
    handleProblem(problem);
  }
}

async function leave() {
  if (busy || !online) return;
  busy = true;
  leaving = true;
  renderButtons();
  try {
    await api('POST', `${base}/close`, {});
    window.location.assign(`/counter?left=${encodeURIComponent(counterId)}`);
  } catch (problem) {
    leaving = false;
    busy = false;
    handleProblem(problem);
    renderButtons();
  }
}

// --- rendering --------------------------------------------------------------------------------
function render() {
  const place = focusPlace();
  renderCounterStatus();
  renderCurrent();
  renderWaiting();
  renderToday();
  renderButtons();
  restoreFocus(place);
}

// --- keeping the keyboard focus ------------------------------------------------------------------
// The waiting list is drawn anew on every refresh, and a button is disabled while its action runs:
// either would drop a keyboard user's focus to the page. Where it was is kept by what it stands for
// (a button's id, a waiting ticket and its row), and given back once the page is drawn again.
function focusPlace() {
  const focused = document.activeElement;
  if (!focused || focused === document.body || focused.closest('dialog')) return null;
  if (focused.dataset.callTicket) {
    const rows = [...$('waiting-list').querySelectorAll('[data-call-ticket]')];
    return { ticket: focused.dataset.callTicket, row: rows.indexOf(focused) };
  }
  return focused.id ? { id: focused.id } : null;
}

/** Focus the same button again, or for a ticket no longer waiting the one now in its row; never
 * takes the focus from wherever the officer has put it meanwhile. */
function restoreFocus(place) {
  if (!place || (document.activeElement && document.activeElement !== document.body)) return;
  const rows = [...$('waiting-list').querySelectorAll('[data-call-ticket]')];
  const target = place.id
    ? $(place.id)
    : rows.find((button) => button.dataset.callTicket === place.ticket) || rows[Math.min(place.row, rows.length - 1)];
  if (target && !target.disabled && !target.hidden) target.focus();
}

function renderCounterStatus() {
  const status = view.counter?.status || 'closed';
  const pill = $('counter-status');
  pill.hidden = !view.counter;
  pill.dataset.status = status;
  pill.innerHTML = status === 'paused' ? pausedWords(view.counter.pause_reason) : both(`console.${status}`);
  $('btn-open').hidden = status !== 'closed';
}

/** "Jeda · Sholat" with "Paused · Prayer" beneath: the state and its reason, each language on its own. */
function pausedWords(reason) {
  const [first, second] = langs.map((lang) => escapeHtml(`${t(lang, 'console.paused')} · ${t(lang, pauseKey(reason))}`));
  return `${first} <span class="en" lang="${langs[1]}">${second}</span>`;
}

/** The words for a pause reason: the console sends codes; any other text reads as "other". */
function pauseKey(reason) {
  return `pause.${settings.pause_reasons.includes(reason) ? reason : 'lainnya'}`;
}

function renderCurrent() {
  const ticket = view.counter?.ticket;
  const paused = view.counter?.status === 'paused';
  const closed = view.counter?.status === 'closed';
  $('current').dataset.state = ticket ? ticket.status : paused ? 'paused' : closed ? 'closed' : 'empty';
  $('current-ticket').hidden = !ticket;
  $('current-empty').hidden = Boolean(ticket);
  $('ticket-status').innerHTML = ticket
    ? both(ticket.status === 'serving' ? 'console.serving' : 'console.called')
    : '';
  if (!ticket) {
    $('empty-title').textContent = paused
      ? t(langs[0], 'console.paused_title', { reason: t(langs[0], pauseKey(view.counter.pause_reason)) })
      : t(langs[0], closed ? 'console.closed_title' : 'console.none_called');
    $('empty-hint').innerHTML = both(paused ? 'console.hint_resume' : closed ? 'console.hint_open' : view.waitingCount ? 'console.hint_call' : 'console.nobody_yet');
    return;
  }
  $('ticket-number').textContent = ticket.number;
  $('ticket-service').textContent = `${ticket.service} · ${ticket.service_name}`;
  $('ticket-agency').textContent = ticket.agency;
  const badge = $('ticket-priority');
  badge.hidden = !ticket.priority;
  badge.innerHTML = priorityLabel(ticket.priority);
  $('fact-issued').textContent = clockTime(ticket.issued_at, settings.timezone);
  $('fact-waited').textContent = duration(minutesBetween(ticket.issued_at, ticket.called_at));
  $('fact-calls').textContent = `${ticket.call_count}×`;
  $('fact-from').textContent = ticket.transferred_from ? serviceName(ticket.transferred_from) : '–';
}

function renderWaiting() {
  $('waiting-count').textContent = view.waitingCount;
  const list = $('waiting-list');
  list.replaceChildren(...view.waiting.map(waitingItem));
  $('waiting-empty').hidden = view.waiting.length > 0;
  const more = view.waitingCount - view.waiting.length;
  const services = t(langs[0], 'console.waiting_services', { codes: settings.counter.services.join(', ') });
  $('waiting-services').innerHTML = more > 0 ? `${escapeHtml(services)} · ${pairHtml('console.more', { num: more })}` : escapeHtml(services);
  const next = view.counter?.status === 'paused' ? null : view.waiting[0];
  $('next-up').textContent = next ? `→ ${next.number}` : '';
}

function waitingItem(ticket, index) {
  const item = document.createElement('li');
  item.className = ticket.priority ? 'priority' : '';
  item.dataset.ticket = ticket.number;
  const waited = duration(minutesBetween(ticket.issued_at, new Date().toISOString()));
  item.innerHTML = `
    <span class="position">${index + 1}</span>
    <span class="number">${escapeHtml(ticket.number)}</span>
    <span class="info"><span class="svc">${escapeHtml(ticket.service_name)}</span>
      ${ticket.priority ? `<span class="priority-tag">${priorityLabel(ticket.priority)}</span>` : ''}</span>
    <span class="waited">${waited}</span>`;
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'btn small call-this';
  button.dataset.callTicket = ticket.id;
  button.innerHTML = both('console.call_this');
  button.title = pair('console.call_this_title', { number: ticket.number });
  item.append(button);
  return item;
}

function renderToday() {
  const today = view.today;
  if (!today) return;
  $('today-served').textContent = today.served;
  $('today-no-shows').textContent = today.no_shows;
  $('today-service').textContent = seconds(today.avg_service_seconds);
  $('today-wait').textContent = seconds(today.avg_wait_seconds);
}

// Which actions make sense now; the server enforces the same rules and answers in words anyway.
function allowed(action) {
  const ticket = view.counter?.ticket;
  const status = ticket?.status;
  const paused = view.counter?.status === 'paused';
  switch (action) {
    case 'call-next': return Boolean(view.counter) && !paused;
    case 'recall': case 'start': case 'no-show': return status === 'called';
    case 'complete': case 'transfer': return status === 'called' || status === 'serving';
    case 'call': return Boolean(view.counter) && !paused && view.waiting.length > 0;
    case 'pause': return Boolean(view.counter) && !paused && !ticket;
    case 'resume': return paused;
    case 'reprint': return Boolean(ticket);
    default: return false;
  }
}

function renderButtons() {
  const paused = view.counter?.status === 'paused';
  $('btn-pause').hidden = paused;
  $('btn-resume').hidden = !paused;
  for (const button of document.querySelectorAll('[data-action]')) {
    button.disabled = busy || !online || !allowed(button.dataset.action);
  }
  for (const button of document.querySelectorAll('[data-call-ticket]')) {
    button.disabled = busy || !online || paused;
  }
  for (const button of document.querySelectorAll('[data-control], [data-reason]')) {
    button.disabled = busy || !online;
  }
}

// --- actions ----------------------------------------------------------------------------------
async function perform(button, path, body, describe) {
  if (busy || !online) return;
  const place = focusPlace();
  busy = true;
  button?.setAttribute('aria-busy', 'true');
  renderButtons();
  clearMessage();
  try {
    const result = await api('POST', path, body);
    const words = describe(result);
    if (words) sayHtml(words, 'info');
  } catch (problem) {
    handleProblem(problem);
  } finally {
    busy = false;
    button?.removeAttribute('aria-busy');
    await refresh();
    restoreFocus(place);
  }
}

// What the message line says after each simple action (console.did.<action> in the catalogue).
const SIMPLE = {
  'call-next': (ticket) => (ticket ? pairHtml('console.did.call', { number: ticket.number }) : pairHtml('console.did.nobody')),
  recall: (ticket) => pairHtml('console.did.recall', { number: ticket.number }),
  start: (ticket) => pairHtml('console.did.start', { number: ticket.number }),
  complete: (ticket) => pairHtml('console.did.complete', { number: ticket.number }),
  'no-show': (ticket) => pairHtml('console.did.no-show', { number: ticket.number }),
  resume: () => pairHtml('console.did.resume'),
};

function runAction(action, button) {
  if (busy || !online) return;
  if (!allowed(action)) {
    const [first, second] = langs.map((lang) => escapeHtml(t(lang, 'console.not_available', { action: t(lang, `console.action.${action}`) })));
    sayHtml(`${first} / <span lang="${langs[1]}">${second}</span>`, 'hint');
    return;
  }
  if (SIMPLE[action]) perform(button, `${base}/${action}`, undefined, SIMPLE[action]);
  else if (action === 'transfer') openTransfer();
  else if (action === 'pause') openDialog($('pause-dialog'));
  else if (action === 'call') openCall();
  else if (action === 'reprint') reprint(button);
}

function callTicket(ticketId, button) {
  closeDialogs();
  perform(button, `${base}/call`, { ticket_id: ticketId }, (ticket) => pairHtml('console.did.call', { number: ticket.number }));
}

function reprint(button) {
  const ticket = view.counter.ticket;
  perform(button, `/tickets/${encodeURIComponent(ticket.id)}/reprint`, {}, () => pairHtml('console.did.reprint', { number: ticket.number }));
}

// --- dialogs ----------------------------------------------------------------------------------
function openDialog(dialog) {
  clearMessage();
  dialog.showModal();
}

function closeDialogs() {
  for (const dialog of document.querySelectorAll('dialog[open]')) dialog.close();
}

// --- transfer: 300 services, found by typing -----------------------------------------------------
// Each service's search text is made once; every keystroke only shows or hides the options.
let serviceIndex = indexServices();

function indexServices() {
  return settings.services.map((service) => ({
    ...service,
    haystack: normalise([service.code, service.name, service.agency, service.agency_short, ...service.keywords].join(' ')),
  }));
}
let transferOptions = [];
let transferChoice = null;

function openTransfer() {
  const ticket = view.counter.ticket;
  $('transfer-ticket').textContent = ticket.number;
  $('transfer-services').replaceChildren(...transferGroups(ticket.service));
  transferOptions = [...$('transfer-services').querySelectorAll('[role=option]')];
  $('transfer-search').value = '';
  $('transfer-note').value = '';
  openDialog($('transfer-dialog'));
  filterTransfer();
  $('transfer-search').focus();
}

/** Every other service as an option, under its agency's heading (short name large, full name after it). */
function transferGroups(except) {
  const byAgency = new Map();
  for (const service of serviceIndex.filter((s) => s.code !== except)) {
    if (!byAgency.has(service.agency)) byAgency.set(service.agency, []);
    byAgency.get(service.agency).push(service);
  }
  return [...byAgency.values()].map((services) => {
    const { agency, agency_short: short } = services[0];
    const group = document.createElement('div');
    group.className = 'service-group';
    group.setAttribute('role', 'group');
    group.setAttribute('aria-label', agency);
    group.innerHTML = `<div class="service-group-head"><strong>${escapeHtml(short || agency)}</strong>${short ? ` <span>${escapeHtml(agency)}</span>` : ''}</div>`;
    group.append(...services.map(serviceOption));
    return group;
  });
}

function serviceOption(service) {
  const option = document.createElement('div');
  option.id = `transfer-option-${service.code}`;
  option.className = 'service-option';
  option.setAttribute('role', 'option');
  option.setAttribute('aria-selected', 'false');
  option.dataset.code = service.code;
  option.dataset.haystack = service.haystack;
  option.innerHTML = `<span class="code">${escapeHtml(service.code)}</span> <span class="name">${escapeHtml(service.name)}</span>`;
  return option;
}

/** Shows the services matching what is typed; the one whose code was typed exactly, or else the first, is chosen. */
function filterTransfer() {
  const query = $('transfer-search').value;
  const wanted = words(query);
  for (const option of transferOptions) option.hidden = !matches(option.dataset.haystack, wanted);
  for (const group of $('transfer-services').children) group.hidden = !group.querySelector('[role=option]:not([hidden])');
  const shown = transferOptions.filter((option) => !option.hidden);
  $('transfer-none').hidden = shown.length > 0;
  const code = normalise(query).trim();
  chooseTransfer(shown.find((option) => option.dataset.code.toLowerCase() === code) || shown[0] || null);
}

function chooseTransfer(option) {
  transferChoice?.setAttribute('aria-selected', 'false');
  transferChoice = option;
  $('transfer-search').setAttribute('aria-activedescendant', option ? option.id : '');
  if (!option) return;
  option.setAttribute('aria-selected', 'true');
  option.scrollIntoView({ block: 'nearest' });
}

function moveTransferChoice(step) {
  const shown = transferOptions.filter((option) => !option.hidden);
  if (!shown.length) return;
  const index = shown.indexOf(transferChoice);
  chooseTransfer(shown[Math.min(shown.length - 1, Math.max(0, index + step))]);
}

function submitTransfer(event) {
  event.preventDefault();
  if (!transferChoice || busy || !online) return;
  const service = transferChoice.dataset.code;
  const note = $('transfer-note').value.trim();
  closeDialogs();
  perform($('btn-transfer'), `${base}/transfer`, note ? { service, note } : { service },
    (ticket) => pairHtml('console.did.transfer', { number: ticket.number, service: serviceName(service) }));
}

// --- call a specific number: the next ten at once, any waiting number by typing it -----------------
let callTickets = [];

async function openCall() {
  callTickets = view.waiting;
  $('call-filter').value = '';
  filterCall();
  openDialog($('call-dialog'));
  document.activeElement.blur(); // the dialog focused its filter: digits must pick, typing a letter starts the filter
  try {
    callTickets = await api('GET', `${base}/waiting?limit=200`, undefined, { timeout: READ_TIMEOUT_MS });
  } catch (problem) {
    handleProblem(problem);
    return;
  }
  if ($('call-dialog').open) filterCall();
}

function filterCall() {
  const typed = normalise($('call-filter').value).trim();
  const shown = callTickets.filter((ticket) => normalise(ticket.number).includes(typed));
  $('call-choices').replaceChildren(...shown.map(callChoice));
  $('call-none').hidden = shown.length > 0;
  renderButtons();
}

/** The first ten carry a digit key (1 … 9, 0): the officer calls one with a single key press. */
function callChoice(ticket, index) {
  const item = document.createElement('li');
  const button = document.createElement('button');
  const key = index < 10 ? String((index + 1) % 10) : '';
  button.type = 'button';
  button.className = `btn choice-key${ticket.priority ? ' priority' : ''}`;
  button.dataset.callTicket = ticket.id;
  if (key) button.dataset.key = key;
  button.innerHTML = `${key ? `<kbd>${key}</kbd> ` : ''}<strong>${escapeHtml(ticket.number)}</strong> ${escapeHtml(ticket.service_name)}
    ${ticket.priority ? `<span class="priority-tag">${priorityLabel(ticket.priority)}</span>` : ''}`;
  item.append(button);
  return item;
}

function pause(reason, button) {
  closeDialogs();
  perform(button, `${base}/pause`, { reason }, () => pairHtml('console.did.pause', { reason: t(langs[0], `pause.${reason}`) }));
}

// --- keyboard and clicks ----------------------------------------------------------------------
function keyName(event) {
  if (event.key === ' ' || event.code === 'Space') return 'space';
  const key = event.key.length === 1 ? event.key.toLowerCase() : event.key.toLowerCase();
  return event.shiftKey && key.length === 1 ? `shift+${key}` : key;
}

function onKey(event) {
  if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
  const dialog = document.querySelector('dialog[open]');
  if (dialog) return dialogKey(dialog, event);
  if (event.target.closest?.('input, textarea, select') && !event.target.closest('dialog:not([open])')) return;
  const name = keyName(event);
  // Space and Enter belong to the focused button or link (the browser clicks it: focus on Recall and
  // Enter recalls); only with nothing focused do they call the next visitor. Letters act everywhere.
  if ((name === 'space' || name === 'enter') && event.target.closest?.('button, a[href]')) return;
  const target = [...document.querySelectorAll('[data-key]')]
    .find((el) => !el.hidden && !el.closest('dialog') && el.dataset.key.split(' ').includes(name));
  if (!target) return;
  event.preventDefault();
  if (event.repeat) return;
  if (target.id === 'logout') target.form.requestSubmit();
  else runAction(target.dataset.action, target);
}

function dialogKey(dialog, event) {
  if (event.key === 'Escape') { // a search field would take the first Esc to clear itself
    event.preventDefault();
    return closeDialogs();
  }
  if (dialog.id === 'transfer-dialog') return transferKey(event);
  if (event.target === $('call-filter')) return callFilterKey(event);
  if (dialog.id === 'call-dialog' && /^[a-z]$/i.test(event.key)) {
    $('call-filter').focus(); // a letter starts a number (A012): it goes into the filter, the digits after it too
    return;
  }
  const name = keyName(event);
  const choice = dialog.querySelector(`[data-key="${CSS.escape(name)}"]`);
  if (!choice || event.repeat) return;
  event.preventDefault();
  choice.click();
}

// In the transfer dialog the keys type the search; arrows move the choice, Enter transfers to it.
function transferKey(event) {
  if ((event.key === 'ArrowDown' || event.key === 'ArrowUp') && event.target !== $('transfer-note')) {
    event.preventDefault();
    moveTransferChoice(event.key === 'ArrowDown' ? 1 : -1);
  } else if (event.key === 'Enter' && !event.repeat && !event.target.closest('button')) {
    submitTransfer(event);
  }
}

function callFilterKey(event) {
  if (event.key !== 'Enter' || event.repeat) return;
  event.preventDefault();
  $('call-choices').querySelector('[data-call-ticket]:not(:disabled)')?.click();
}

function onClick(event) {
  // A button clicked with the mouse must not keep the focus: Space and Enter then belong to Next, not
  // to the last button used. One pressed from the keyboard (detail 0) keeps it: that is where its user is.
  if (event.detail > 0) event.target.closest('button')?.blur();
  const close = event.target.closest('[data-close]');
  if (close) return closeDialogs();
  const option = event.target.closest('#transfer-services [role=option]');
  if (option) return chooseTransfer(option);
  if (event.target.closest('#leave')) return leave();
  if (event.target.closest('#btn-open')) return perform($('btn-open'), `${base}/open`, {}, () => pairHtml('console.did.open'));
  const callButton = event.target.closest('[data-call-ticket]');
  if (callButton) return callTicket(callButton.dataset.callTicket, callButton);
  const reason = event.target.closest('[data-reason]');
  if (reason) return pause(reason.dataset.reason, reason);
  const action = event.target.closest('[data-action]');
  if (action) runAction(action.dataset.action, action);
}

// --- errors -----------------------------------------------------------------------------------
function handleProblem(problem) {
  if (unreachable(problem)) {
    lost();
    return;
  }
  if (!(problem instanceof ApiProblem)) {
    say(t(langs[0], 'console.unexpected', { message: problem.message }));
    return;
  }
  if (problem.status === 401) {
    if (leaving) return;
    window.location.assign(`/counter/login?next=${encodeURIComponent(window.location.pathname)}`);
    return;
  }
  say(problem.message);
}

function serviceName(code) {
  const service = settings.services.find((s) => s.code === code);
  return service ? `${code} · ${service.name}` : code;
}

// --- live channel (queue_server/live.py) -------------------------------------------------------
let socketConnected = false;
let knownCounts = '';

function myCounts(waiting) {
  return settings.counter.services.map((code) => waiting[code] || 0).join(',');
}

// The hall audience hears every counter; read again only when something this console shows changed.
function connectLive() {
  if (!settings.live || typeof window.io !== 'function') return;
  const socket = window.io({ transports: ['websocket', 'polling'] });
  socket.on('connect', () => {
    socketConnected = true;
    heard();
  });
  socket.on('disconnect', () => {
    socketConnected = false;
    setConnection('polling');
    checkServer(); // a restarting server closes the socket: say so now, not at the next heartbeat
  });
  socket.onAny(heard);
  socket.on('state', () => scheduleRefresh(0));
  socket.on('queue', (message) => {
    const counts = myCounts(message.waiting || {});
    if (counts !== knownCounts) scheduleRefresh();
  });
  socket.on('counter', (message) => { if (message.counter?.id === counterId) scheduleRefresh(); });
  socket.on('called', (message) => { if (message.counter?.id === counterId) scheduleRefresh(); });
  socket.on('setup', rereadSettings);
}

// --- a change of the hall's setup ---------------------------------------------------------------
/** The counter's name and services, and the hall's services, as the changed setup has them. */
async function rereadSettings() {
  let response;
  try {
    response = await fetch(`/counter/${encodeURIComponent(counterId)}/settings.json`, { cache: 'no-store' });
  } catch {
    return; // the connection check says so; the next setup message tries again
  }
  if (response.status === 404 || response.status === 403) counterGone();
  else if (response.ok) adoptSettings(await response.json());
}

function adoptSettings(fresh) {
  settings = fresh;
  serviceIndex = indexServices();
  $('counter-name').textContent = settings.counter.name;
  document.title = `${settings.counter.name} · ${document.title.split(' · ').pop()}`;
  scheduleRefresh(0);
}

/** Nothing more can be done here: say so, and offer the counter choice. */
function counterGone() {
  gone = true;
  closeDialogs();
  for (const button of document.querySelectorAll('[data-action], [data-call-ticket]')) button.disabled = true;
  const choose = `<a href="/counter" data-testid="choose-counter">${both('console.choose_other')}</a>`;
  sayHtml(`${both('console.counter_removed')} ${choose}`);
}

document.addEventListener('keydown', onKey);
$('logout')?.form.addEventListener('submit', () => { leaving = true; });
document.addEventListener('click', onClick);
$('transfer-form').addEventListener('submit', submitTransfer);
$('transfer-search').addEventListener('input', filterTransfer);
$('transfer-services').addEventListener('dblclick', (event) => { if (event.target.closest('[role=option]')) submitTransfer(event); });
$('call-filter').addEventListener('input', filterCall);
// A closed dialog must not keep the keyboard focus, or the next shortcut would go to its fields.
for (const dialog of document.querySelectorAll('dialog')) {
  dialog.addEventListener('close', () => { if (dialog.contains(document.activeElement)) document.activeElement.blur(); });
}
document.addEventListener('visibilitychange', () => { if (!document.hidden) scheduleRefresh(0); });
setInterval(() => {
  if (busy || (document.hidden && Date.now() - lastRead < HIDDEN_POLL_MS)) return;
  refresh();
}, POLL_MS);
connectLive();
takeCounter().then(refresh);
watch();
