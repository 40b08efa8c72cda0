// The reports page: the filters become one GET /api/v1/reports/detail (the API keeps each role to its
// own figures and answers 403 for anything else), and every section of its answer is drawn twice: a
// chart (Chart.js, vendored under /static/vendor) and the table beside it, which is the accessible
// and the printed version. The same filters make the export links, so a download equals the page.

import { api } from '/counter/static/api.js';
import { el } from '/static/js/dom.js';
import { langs, t } from '/static/js/i18n.js';

const lang = langs[0];
const $ = (id) => document.getElementById(id);
const form = $('report-filters');
const locale = lang === 'id' ? 'id-ID' : 'en-GB';
const counts = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
const decimals = new Intl.NumberFormat(locale, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const percents = new Intl.NumberFormat(locale, { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 });
const dates = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' });
const CHARTED = 20; // services (or transfers) in a chart: more bars than this cannot be read; the table has them all
const COLOURS = { navy: '#1f3b6e', teal: '#0f766e', amber: '#b45309', red: '#b91c1c', grey: '#6b7280' };
const FILTERS = ['agency', 'service', 'counter', 'officer'];
const charts = new Map();
let choices = { agencies: [], services: [], counters: [], officers: [] };

// The headline figures: how each is read, shown and judged. ``better`` says which way is good
// (1 up, -1 down, 0 neither), so a change is named better or worse and not only coloured.
const HEADLINE = [
  ['issued', (s) => s.issued, 'count', 0],
  ['served', (s) => s.served, 'count', 1],
  ['no_show', (s) => s.no_show, 'count', -1],
  ['cancelled', (s) => s.cancelled, 'count', -1],
  ['expired', (s) => s.expired, 'count', -1],
  ['transferred', (s) => s.transferred, 'count', 0],
  ['within_target_share', (s) => s.within_target_share, 'share', 1],
  ['wait_mean', (s) => s.wait_minutes?.mean, 'minutes', -1],
  ['wait_median', (s) => s.wait_minutes?.median, 'minutes', -1],
  ['wait_p90', (s) => s.wait_minutes?.p90, 'minutes', -1],
  ['wait_max', (s) => s.wait_minutes?.max, 'minutes', -1],
  ['service_mean', (s) => s.service_minutes?.mean, 'minutes', 0],
  ['service_median', (s) => s.service_minutes?.median, 'minutes', 0],
  ['service_p90', (s) => s.service_minutes?.p90, 'minutes', 0],
  ['priority_share', (s) => s.priority_share, 'share', 0],
];

function absent(value) {
  return value === null || value === undefined;
}

function format(value, kind) {
  if (absent(value)) return '–';
  if (kind === 'share') return percents.format(value);
  if (kind === 'minutes') return decimals.format(value);
  return counts.format(value);
}

function say(text) {
  $('report-message').textContent = text;
  $('report-message').hidden = !text;
}

/* ---------- the period ---------- */

function isoDay(day) {
  return day.toISOString().slice(0, 10);
}

function utcDay(text) {
  return new Date(`${text}T00:00:00Z`);
}

/** The first and last day of the preset's period around ``text`` (YYYY-MM-DD); weeks start on Monday. */
function periodOf(preset, text) {
  const day = utcDay(text);
  const year = day.getUTCFullYear();
  const month = day.getUTCMonth();
  const span = (firstMonth, months) => [new Date(Date.UTC(year, firstMonth, 1)), new Date(Date.UTC(year, firstMonth + months, 0))];
  let range;
  if (preset === 'week') {
    const monday = new Date(day);
    monday.setUTCDate(day.getUTCDate() - ((day.getUTCDay() + 6) % 7));
    const sunday = new Date(monday);
    sunday.setUTCDate(monday.getUTCDate() + 6);
    range = [monday, sunday];
  } else if (preset === 'month') range = span(month, 1);
  else if (preset === 'quarter') range = span(month - (month % 3), 3);
  else if (preset === 'semester') range = span(month < 6 ? 0 : 6, 6);
  else if (preset === 'year') range = span(0, 12);
  else range = [day, day];
  return range.map(isoDay);
}

/** A preset fills from/to from its date; typing a day into from/to makes the range a custom one. */
function presetChanged() {
  const preset = $('report-preset').value;
  $('report-date').disabled = preset === 'custom';
  if (preset === 'custom' || !$('report-date').value) return;
  [$('report-from').value, $('report-to').value] = periodOf(preset, $('report-date').value);
}

/* ---------- the filters ---------- */

function option(value, text) {
  const node = el('option', null, text);
  node.value = value;
  return node;
}

/** Replace a select's choices, keeping its first ("all") entry unless the role leaves only one choice. */
function fill(select, items, keepAll) {
  const all = select.options[0]?.value === '' ? select.options[0] : null;
  const wanted = select.value || select.dataset.wanted || '';
  select.replaceChildren(...(all && keepAll ? [all] : []), ...items.map(([value, text]) => option(value, text)));
  // A value from the page's address that is not among the choices (a link from someone else, a
  // crafted one) stays, so that the API says why it may not be shown rather than the page hiding it.
  if (wanted && ![...select.options].some((o) => o.value === wanted)) select.append(option(wanted, wanted));
  select.value = wanted || select.value;
  delete select.dataset.wanted;
}

function serviceItems() {
  const agency = $('report-agency').value;
  const words = $('report-service-search').value.trim().toLowerCase();
  return choices.services
    .filter((s) => !agency || s.agency === agency)
    .filter((s) => !words || `${s.code} ${s.name}`.toLowerCase().includes(words))
    .map((s) => [s.code, `${s.code} · ${s.name}`]);
}

function fillServices() {
  fill($('report-service'), serviceItems(), true);
}

/** The choices the API allows the caller; an officer's page has only the officer field (themselves). */
function fillChoices() {
  const role = form.dataset.role;
  fill($('report-officer'), choices.officers.map((o) => [String(o.id), o.username]), role !== 'officer');
  if (role === 'officer') return;
  fill($('report-agency'), choices.agencies.map((a) => [a, a]), role !== 'agency_admin');
  fillServices();
  fill($('report-counter'), choices.counters.map((c) => [c.id, c.name ? `${c.id} · ${c.name}` : c.id]), true);
}

/** The filters as the API's query (only what is chosen). */
function queryOf() {
  const data = new FormData(form);
  const params = new URLSearchParams({ from: data.get('from'), to: data.get('to') });
  for (const name of FILTERS) if (data.get(name)) params.set(name, data.get(name));
  return params;
}

/** The page's own address says what it shows: a link or a reload shows the same report.page. */
function remember(params) {
  const page = new URLSearchParams(params);
  page.set('preset', $('report-preset').value);
  history.replaceState(null, '', `?${page}`);
}

/** Filters from the page's address (a shared link, or a crafted one the API will judge). */
function recall() {
  const params = new URLSearchParams(location.search);
  const preset = params.get('preset') || (params.get('from') ? 'custom' : 'month');
  $('report-preset').value = preset;
  if (params.get('date')) $('report-date').value = params.get('date');
  presetChanged();
  if (params.get('from')) $('report-from').value = params.get('from');
  if (params.get('to')) $('report-to').value = params.get('to');
  for (const name of FILTERS) {
    const select = $(`report-${name}`);
    const value = params.get(name);
    if (!value || !select) continue;
    if (![...select.options].some((o) => o.value === value)) select.append(option(value, value));
    select.value = value;
    select.dataset.wanted = value;
  }
}

/* ---------- tables ---------- */

function headCell(text, numeric) {
  const cell = el('th', numeric ? 'num' : null, text);
  cell.scope = 'col';
  return cell;
}

/** A table from columns [key, kind, read] and rows; ``kind`` formats the cell (text when absent). A
 * key without a dot is a ``report.page.`` entry, one with a dot the whole catalogue key. */
function table(node, columns, rows, caption) {
  const head = el('tr');
  head.append(...columns.map(([key, kind]) => headCell(t(lang, key.includes('.') ? key : `report.page.${key}`), kind && kind !== 'text')));
  const body = el('tbody');
  for (const row of rows) {
    const line = el('tr');
    columns.forEach(([, kind, read], index) => {
      const value = read(row);
      const cell = kind === 'text' || !kind ? el(index ? 'td' : 'th', null, absent(value) ? '–' : String(value)) : el('td', 'num', format(value, kind));
      if (!index) cell.scope = 'row';
      line.append(cell);
    });
    body.append(line);
  }
  if (!rows.length) {
    const none = el('td', 'muted', t(lang, 'report.page.none'));
    none.colSpan = columns.length;
    body.append(el('tr'));
    body.lastChild.append(none);
  }
  const thead = el('thead');
  thead.append(head);
  node.replaceChildren(...(caption ? [el('caption', null, caption)] : []), thead, body);
}

function change(now, before, kind, better) {
  if (absent(now) || absent(before)) return el('td', 'change', '–');
  const difference = now - before;
  if (Math.abs(difference) < 1e-9) return el('td', 'change same', t(lang, 'report.page.unchanged'));
  const up = difference > 0;
  const amount = kind === 'share' ? `${decimals.format(Math.abs(difference) * 100)} ${t(lang, 'report.page.points')}` : format(Math.abs(difference), kind);
  const judged = better === 0 ? '' : (up ? better > 0 : better < 0) ? 'better' : 'worse';
  const cell = el('td', `change ${judged}`);
  cell.append(el('span', 'arrow', up ? '▲' : '▼'), ` ${up ? '+' : '−'}${amount}`);
  if (judged) cell.append(' ', el('span', 'judged', t(lang, `report.page.${judged}`)));
  return cell;
}

function drawSummary(detail) {
  const body = $('summary-table').tBodies[0];
  const rows = HEADLINE.map(([key, read, kind, better]) => {
    const row = el('tr');
    row.dataset.figure = key;
    const name = el('th', null, t(lang, `report.page.${key}`));
    name.scope = 'row';
    row.append(name, el('td', 'num now', format(read(detail.summary), kind)), el('td', 'num before', format(read(detail.previous), kind)), change(read(detail.summary), read(detail.previous), kind, better));
    return row;
  });
  body.replaceChildren(...rows);
  $('summary-table').querySelector('thead th:nth-child(3)').title = range(detail.previous_period);
}

/* ---------- charts ---------- */

/** One chart per canvas, drawn again from scratch on every report (no animation: it prints as shown). */
function chart(id, config) {
  charts.get(id)?.destroy();
  const canvas = $(id);
  canvas.closest('.chart-box').hidden = !config;
  if (!config) return;
  config.options = { responsive: true, maintainAspectRatio: false, animation: false, ...config.options };
  charts.set(id, new window.Chart(canvas, config));
}

function bars(label, data, colour, extra = {}) {
  return { label, data, backgroundColor: colour, borderColor: colour, ...extra };
}

function minutesAxis(key) {
  return { beginAtZero: true, title: { display: true, text: t(lang, key) } };
}

function drawDaily(detail) {
  const days = detail.daily;
  table($('daily-table'), [
    ['day', 'text', (d) => dates.format(utcDay(d.day))],
    ['issued', 'count', (d) => d.issued],
    ['served', 'count', (d) => d.served],
    ['within_target_share', 'share', (d) => d.within_target_share],
  ], days);
  chart('chart-daily', days.length ? {
    type: 'bar',
    data: {
      labels: days.map((d) => d.day.slice(5)),
      datasets: [bars(t(lang, 'report.page.issued'), days.map((d) => d.issued), COLOURS.navy), bars(t(lang, 'report.page.served'), days.map((d) => d.served), COLOURS.teal)],
    },
    options: { scales: { y: { beginAtZero: true } } },
  } : null);
}

function busiest(services) {
  return [...services].sort((a, b) => b.issued - a.issued).slice(0, CHARTED).filter((s) => s.issued > 0);
}

/** Rows with any ticket in the period: 300 services of zeros would bury the few that had visitors.
 * The note under the table says how many were left out (the downloads keep every row). */
function withTickets(rows, note, key) {
  const active = rows.filter((r) => r.issued + r.served + r.no_show + r.cancelled + r.expired + r.transferred > 0);
  $(note).textContent = active.length < rows.length ? t(lang, key, { num: rows.length - active.length }) : '';
  return active;
}

function drawServices(detail) {
  const services = withTickets(detail.by_service, 'services-note', 'report.page.services_left_out');
  table($('services-table'), [
    ['service', 'text', (s) => `${s.service} · ${s.name}`],
    ['agency', 'text', (s) => s.agency],
    ['issued', 'count', (s) => s.issued],
    ['served', 'count', (s) => s.served],
    ['no_show', 'count', (s) => s.no_show],
    ['wait_mean', 'minutes', (s) => s.wait_minutes?.mean],
    ['wait_p90', 'minutes', (s) => s.wait_minutes?.p90],
    ['target', 'minutes', (s) => s.target_wait_minutes],
    ['within_target_share', 'share', (s) => s.within_target_share],
    ['service_mean', 'minutes', (s) => s.service_minutes?.mean],
  ], services);
  const shown = busiest(services);
  $('services-chart-note').textContent = detail.by_service.length > shown.length ? t(lang, 'report.page.charted_busiest', { num: shown.length }) : '';
  const labels = shown.map((s) => s.service);
  const horizontal = (axis) => ({ indexAxis: 'y', scales: { x: axis } });
  chart('chart-waits', shown.length ? {
    type: 'bar',
    data: {
      labels,
      datasets: [
        bars(t(lang, 'report.page.wait_mean'), shown.map((s) => s.wait_minutes?.mean ?? null), COLOURS.navy),
        bars(t(lang, 'report.page.wait_p90'), shown.map((s) => s.wait_minutes?.p90 ?? null), COLOURS.amber),
        bars(t(lang, 'report.page.target'), shown.map((s) => s.target_wait_minutes ?? null), COLOURS.grey),
      ],
    },
    options: horizontal(minutesAxis('report.page.minutes')),
  } : null);
  chart('chart-compliance', shown.length ? {
    type: 'bar',
    data: { labels, datasets: [bars(t(lang, 'report.page.within_target_share'), shown.map((s) => (absent(s.within_target_share) ? null : s.within_target_share * 100)), COLOURS.teal)] },
    options: horizontal({ min: 0, max: 100, title: { display: true, text: '%' } }),
  } : null);
}

function drawAgencies(detail) {
  table($('agencies-table'), [
    ['agency', 'text', (a) => a.agency],
    ['issued', 'count', (a) => a.issued],
    ['served', 'count', (a) => a.served],
    ['no_show', 'count', (a) => a.no_show],
    ['wait_mean', 'minutes', (a) => a.wait_minutes?.mean],
    ['wait_p90', 'minutes', (a) => a.wait_minutes?.p90],
    ['within_target_share', 'share', (a) => a.within_target_share],
  ], withTickets(detail.by_agency, 'agencies-note', 'report.page.agencies_left_out'));
}

/** The colour of a heatmap cell, and the text colour that reads best on it (WCAG's luminance rule). */
function shade(share) {
  const mix = (channel) => Math.round(255 - (255 - channel) * share);
  const [r, g, b] = [mix(31), mix(59), mix(110)];
  const linear = (c) => ((c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
  const luminance = 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
  return { background: `rgb(${r}, ${g}, ${b})`, color: luminance > 0.179 ? '#000' : '#fff' };
}

function weekdayName(weekday) {
  return new Intl.DateTimeFormat(locale, { weekday: 'long', timeZone: 'UTC' }).format(new Date(Date.UTC(2024, 0, 1 + weekday)));
}

function drawHeatmap(detail) {
  const { weekdays, hours, cells } = detail.heatmap;
  const most = Math.max(1, ...cells.flat());
  const head = el('tr');
  const clock = new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: 'UTC' });
  head.append(headCell(t(lang, 'report.page.weekday')), ...hours.map((hour) => headCell(clock.format(new Date(Date.UTC(2024, 0, 1, hour))), true)));
  const body = el('tbody');
  weekdays.forEach((weekday, row) => {
    const line = el('tr');
    const name = el('th', null, weekdayName(weekday));
    name.scope = 'row';
    line.append(name);
    for (const count of cells[row]) {
      const cell = el('td', 'num heat', counts.format(count));
      Object.assign(cell.style, shade(count / most));
      line.append(cell);
    }
    body.append(line);
  });
  const thead = el('thead');
  thead.append(head);
  $('heatmap-table').replaceChildren(el('caption', null, t(lang, 'report.page.heatmap_caption')), thead, body);
}

function categoryName(category) {
  if (!category) return t(lang, 'report.page.no_priority');
  const key = `priority.${category}`;
  const name = t(lang, key);
  return name === key ? category : name;
}

function drawPriority(detail) {
  const rows = detail.priority;
  table($('priority-table'), [
    ['category', 'text', (p) => categoryName(p.category)],
    ['tickets', 'count', (p) => p.tickets],
    ['share', 'share', (p) => p.share],
  ], rows);
  chart('chart-priority', rows.length ? {
    type: 'bar',
    data: { labels: rows.map((p) => categoryName(p.category)), datasets: [bars(t(lang, 'report.page.tickets'), rows.map((p) => p.tickets), COLOURS.amber)] },
    options: { scales: { y: { beginAtZero: true } }, plugins: { legend: { display: false } } },
  } : null);
}

function drawTransfers(detail) {
  const rows = detail.transfers;
  table($('transfers-table'), [
    ['transfer_from', 'text', (r) => r.from],
    ['transfer_to', 'text', (r) => r.to],
    ['count', 'count', (r) => r.count],
  ], rows);
  const shown = [...rows].sort((a, b) => b.count - a.count).slice(0, CHARTED);
  chart('chart-transfers', shown.length ? {
    type: 'bar',
    data: { labels: shown.map((r) => `${r.from} → ${r.to}`), datasets: [bars(t(lang, 'report.page.count'), shown.map((r) => r.count), COLOURS.navy)] },
    options: { indexAxis: 'y', scales: { x: { beginAtZero: true } }, plugins: { legend: { display: false } } },
  } : null);
}

function reasonName(reason) {
  const key = `pause.${reason}`;
  const name = t(lang, key);
  return name === key ? reason : name;
}

function paused(minutes) {
  const parts = Object.entries(minutes || {}).map(([reason, value]) => `${reasonName(reason)} ${decimals.format(value)}`);
  return parts.length ? parts.join('; ') : '–';
}

function drawOfficers(detail) {
  table($('officers-table'), [
    ['officer', 'text', (o) => o.username],
    ['served', 'count', (o) => o.served],
    ['service_mean', 'minutes', (o) => o.service_minutes_mean],
    ['signed_in_minutes', 'minutes', (o) => o.signed_in_minutes],
    ['paused_minutes', 'text', (o) => paused(o.paused_minutes)],
    ['idle_minutes', 'minutes', (o) => o.idle_minutes],
  ], detail.officers);
}

/* ---------- bookings ---------- */

const BANDS = ['early_over_30', 'early_up_to_30', 'late_up_to_15', 'late_over_15'];

/** Shown when a service in scope takes bookings, or the period had any: a walk-in-only hall never sees it. */
function hasBookings(bookings) {
  return bookings.bookable || bookings.summary.booked.tickets > 0 || (bookings.summary.funnel?.made ?? 0) > 0;
}

function drawBookings(detail) {
  const { bookings } = detail;
  $('bookings-section').hidden = !hasBookings(bookings);
  const { booked, walk_in: walkIn, funnel } = bookings.summary;
  table($('bookings-lanes-table'), [
    ['report.booking.lane', 'text', (r) => t(lang, `report.booking.lane_${r[0]}`)],
    ['tickets', 'count', (r) => r[1].tickets],
    ['share', 'share', (r) => r[1].share],
    ['wait_mean', 'minutes', (r) => r[1].wait_minutes.mean],
    ['wait_median', 'minutes', (r) => r[1].wait_minutes.median],
    ['wait_p90', 'minutes', (r) => r[1].wait_minutes.p90],
  ], [['booked', booked], ['walk_in', walkIn]]);
  $('bookings-unattributed').hidden = Boolean(funnel);
  $('bookings-funnel').hidden = !funnel;
  drawFunnel(funnel);
  table($('bookings-services-table'), [
    ['service', 'text', (s) => `${s.service} · ${s.name}`],
    ['report.booking.booked_tickets', 'count', (s) => s.booked.tickets],
    ['report.booking.booked_share', 'share', (s) => s.booked.share],
    ['report.booking.booked_wait_mean', 'minutes', (s) => s.booked.wait_minutes.mean],
    ['report.booking.walk_in_wait_mean', 'minutes', (s) => s.walk_in.wait_minutes.mean],
    ['report.booking.made', 'count', (s) => s.funnel?.made],
    ['report.booking.expired', 'count', (s) => s.funnel?.expired],
    ['report.booking.no_show_rate', 'share', (s) => s.funnel?.no_show_rate],
    ['report.booking.punctuality_median', 'minutes', (s) => s.funnel?.punctuality.median_minutes],
  ], bookings.by_service);
}

function drawFunnel(funnel) {
  if (!funnel) {
    chart('chart-punctuality', null);
    return;
  }
  table($('bookings-funnel-table'), [
    ['report.booking.scope', 'text', () => t(lang, 'report.booking.whole')],
    ...['made', 'checked_in', 'cancelled', 'expired', 'pending'].map((key) => [`report.booking.${key}`, 'count', (f) => f[key]]),
    ['report.booking.no_show_rate', 'share', (f) => f.no_show_rate],
  ], [funnel]);
  const { punctuality } = funnel;
  table($('bookings-punctuality-table'), [
    ['report.booking.band', 'text', (band) => t(lang, `report.booking.${band}`)],
    ['report.booking.check_ins', 'count', (band) => punctuality[band]],
  ], BANDS);
  $('bookings-punctuality-median').textContent = absent(punctuality.median_minutes) ? '' : t(lang, 'report.booking.median_line', { minutes: decimals.format(punctuality.median_minutes) });
  chart('chart-punctuality', funnel.checked_in ? {
    type: 'bar',
    data: { labels: BANDS.map((band) => t(lang, `report.booking.${band}`)), datasets: [bars(t(lang, 'report.booking.check_ins'), BANDS.map((band) => punctuality[band]), COLOURS.teal)] },
    options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } }, plugins: { legend: { display: false } } },
  } : null);
}

