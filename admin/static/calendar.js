// The operating calendar page: the hall's hours and weekday grid, closed days and breaks (PATCH
// /api/v1/admin/settings, hall admin), an agency's own grid and closed days (PATCH
// /api/v1/admin/agencies/{name}), and the services' own rules, read-only (the services page edits them).

import { el } from '/static/js/dom.js';
import { t } from '/static/js/i18n.js';
import { api } from '/counter/static/api.js';
import { lang, onReload, read, save, say } from './setup_form.js';

const root = document.getElementById('calendar');
const DAYS = JSON.parse(root.dataset.days);
const REASONS = JSON.parse(root.dataset.reasons);
const today = root.dataset.today;
const $ = (id) => document.getElementById(id);
const hallForm = $('hall-calendar');
const agencyForm = $('agency-calendar');
let agencies = [];
let services = [];

function input(className, label, value = '') {
  const node = el('input', className);
  node.value = value;
  node.autocomplete = 'off';
  node.setAttribute('aria-label', label);
  return node;
}

function clock(label, value) {
  const node = input('clock', label, value);
  node.inputMode = 'numeric';
  node.placeholder = t(lang, 'admin.clock_placeholder');
  return node;
}

function removeButton(row, label) {
  const button = el('button', 'btn small ghost', t(lang, 'admin.remove'));
  button.type = 'button';
  button.setAttribute('aria-label', `${t(lang, 'admin.remove')}: ${label}`);
  button.addEventListener('click', () => row.remove());
  return button;
}

// --- a weekday grid: a day's hours, "closed", or nothing (the wider level's hours apply) -----------
function fillWeek(container, hours) {
  const prefix = container.dataset.prefix;
  container.replaceChildren(
    ...DAYS.map((day) => {
      const name = t(lang, `admin.day_${day}`);
      const set = (hours || {})[day];
      const [opens, closes] = set && set !== 'closed' ? set.split('-') : ['', ''];
      const row = el('div', 'day-row');
      Object.assign(row.dataset, { path: `${prefix}.${day}`, label: name, day });
      row.setAttribute('role', 'group');
      row.setAttribute('aria-label', name);
      const closed = el('input');
      closed.type = 'checkbox';
      closed.className = 'day-closed';
      closed.checked = set === 'closed';
      const closedLabel = el('label', 'check');
      closedLabel.append(closed, ` ${t(lang, 'admin.day_closed')}`);
      row.append(
        el('span', 'day-name', name),
        clock(`${name}: ${t(lang, 'admin.opens')}`, opens),
        clock(`${name}: ${t(lang, 'admin.closes')}`, closes),
        closedLabel,
      );
      return row;
    }),
  );
}

function weekValue(container) {
  const hours = {};
  for (const row of container.querySelectorAll('.day-row')) {
    const [opens, closes] = [...row.querySelectorAll('.clock')].map((node) => node.value.trim());
    if (row.querySelector('.day-closed').checked) hours[row.dataset.day] = 'closed';
    else if (opens || closes) hours[row.dataset.day] = `${opens}-${closes}`;
  }
  return Object.keys(hours).length ? hours : null;
}

// --- closed days: a date and its reason; past ones greyed ------------------------------------------
function closedRow(container, day = { date: '', reason: '' }) {
  const row = el('div', 'closed-row');
  const date = input('closed-date', t(lang, 'admin.field_date'), day.date);
  date.type = 'date';
  const reason = input('closed-reason', t(lang, 'admin.field_reason'), day.reason);
  const past = day.date && day.date < today;
  row.classList.toggle('past', Boolean(past));
  row.append(date, reason, removeButton(row, day.date || t(lang, 'admin.closed_day_new')));
  if (past) row.append(el('span', 'past-note', t(lang, 'admin.past')));
  container.append(row);
  return row;
}

function fillClosed(container, days) {
  container.replaceChildren();
  for (const day of days || []) closedRow(container, day);
}

/** The rows' values, each row and field numbered as the API will name them. */
function closedValue(container) {
  const rows = [...container.querySelectorAll('.closed-row')];
  rows.forEach((row, index) => {
    row.dataset.path = `${container.dataset.path}[${index}]`;
    row.querySelector('.closed-date').dataset.path = `${row.dataset.path}.date`;
    row.querySelector('.closed-reason').dataset.path = `${row.dataset.path}.reason`;
  });
  const days = rows.map((row) => ({ date: row.querySelector('.closed-date').value, reason: row.querySelector('.closed-reason').value.trim() }));
  return days.length ? days : null;
}

// --- planned breaks: time, reason, counters (none: every counter) --------------------------------
function breakRow(planned = { time: '', reason: 'istirahat', counters: [] }) {
  const row = el('div', 'break-row');
  const [start, end] = planned.time ? planned.time.split('-') : ['', ''];
  const time = el('span', 'break-time');
  time.append(clock(t(lang, 'admin.break_start'), start), ' – ', clock(t(lang, 'admin.break_end'), end));
  const reason = el('select', 'break-reason');
  reason.setAttribute('aria-label', t(lang, 'admin.field_reason'));
  for (const code of REASONS) {
    const option = el('option', null, t(lang, `pause.${code}`));
    option.value = code;
    reason.append(option);
  }
  reason.value = REASONS.includes(planned.reason) ? planned.reason : 'lainnya';
  const counters = input('break-counters', t(lang, 'admin.break_counters'), (planned.counters || []).join(', '));
  counters.placeholder = t(lang, 'admin.all_counters');
  row.append(time, reason, counters, removeButton(row, planned.time || t(lang, 'admin.break_new')));
  $('hall-breaks').append(row);
}

