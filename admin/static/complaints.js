// The complaints page: the list from GET /api/v1/complaints (the API keeps an agency admin to their
// agency's, and hides a confidential complainant's contact and ticket from them), one complaint
// opened from GET /api/v1/complaints/{code}/record, changed with PATCH. Everything a complainant
// wrote is set as text, never as markup.

import { api } from '/counter/static/api.js';
import { el } from '/static/js/dom.js';
import { langs, t } from '/static/js/i18n.js';

const lang = langs[0];
const $ = (id) => document.getElementById(id);
const filters = $('complaint-filters');
const hallAdmin = filters.dataset.hallAdmin === 'true';
const locale = lang === 'id' ? 'id-ID' : 'en-GB';
const moment = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: filters.dataset.timezone });
const dayOnly = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' });
let opened = null;

const when = (iso) => (iso ? moment.format(new Date(iso)) : '–');
const day = (iso) => dayOnly.format(new Date(`${iso}T00:00:00Z`));
const statusWords = (status) => t(lang, `complaint.status.${status}`);
const EXCERPT = 80; // characters of what happened shown in the list; the whole text when opened
const excerpt = (text) => (text.length > EXCERPT ? `${text.slice(0, EXCERPT - 1)}…` : text);

function say(text, kind = 'info') {
  $('complaint-message').textContent = text;
  $('complaint-message').dataset.kind = kind;
  $('complaint-message').hidden = false;
}

function query() {
  const params = new URLSearchParams();
  if (hallAdmin && $('filter-agency').value) params.set('agency', $('filter-agency').value);
  if ($('filter-status').value) params.set('status', $('filter-status').value);
  if ($('filter-overdue').checked) params.set('overdue', '1');
  return params.toString();
}

function overdueMark() {
  return el('span', 'overdue-mark', t(lang, 'complaint.overdue_short'));
}

function row(complaint) {
  const tr = el('tr');
  tr.dataset.code = complaint.code;
  tr.dataset.status = complaint.status;
  const due = el('td', null, day(complaint.due_day));
  if (complaint.overdue) due.append(overdueMark());
  const open = el('button', 'btn small', t(lang, 'complaint.open_one'));
  open.type = 'button';
  open.setAttribute('aria-label', `${t(lang, 'complaint.open_one')} ${complaint.code}`);
  open.addEventListener('click', () => show(complaint.code));
  const action = el('td');
  action.append(open);
  tr.append(
    el('td', 'complaint-code', complaint.code),
    el('td', null, when(complaint.filed_at)),
    el('td', null, complaint.agency || t(lang, 'complaint.unassigned')),
    el('td', 'complaint-what', excerpt(complaint.what)),
    el('td', 'complaint-status', statusWords(complaint.status)),
    due,
    action,
  );
  return tr;
}

async function load() {
  try {
    const listing = await api('GET', `/complaints?${query()}`);
    $('complaint-counts').textContent = t(lang, 'complaint.counts', { open: listing.open, overdue: listing.overdue });
    $('complaint-rows').replaceChildren(...listing.complaints.map(row));
    $('complaints-none').hidden = listing.complaints.length > 0;
  } catch (problem) {
    say(problem.message, 'error');
  }
}

function fill(name, text) {
  $(`detail-${name}`).textContent = text === null || text === undefined || text === '' ? '–' : text;
}

function hiddenOr(complaint, value) {
  return complaint.confidential && !hallAdmin ? t(lang, 'complaint.hidden') : value;
}

function render(complaint) {
  opened = complaint;
  $('detail-code').textContent = complaint.code;
  $('detail-overdue').hidden = !complaint.overdue;
  for (const name of ['what', 'where_when', 'remedy', 'service', 'answer']) fill(name, complaint[name]);
  fill('contact', hiddenOr(complaint, complaint.contact));
  fill('ticket', hiddenOr(complaint, complaint.ticket_id));
  fill('agency', complaint.agency || t(lang, 'complaint.unassigned'));
  fill('channel', t(lang, `complaint.channel.${complaint.channel}`));
  fill('filed_at', when(complaint.filed_at));
  fill('due_day', day(complaint.due_day));
  fill('status', statusWords(complaint.status) + (complaint.confidential ? ` · ${t(lang, 'complaint.confidential')}` : ''));
  $('change-status').value = complaint.status;
  $('change-answer').value = complaint.answer || '';
  $('change-note').value = '';
  if (hallAdmin) $('change-agency').value = complaint.agency || '';
  $('detail-history').replaceChildren(
    ...complaint.updates.map((update) => {
      const item = el('li', null, `${when(update.at)} — ${t(lang, 'complaint.changed', { officer: update.officer || '–', status: statusWords(update.status), changed: update.changed || '–' })}`);
      if (update.note) item.append(el('p', 'muted', update.note));
      return item;
    }),
  );
  $('complaint-detail').hidden = false;
}

async function show(code) {
  try {
    render(await api('GET', `/complaints/${encodeURIComponent(code)}/record`));
    $('complaint-detail').focus();
  } catch (problem) {
    say(problem.message, 'error');
  }
}

function changes() {
  const body = {};
  if ($('change-status').value !== opened.status) body.status = $('change-status').value;
  const answer = $('change-answer').value.trim();
  if (answer && answer !== (opened.answer || '')) body.answer = answer;
  const note = $('change-note').value.trim();
  if (note) body.note = note;
  if (hallAdmin && ($('change-agency').value || null) !== opened.agency) body.agency = $('change-agency').value || null;
  return body;
}

$('complaint-change').addEventListener('submit', async (event) => {
  event.preventDefault();
  try {
    render(await api('PATCH', `/complaints/${encodeURIComponent(opened.code)}`, changes()));
    say(t(lang, 'complaint.saved'));
    await load();
  } catch (problem) {
    say(problem.message, 'error');
  }
});

$('detail-close').addEventListener('click', () => {
  $('complaint-detail').hidden = true;
  opened = null;
});

filters.addEventListener('submit', (event) => {
  event.preventDefault();
  load();
});

load();
