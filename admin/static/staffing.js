// The staffing advisor page: GET /api/v1/reports/staffing with the form's choices (the API keeps an
// agency admin to their agency), then one table per service, a row per hour: counters needed beside
// counters had, an hour short of counters marked in words as well as in colour; "check with the
// simulator" asks the same with simulate=1 and adds the simulated share to each row.

import { api } from '/counter/static/api.js';
import { el } from '/static/js/dom.js';
import { langs, t } from '/static/js/i18n.js';

const lang = langs[0];
const $ = (id) => document.getElementById(id);
const form = $('staffing-form');
const number = new Intl.NumberFormat(lang === 'id' ? 'id-ID' : 'en-GB', { maximumFractionDigits: 1 });
const percent = new Intl.NumberFormat(lang === 'id' ? 'id-ID' : 'en-GB', { style: 'percent', maximumFractionDigits: 0 });
const COLUMNS = ['col_hour', 'col_arrivals', 'col_needed', 'col_had', 'col_share_advised', 'col_share_had', 'col_simulated'];

function say(text) {
  $('staffing-message').textContent = text;
  $('staffing-message').hidden = !text;
}

const share = (value) => (value === null || value === undefined ? '–' : percent.format(value));
const hourName = (hour) => `${String(hour).padStart(2, '0')}.00–${String(hour + 1).padStart(2, '0')}.00`;

function hadCell(hour) {
  const cell = el('td', 'staffing-had');
  cell.append(number.format(hour.counters_had), ' ');
  const note = hour.short
    ? el('strong', 'staffing-short-note', t(lang, 'staffing.short', { num: number.format(hour.counters_needed - hour.counters_had) }))
    : el('span', 'muted', t(lang, 'staffing.enough'));
  cell.append(note);
  return cell;
}

function hourRow(hour) {
  const row = el('tr', hour.short ? 'staffing-short' : null);
  row.dataset.hour = hour.hour;
  const head = el('th', null, hourName(hour.hour));
  head.scope = 'row';
  row.append(
    head,
    el('td', null, number.format(hour.arrivals)),
    el('td', 'staffing-needed', String(hour.counters_needed)),
    hadCell(hour),
    el('td', null, share(hour.share_advised)),
    el('td', null, share(hour.share_had)),
    el('td', 'staffing-simulated', share(hour.simulated_share)),
  );
  return row;
}

function serviceTable(service) {
  const section = el('section', 'admin-card staffing-service');
  section.dataset.service = service.service;
  const title = el('h2', null, `${service.service} · ${service.name}`);
  title.id = `staffing-title-${service.service}`;
  const facts = t(lang, 'staffing.inputs', {
    target: number.format(service.target_wait_minutes),
    minutes: number.format(service.counter_minutes),
    service: number.format(service.service_minutes),
    sd: number.format(service.service_minutes_sd),
    no_show: percent.format(service.no_show_rate),
  });
  const table = el('table', 'admin-table staffing-table');
  table.setAttribute('aria-labelledby', title.id);
  const head = el('tr');
  for (const key of COLUMNS) {
    const cell = el('th', null, t(lang, `staffing.${key}`));
    cell.scope = 'col';
    head.append(cell);
  }
  table.append(el('thead'), el('tbody'));
  table.tHead.append(head);
  table.tBodies[0].append(...service.hours.map(hourRow));
  section.append(title, el('p', 'muted', `${service.agency} · ${facts}`), table);
  return section;
}

function simulation(result) {
  const box = $('staffing-simulation');
  box.hidden = !result;
  if (!result) return;
  box.textContent = result.mean_absolute_difference === null
    ? t(lang, 'staffing.no_simulation')
    : t(lang, 'staffing.simulation', { days: result.days, difference: number.format(result.mean_absolute_difference * 100), hours: result.service_hours });
}

function show(advice) {
  $('staffing-period').textContent = t(lang, 'staffing.period', { from: advice.period.from, to: advice.period.to, days: advice.open_days });
  const services = advice.services.filter((service) => service.hours.length);
  $('staffing-services').replaceChildren(...services.map(serviceTable));
  if (!services.length) say(t(lang, 'staffing.none'));
  simulation(advice.simulation);
}

function query(simulate) {
  const data = new FormData(form);
  const params = new URLSearchParams({ weekday: data.get('weekday'), share: String(Number(data.get('share')) / 100) });
  for (const name of ['from', 'to', 'agency']) if (data.get(name)) params.set(name, data.get(name));
  if (simulate) params.set('simulate', '1');
  return params;
}

async function load(simulate) {
  if (!form.reportValidity()) return;
  const buttons = form.querySelectorAll('button');
  buttons.forEach((button) => { button.disabled = true; });
  say(t(lang, simulate ? 'staffing.simulating' : 'staffing.loading'));
  try {
    const advice = await api('GET', `/reports/staffing?${query(simulate)}`);
    say('');
    show(advice);
  } catch (problem) {
    say(problem.message);
  } finally {
    buttons.forEach((button) => { button.disabled = false; });
  }
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  load(false);
});
$('staffing-simulate').addEventListener('click', () => load(true));
load(false);