function breaksValue() {
  const container = $('hall-breaks');
  const rows = [...container.querySelectorAll('.break-row')];
  const breaks = rows.map((row, index) => {
    row.dataset.path = `${container.dataset.path}[${index}]`;
    row.querySelector('.break-time').dataset.path = `${row.dataset.path}.time`;
    row.querySelector('.break-counters').dataset.path = `${row.dataset.path}.counters`;
    const [start, end] = [...row.querySelectorAll('.clock')].map((node) => node.value.trim());
    const counters = row.querySelector('.break-counters').value.split(',').map((id) => id.trim()).filter(Boolean);
    const planned = { time: `${start}-${end}`, reason: row.querySelector('.break-reason').value };
    if (counters.length) planned.counters = counters;
    return planned;
  });
  return breaks.length ? breaks : null;
}

// --- the hall --------------------------------------------------------------------------------------
function fillHall(hall) {
  const [opens, closes] = hall.opening_hours ? hall.opening_hours.split('-') : ['', ''];
  $('opening-opens').value = opens;
  $('opening-closes').value = closes;
  fillWeek($('hall-week'), hall.weekly_hours);
  fillClosed($('hall-closed'), hall.closed_days);
  $('hall-breaks').replaceChildren();
  for (const planned of hall.breaks || []) breakRow(planned);
}

function hallChange() {
  const opens = $('opening-opens').value.trim();
  const closes = $('opening-closes').value.trim();
  return {
    hall: {
      opening_hours: opens || closes ? `${opens}-${closes}` : null,
      weekly_hours: weekValue($('hall-week')),
      closed_days: closedValue($('hall-closed')),
      breaks: breaksValue(),
    },
  };
}

// --- an agency -------------------------------------------------------------------------------------
function chosenAgency() {
  return agencies.find((agency) => agency.name === $('agency-choice').value) || { name: $('agency-choice').value };
}

function fillAgency() {
  const agency = chosenAgency();
  fillWeek($('agency-week'), agency.weekly_hours);
  fillClosed($('agency-closed'), agency.closed_days);
}

// --- the services' own rules, read-only ----------------------------------------------------------
function hoursText(hours) {
  return Object.entries(hours || {})
    .map(([day, set]) => `${t(lang, `admin.day_${day}`)} ${set === 'closed' ? t(lang, 'admin.day_closed') : set}`)
    .join('; ');
}

function showServices() {
  const query = $('service-search').value.trim().toLowerCase();
  const agency = $('service-agency').value;
  const shown = services.filter(
    (service) =>
      (service.cutoff_minutes || service.daily_quota || service.weekly_hours) &&
      (!agency || service.agency === agency || chosenShort(agency) === service.agency) &&
      (!query || `${service.code} ${service.name}`.toLowerCase().includes(query)),
  );
  $('service-rule-rows').replaceChildren(
    ...shown.map((service) => {
      const row = el('tr');
      row.dataset.code = service.code;
      row.append(
        el('td', null, `${service.code} · ${service.name}`),
        el('td', null, service.agency),
        el('td', null, service.cutoff_minutes ? t(lang, 'admin.minutes', { num: service.cutoff_minutes }) : '–'),
        el('td', null, service.daily_quota ?? '–'),
        el('td', null, hoursText(service.weekly_hours) || '–'),
      );
      return row;
    }),
  );
  $('service-rules-none').hidden = shown.length > 0;
}

function chosenShort(name) {
  return agencies.find((agency) => agency.name === name)?.short_name;
}

// --- loading and saving ----------------------------------------------------------------------------
async function load() {
  try {
    if (hallForm) fillHall((await read('/admin/settings')).settings.hall);
    agencies = (await read('/admin/agencies')).items;
    fillAgency();
    services = (await api('GET', '/admin/services')).items;
    showServices();
  } catch (problem) {
    say(problem.message, 'error');
  }
}

if (hallForm) {
  $('hall-closed-add').addEventListener('click', () => closedRow($('hall-closed')).querySelector('input').focus());
  $('break-add').addEventListener('click', () => {
    breakRow();
    $('hall-breaks').lastElementChild.querySelector('input').focus();
  });
  hallForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const answer = await save(hallForm, 'PATCH', '/admin/settings', hallChange(), 'admin.calendar_saved');
    if (answer) fillHall(answer.settings.hall);
  });
}

$('agency-closed-add').addEventListener('click', () => closedRow($('agency-closed')).querySelector('input').focus());
$('agency-choice').addEventListener('change', fillAgency);
agencyForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const body = { weekly_hours: weekValue($('agency-week')), closed_days: closedValue($('agency-closed')) };
  const answer = await save(agencyForm, 'PATCH', `/admin/agencies/${encodeURIComponent(chosenAgency().name)}`, body, 'admin.calendar_saved');
  if (answer) {
    agencies = agencies.map((agency) => (agency.name === answer.item.name ? answer.item : agency));
    fillAgency();
  }
});
$('service-search').addEventListener('input', showServices);
$('service-agency').addEventListener('change', showServices);

onReload(load);
load();