function range(period) {
  return period ? `${dates.format(utcDay(period.from))} – ${dates.format(utcDay(period.to))}` : '';
}

function drawAll(detail) {
  $('report-period').textContent = t(lang, 'report.page.period_line', { period: range(detail.period), previous: range(detail.previous_period) });
  for (const draw of [drawSummary, drawDaily, drawServices, drawAgencies, drawBookings, drawHeatmap, drawPriority, drawTransfers, drawOfficers]) draw(detail);
}

function links(params) {
  $('export-xlsx').href = `/api/v1/reports/detail.xlsx?${params}`;
  $('export-csv').href = `/api/v1/reports/detail.csv?${params}`;
  const monthly = $('monthly-link');
  if (monthly) {
    const month = new URLSearchParams({ month: params.get('from').slice(0, 7) });
    if (params.get('agency')) month.set('agency', params.get('agency'));
    monthly.href = `${form.dataset.monthly}?${month}`;
  }
}

async function show() {
  const params = queryOf();
  remember(params);
  links(params);
  $('report-body').setAttribute('aria-busy', 'true');
  try {
    drawAll(await api('GET', `/reports/detail?${params}`));
    say('');
    $('report-body').hidden = false;
    $('report-tools').hidden = false;
  } catch (problem) {
    say(problem.message);
    $('report-body').hidden = true;
    $('report-tools').hidden = true;
  } finally {
    $('report-body').setAttribute('aria-busy', 'false');
  }
}

async function loadChoices() {
  try {
    choices = { ...choices, ...(await api('GET', '/reports/choices')) };
    fillChoices();
  } catch (problem) {
    say(problem.message);
  }
}

window.Chart.defaults.font.size = 14;
window.Chart.defaults.color = '#1f2937';
$('report-preset').addEventListener('change', presetChanged);
$('report-date').addEventListener('change', presetChanged);
for (const id of ['report-from', 'report-to']) $(id).addEventListener('change', () => { $('report-preset').value = 'custom'; presetChanged(); });
$('report-agency')?.addEventListener('change', fillServices);
$('report-service-search')?.addEventListener('input', fillServices);
$('report-print').addEventListener('click', () => window.print());
form.addEventListener('submit', (event) => {
  event.preventDefault();
  show();
});

recall();
await loadChoices();
show();
