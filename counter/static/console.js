// The officer console: show the counter's current ticket, waiting list and day figures; run the
// actions from buttons or single keys. One action at a time: every action button is disabled while
// a request is in flight, so a double click or a held key calls one ticket, not two.

import { api, ApiProblem } from './api.js';
import { clockTime, duration, minutesBetween, pair, priorityLabel, seconds } from './format.js';
import { both, langs, t } from '/static/js/i18n.js';

const settings = JSON.parse(document.getElementById('console-settings').textContent);
const counterId = settings.counter.id;
const base = `/counters/${encodeURIComponent(counterId)}`;
const POLL_MS = settings.live ? 30000 : 4000;
const $ = (id) => document.getElementById(id);

const view = { counter: null, waiting: [], waitingCount: 0, today: null };
let busy = false;
let refreshTimer = null;
let refreshing = null;
let leaving = false; // logging out: a refresh answered 401 meanwhile must not send us to the log-in page first

// --- messages ---------------------------------------------------------------------------------
let messageTimer = null;

function say(text, kind = 'error') {
  const box = $('message');
  box.textContent = text;
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
  if (refreshing) return refreshing;
  refreshing = (async () => {
    try {
      const [state, waiting, today] = await Promise.all([
        api('GET', '/state'),
        api('GET', `${base}/waiting?limit=10`),
        api('GET', `${base}/today`),
      ]);
      view.counter = state.counters.find((c) => c.id === counterId) || null;
      view.waitingCount = settings.counter.services.reduce((sum, code) => sum + (state.waiting[code] || 0), 0);
      knownCounts = myCounts(state.waiting);
      view.waiting = waiting;
      view.today = today;
      render();
      setConnection(settings.live && socketConnected ? 'live' : 'polling');
    } catch (problem) {
      handleProblem(problem);
      setConnection('offline');
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
  el.dataset.state = state;
  el.innerHTML = both(`console.connection.${state}`);
}

// --- rendering --------------------------------------------------------------------------------
function render() {
  renderCounterStatus();
  renderCurrent();
  renderWaiting();
  renderToday();
  renderButtons();
}

function renderCounterStatus() {
  const paused = view.counter?.status === 'paused';
  const pill = $('counter-status');
  pill.dataset.status = paused ? 'paused' : 'open';
  pill.innerHTML = paused
    ? `${both('console.paused')}${view.counter.pause_reason ? ` · ${escapeHtml(view.counter.pause_reason)}` : ''}`
    : both('console.open');
}

function renderCurrent() {
  const ticket = view.counter?.ticket;
  const paused = view.counter?.status === 'paused';
  $('current').dataset.state = ticket ? ticket.status : paused ? 'paused' : 'empty';
  $('current-ticket').hidden = !ticket;
  $('current-empty').hidden = Boolean(ticket);
  $('ticket-status').innerHTML = ticket
    ? both(ticket.status === 'serving' ? 'console.serving' : 'console.called')
    : '';
  if (!ticket) {
    $('empty-title').textContent = paused
      ? t(langs[0], 'console.paused_title', { reason: view.counter.pause_reason || '' })
      : t(langs[0], 'console.none_called');
    $('empty-hint').innerHTML = both(paused ? 'console.hint_resume' : view.waitingCount ? 'console.hint_call' : 'console.nobody_yet');
    return;
  }
  $('ticket-number').textContent = ticket.number;
  $('ticket-service').textContent = `${ticket.service} · ${ticket.service_name}`;
  $('ticket-agency').textContent = ticket.agency;
  const badge = $('ticket-priority');
  badge.hidden = !ticket.priority;
  badge.textContent = priorityLabel(ticket.priority);
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
  $('waiting-services').textContent = more > 0 ? `${services} · ${pair('console.more', { num: more })}` : services;
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
      ${ticket.priority ? `<span class="priority-tag">${escapeHtml(priorityLabel(ticket.priority))}</span>` : ''}</span>
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
    button.disabled = busy || !allowed(button.dataset.action);
  }
  for (const button of document.querySelectorAll('[data-call-ticket]')) {
    button.disabled = busy || paused;
  }
}

// --- actions ----------------------------------------------------------------------------------
async function perform(button, path, body, describe) {
  if (busy) return;
  busy = true;
  button?.setAttribute('aria-busy', 'true');
  renderButtons();
  clearMessage();
  try {
    const result = await api('POST', path, body);
    const words = describe(result);
    if (words) say(words, 'info');
  } catch (problem) {
    handleProblem(problem);
  } finally {
    busy = false;
    button?.removeAttribute('aria-busy');
    await refresh();
  }
}

// What the message line says after each simple action (console.did.<action> in the catalogue).
const SIMPLE = {
  'call-next': (ticket) => (ticket ? pair('console.did.call', { number: ticket.number }) : pair('console.did.nobody')),
  recall: (ticket) => pair('console.did.recall', { number: ticket.number }),
  start: (ticket) => pair('console.did.start', { number: ticket.number }),
  complete: (ticket) => pair('console.did.complete', { number: ticket.number }),
  'no-show': (ticket) => pair('console.did.no-show', { number: ticket.number }),
  resume: () => pair('console.did.resume'),
};

function runAction(action, button) {
  if (busy) return;
  if (!allowed(action)) {
    say(langs.map((lang) => t(lang, 'console.not_available', { action: t(lang, `console.action.${action}`) })).join(' / '), 'hint');
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
  perform(button, `${base}/call`, { ticket_id: ticketId }, (ticket) => pair('console.did.call', { number: ticket.number }));
}

function reprint(button) {
  const ticket = view.counter.ticket;
  perform(button, `/tickets/${encodeURIComponent(ticket.id)}/reprint`, {}, () => pair('console.did.reprint', { number: ticket.number }));
}

// --- dialogs ----------------------------------------------------------------------------------
function openDialog(dialog) {
  clearMessage();
  dialog.showModal();
}

function closeDialogs() {
  for (const dialog of document.querySelectorAll('dialog[open]')) dialog.close();
}

function openTransfer() {
  const ticket = view.counter.ticket;
  $('transfer-ticket').textContent = ticket.number;
  const select = $('transfer-service');
  select.replaceChildren(...settings.services.filter((s) => s.code !== ticket.service).map((s) => {
    const option = document.createElement('option');
    option.value = s.code;
    option.textContent = `${s.code} — ${s.name} (${s.agency})`;
    return option;
  }));
  select.selectedIndex = 0;
  $('transfer-note').value = '';
  openDialog($('transfer-dialog'));
  select.focus();
}

function submitTransfer(event) {
  event.preventDefault();
  const service = $('transfer-service').value;
  if (!service) return;
  const note = $('transfer-note').value.trim();
  closeDialogs();
  perform($('btn-transfer'), `${base}/transfer`, note ? { service, note } : { service },
    (ticket) => pair('console.did.transfer', { number: ticket.number, service: serviceName(service) }));
}

function openCall() {
  const list = $('call-choices');
  list.replaceChildren(...view.waiting.map((ticket, index) => {
    const item = document.createElement('li');
    const button = document.createElement('button');
    button.type = 'button';
    button.className = `btn choice-key${ticket.priority ? ' priority' : ''}`;
    button.dataset.callTicket = ticket.id;
    button.dataset.key = String((index + 1) % 10);
    button.innerHTML = `<kbd>${(index + 1) % 10}</kbd> <strong>${escapeHtml(ticket.number)}</strong> ${escapeHtml(ticket.service_name)}
      ${ticket.priority ? `<span class="priority-tag">${escapeHtml(priorityLabel(ticket.priority))}</span>` : ''}`;
    item.append(button);
    return item;
  }));
  openDialog($('call-dialog'));
}

function pause(reason, button) {
  closeDialogs();
  perform(button, `${base}/pause`, { reason }, () => pair('console.did.pause', { reason: t(langs[0], `pause.${reason}`) }));
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
  const target = [...document.querySelectorAll('[data-key]')]
    .find((el) => !el.hidden && !el.closest('dialog') && el.dataset.key.split(' ').includes(name));
  if (!target) return;
  // Space and Enter would also "click" the focused button: the shortcut is the only thing they do.
  event.preventDefault();
  if (event.repeat) return;
  if (target.id === 'logout') target.form.requestSubmit();
  else runAction(target.dataset.action, target);
}

function dialogKey(dialog, event) {
  if (dialog.id === 'transfer-dialog') {
    if (event.key === 'Enter' && !event.repeat && !event.target.closest('button')) submitTransfer(event);
    return;
  }
  const name = keyName(event);
  const choice = dialog.querySelector(`[data-key="${CSS.escape(name)}"]`);
  if (!choice || event.repeat) return;
  event.preventDefault();
  choice.click();
}

function onClick(event) {
  // A clicked button must not keep the focus: Space and Enter belong to Next, not to the last button used.
  event.target.closest('button')?.blur();
  const close = event.target.closest('[data-close]');
  if (close) return closeDialogs();
  const callButton = event.target.closest('[data-call-ticket]');
  if (callButton) return callTicket(callButton.dataset.callTicket, callButton);
  const reason = event.target.closest('[data-reason]');
  if (reason) return pause(reason.dataset.reason, reason);
  const action = event.target.closest('[data-action]');
  if (action) runAction(action.dataset.action, action);
}

// --- errors -----------------------------------------------------------------------------------
function handleProblem(problem) {
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

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
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
  socket.on('connect', () => { socketConnected = true; });
  socket.on('disconnect', () => {
    socketConnected = false;
    setConnection('polling');
  });
  socket.on('state', () => scheduleRefresh(0));
  socket.on('queue', (message) => {
    const counts = myCounts(message.waiting || {});
    if (counts !== knownCounts) scheduleRefresh();
  });
  socket.on('counter', (message) => { if (message.counter?.id === counterId) scheduleRefresh(); });
  socket.on('called', (message) => { if (message.counter?.id === counterId) scheduleRefresh(); });
}

document.addEventListener('keydown', onKey);
$('logout')?.form.addEventListener('submit', () => { leaving = true; });
document.addEventListener('click', onClick);
$('transfer-form').addEventListener('submit', submitTransfer);
// A closed dialog must not keep the keyboard focus, or the next shortcut would go to its fields.
for (const dialog of document.querySelectorAll('dialog')) {
  dialog.addEventListener('close', () => { if (dialog.contains(document.activeElement)) document.activeElement.blur(); });
}
document.addEventListener('visibilitychange', () => { if (!document.hidden) scheduleRefresh(0); });
setInterval(() => { if (!document.hidden && !busy) refresh(); }, POLL_MS);
connectLive();
refresh();
