// The audit trail page: GET /api/v1/admin/audit with the filters chosen (the API keeps an agency
// admin to their agency's entries), newest first, "older" pages back. Each entry shows when (the
// hall's clock), who, what, and the fields that changed, before and after.

import { api } from '/counter/static/api.js';
import { el } from '/static/js/dom.js';
import { langs, t } from '/static/js/i18n.js';

const lang = langs[0];
const $ = (id) => document.getElementById(id);
const filters = $('audit-filters');
const list = $('audit-events');
const older = $('audit-older');
const when = new Intl.DateTimeFormat(lang === 'id' ? 'id-ID' : 'en-GB', { dateStyle: 'medium', timeStyle: 'medium', timeZone: filters.dataset.timezone });
const SHOWN = 12; // rows of one entry's changes shown at once: a whole setup seeded is folded
let query = '';
let nextBefore = null;

function say(text) {
  $('audit-message').textContent = text;
  $('audit-message').hidden = false;
}

/** Every leaf of a value by its path (`hall.weekly_hours.monday`, `services[3].name`); a list of
 * plain values (a counter's services) is one leaf, read as the list it is. */
function flatten(value, path = '', into = new Map()) {
  if (Array.isArray(value) && value.every((item) => item === null || typeof item !== 'object')) {
    into.set(path, value.join(', '));
  } else if (value !== null && typeof value === 'object' && Object.keys(value).length) {
    for (const [key, item] of Object.entries(value)) flatten(item, Array.isArray(value) ? `${path}[${key}]` : path ? `${path}.${key}` : key, into);
  } else if (value !== undefined && value !== null) {
    into.set(path, typeof value === 'object' ? JSON.stringify(value) : String(value));
  }
  return into;
}

function diffRow(path, old, now) {
  const row = el('tr');
  row.append(el('td', 'audit-path', path || '–'), el('td', 'audit-before', old.get(path) ?? '–'), el('td', 'audit-after', now.get(path) ?? '–'));
  return row;
}

function diffTable(rows) {
  const table = el('table', 'admin-table audit-diff');
  const head = el('tr');
  for (const key of ['admin.audit_field', 'admin.audit_before', 'admin.audit_after']) {
    const cell = el('th', null, t(lang, key));
    cell.scope = 'col';
    head.append(cell);
  }
  table.append(el('thead'), el('tbody'));
  table.tHead.append(head);
  table.tBodies[0].append(...rows);
  return table;
}

/** The fields that changed; beyond the first few (a whole setup seeded or replaced) folded away. */
function diff(entry) {
  const old = flatten(entry.before);
  const now = flatten(entry.after);
  const paths = [...new Set([...old.keys(), ...now.keys()])].filter((path) => old.get(path) !== now.get(path));
  if (!paths.length) return el('p', 'muted', t(lang, 'admin.audit_no_fields'));
  const rows = paths.map((path) => diffRow(path, old, now));
  const box = el('div');
  box.append(diffTable(rows.slice(0, SHOWN)));
  if (rows.length > SHOWN) {
    const more = el('details', 'audit-more');
    more.append(el('summary', null, t(lang, 'admin.audit_more', { num: rows.length - SHOWN })), diffTable(rows.slice(SHOWN)));
    box.append(more);
  }
  return box;
}

function entryItem(entry) {
  const item = el('li', 'audit-entry');
  item.dataset.id = entry.id;
  item.dataset.kind = entry.kind;
  const time = el('time', 'audit-when', when.format(new Date(entry.at)));
  time.dateTime = entry.at;
  const header = el('p', 'audit-head');
  header.append(time, ' · ', el('strong', 'audit-who', entry.officer || t(lang, 'admin.audit_system')), ' · ', el('span', 'audit-kind', t(lang, `admin.audit_${entry.kind}`)), ': ', el('span', 'audit-what', entry.what || ''));
  item.append(header, diff(entry));
  return item;
}

function nextDay(text) {
  const day = new Date(`${text}T00:00:00Z`);
  day.setUTCDate(day.getUTCDate() + 1);
  return day.toISOString().slice(0, 10);
}

/** The filters as the API's query: ``until`` takes the whole of its day. */
function queryOf() {
  const form = new FormData(filters);
  const params = new URLSearchParams();
  for (const name of ['kind', 'officer', 'since', 'q']) if (form.get(name)) params.set(name, form.get(name).trim());
  if (form.get('until')) params.set('until', nextDay(form.get('until')));
  return params;
}

async function show(more) {
  const params = new URLSearchParams(query);
  if (more && nextBefore) params.set('before', nextBefore);
  try {
    const page = await api('GET', `/admin/audit?${params}`);
    const items = page.events.map(entryItem);
    if (more) list.append(...items);
    else list.replaceChildren(...items);
    nextBefore = page.next_before;
    older.hidden = !nextBefore;
    $('audit-none').hidden = list.children.length > 0;
    $('audit-message').hidden = true;
  } catch (problem) {
    say(problem.message);
  }
}

async function officers() {
  try {
    const select = $('audit-officer');
    for (const officer of await api('GET', '/admin/officers')) {
      const option = el('option', null, officer.username);
      option.value = officer.id;
      select.append(option);
    }
  } catch (problem) {
    say(problem.message);
  }
}

filters.addEventListener('submit', (event) => {
  event.preventDefault();
  query = queryOf().toString();
  show(false);
});
older.addEventListener('click', () => show(true));

officers();
show(false);
