// The SKM page: the period and scope chosen become GET /api/v1/skm (the IKM, the elements, the sample
// and the profile), /api/v1/skm/breakdown, /api/v1/skm/comments and /api/v1/skm/followups; the API
// keeps an agency admin to their agency and answers 403 for anything else. Every figure is the API's,
// only formatted here; the follow-up plans are added and edited in the form under their table.

import { api } from '/counter/static/api.js';
import { el } from '/static/js/dom.js';
import { langs, t } from '/static/js/i18n.js';

const lang = langs[0];
const $ = (id) => document.getElementById(id);
const form = $('skm-filters');
const planForm = $('skm-followup-form');
const locale = lang === 'id' ? 'id-ID' : 'en-GB';
const counts = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
const nrrs = new Intl.NumberFormat(locale, { minimumFractionDigits: 3, maximumFractionDigits: 3 });
const ikms = new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const indexes = new Intl.NumberFormat(locale, { minimumFractionDigits: 4, maximumFractionDigits: 4 }); // as the API rounds it
const dates = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' });
const PROFILE = ['sex', 'age', 'education', 'occupation'];
const SCOPE = ['agency', 'service', 'counter'];
const WEAK = ['C', 'D']; // an element graded below B is suggested for a follow-up plan, as are the lowest
let choices = { agencies: [], services: [], counters: [] };
let shown = null; // the figures on the page: {query, skm}
let plans = [];
let chart = null;

const absent = (value) => value === null || value === undefined;
const number = (format, value) => (absent(value) ? '–' : format.format(value));
const words = (key, params) => t(lang, key, params);

function say(text) {
  $('skm-message').textContent = text;
  $('skm-message').hidden = !text;
}

/* ---------- the period and the scope ---------- */

const isoDay = (day) => day.toISOString().slice(0, 10);
const utcDay = (text) => new Date(`${text}T00:00:00Z`);

/** The quarter, semester or year around ``text`` (YYYY-MM-DD), as its first and last day. */
function periodOf(preset, text) {
  const day = utcDay(text);
  const year = day.getUTCFullYear();
  const month = day.getUTCMonth();
  const span = (first, months) => [new Date(Date.UTC(year, first, 1)), new Date(Date.UTC(year, first + months, 0))].map(isoDay);
  if (preset === 'quarter') return span(month - (month % 3), 3);
  if (preset === 'semester') return span(month < 6 ? 0 : 6, 6);
  return span(0, 12);
}

function presetChanged() {
  const preset = $('skm-preset').value;
  $('skm-date').disabled = preset === 'custom';
  if (preset !== 'custom' && $('skm-date').value) [$('skm-from').value, $('skm-to').value] = periodOf(preset, $('skm-date').value);
}

function option(value, text) {
  const node = el('option', null, text);
  node.value = value;
  return node;
}

/** Replace a select's choices after its first ("all") entry, keeping what was chosen if still there. */
function fill(select, items) {
  const keep = select.options[0]?.value === '' ? [select.options[0]] : [];
  const wanted = select.value;
  select.replaceChildren(...keep, ...items.map(([value, text]) => option(value, text)));
  if ([...select.options].some((o) => o.value === wanted)) select.value = wanted;
}

function fillScope() {
  const agency = $('skm-agency').value;
  fill($('skm-service'), choices.services.filter((s) => !agency || s.agency === agency).map((s) => [s.code, `${s.code} · ${s.name}`]));
  fill($('skm-counter'), choices.counters.map((c) => [c.id, c.name ? `${c.id} · ${c.name}` : c.id]));
}

function query() {
  const data = new FormData(form);
  const params = new URLSearchParams({ from: data.get('from'), to: data.get('to') });
  for (const name of SCOPE) if (data.get(name)) params.set(name, data.get(name));
  return params;
}

/* ---------- tables ---------- */

function headRow(keys) {
  const row = el('tr');
  for (const [key, numeric] of keys) {
    const cell = el('th', numeric ? 'num' : null, words(key));
    cell.scope = 'col';
    row.append(cell);
  }
  const head = el('thead');
  head.append(row);
  return head;
}

function rowHead(text) {
  const cell = el('th', null, text);
  cell.scope = 'row';
  return cell;
}

/** A table of [head, ...cells] rows under ``keys`` ([catalogue key, numeric]); "none" when empty. */
function table(node, keys, rows) {
  const body = el('tbody');
  for (const cells of rows) {
    const line = el('tr');
    line.append(...cells);
    body.append(line);
  }
  if (!rows.length) {
    const none = el('td', 'muted', words('skm.report.none'));
    none.colSpan = keys.length;
    body.append(el('tr'));
    body.lastChild.append(none);
  }
  node.replaceChildren(headRow(keys), body);
}

const num = (text) => el('td', 'num', text);
const elementName = (element) => `${element.toUpperCase()} · ${words(`skm.${element}.title`)}`;

/** A grade's letter with its label: never the colour alone. */
function gradeText(grade, label) {
  return grade ? `${grade} (${label || words(`skm.grade.${grade}`)})` : '–';
}

/* ---------- the figures ---------- */

function drawHeadline(skm) {
  $('skm-ikm').textContent = number(ikms, skm.ikm);
  $('skm-grade').textContent = skm.grade || '';
  $('skm-grade').dataset.grade = skm.grade || '';
  $('skm-grade-label').textContent = skm.grade ? skm.grade_label : words('skm.report.no_answers');
  $('skm-index').textContent = number(indexes, skm.index);
  $('skm-respondents').textContent = number(counts, skm.respondents);
  $('skm-population').textContent = number(counts, skm.population);
  $('skm-sample-min').textContent = number(counts, skm.sample_min);
  const sample = $('skm-sample');
  sample.className = `skm-sample ${skm.sample_met ? 'met' : 'short'}`;
  if (skm.hidden) {
    // A counter's scope under survey.min_respondents: the API gives the count only.
    $('skm-grade-label').textContent = words('skm.report.too_few', { num: form.dataset.min });
    sample.textContent = '';
    $('skm-incomplete').hidden = true;
    return;
  }
  sample.textContent = skm.sample_met
    ? words('skm.report.sample_met', { respondents: counts.format(skm.respondents), minimum: counts.format(skm.sample_min) })
    : words('skm.report.sample_short', { respondents: counts.format(skm.respondents), minimum: counts.format(skm.sample_min), missing: counts.format(Math.max(0, skm.sample_min - skm.respondents)) });
  const unanswered = skm.unanswered || [];
  $('skm-incomplete').hidden = !unanswered.length;
  $('skm-incomplete').textContent = unanswered.length ? words('skm.report.incomplete', { elements: unanswered.map((u) => u.toUpperCase()).join(', ') }) : '';
}

function drawElements(skm) {
  const lowest = new Set(skm.lowest || []);
  const items = skm.elements || []; // none for a scope under the minimum
  const rows = items.map((item) => {
    const name = rowHead(elementName(item.element));
    const flag = el('td', 'skm-flag');
    if (lowest.has(item.element)) flag.append(el('strong', 'skm-lowest', words('skm.report.lowest')));
    return [name, num(number(nrrs, item.nrr)), num(number(counts, item.answered)), el('td', 'skm-element-grade', item.grade || '–'), flag];
  });
  table($('skm-elements'), [['skm.report.element'], ['skm.report.nrr', true], ['skm.report.answered', true], ['skm.report.grade'], ['skm.report.note']], rows);
  [...$('skm-elements').tBodies[0].rows].forEach((row, index) => {
    if (items[index]) row.dataset.element = items[index].element;
  });
}

/** The NRR of each element as bars on the 1–4 scale (the table above is the accessible version). */
function drawChart(skm) {
  chart?.destroy();
  const items = skm.elements || [];
  $('skm-chart').closest('.chart-box').hidden = !items.some((item) => item.nrr !== null);
  if (!items.length) return;
  const lowest = new Set(skm.lowest || []);
  chart = new window.Chart($('skm-chart'), {
    type: 'bar',
    data: {
      labels: items.map((item) => item.element.toUpperCase()),
      datasets: [{ label: words('skm.report.nrr'), data: items.map((item) => item.nrr), backgroundColor: items.map((item) => (lowest.has(item.element) ? '#b45309' : '#1f3b6e')) }],
    },
    options: { responsive: true, maintainAspectRatio: false, animation: false, scales: { y: { min: 1, max: 4 } }, plugins: { legend: { display: false } } },
  });
}

function profileLabel(field, value) {
  if (value === 'null' || value === '') return words('skm.report.not_given');
  return field === 'age' ? words('skm.report.age_band', { band: value }) : words(`skm.${field}.${value}`);
}

function drawProfile(skm) {
  const boxes = PROFILE.map((field) => {
    const counted = Object.entries(skm.profile?.[field] || {});
    const total = counted.reduce((sum, [, n]) => sum + n, 0);
    const node = el('table', 'admin-table report-table skm-profile-table');
    node.append(el('caption', null, words(`skm.report.profile_${field}`)));
    const body = el('tbody');
    for (const [value, n] of counted) {
      const line = el('tr');
      line.append(rowHead(profileLabel(field, value)), num(counts.format(n)), num(total ? `${Math.round((n / total) * 100)} %` : '–'));
      body.append(line);
    }
    node.append(headRow([['skm.report.choice'], ['skm.report.people', true], ['skm.report.share', true]]), body);
    return node;
  });
  $('skm-profile').replaceChildren(...boxes);
}

async function drawBreakdown() {
  if (!shown) return;
  const params = new URLSearchParams(shown.query);
  for (const name of ['service', 'counter']) params.delete(name); // rows within the agency chosen, or the hall
  params.set('by', $('skm-by').value);
  const node = $('skm-breakdown');
  try {
    const { rows } = await api('GET', `/skm/breakdown?${params}`);
    const min = form.dataset.min;
    const byAgency = params.get('by') === 'agency'; // the name is the agency: no column of its own
    const keys = [['skm.report.name'], ...(byAgency ? [] : [['skm.report.agency']]), ['skm.report.respondents', true], ['skm.report.population', true], ['skm.report.sample_min', true], ['skm.report.ikm_short', true], ['skm.report.grade']];
    table(node, keys, rows.map((row) => {
      const head = [rowHead(row.name || row.key), ...(byAgency ? [] : [el('td', null, row.agency || '')])];
      if (row.hidden) {
        const few = el('td', 'muted skm-hidden', words('skm.report.too_few', { num: min }));
        few.colSpan = 5;
        return [...head, few];
      }
      return [...head, num(number(counts, row.respondents)), num(number(counts, row.population)), num(number(counts, row.sample_min)), num(number(ikms, row.ikm)), el('td', null, gradeText(row.grade, row.grade_label))];
    }));
  } catch (problem) {
    node.replaceChildren(el('caption', 'message error', problem.message));
  }
}

async function drawComments() {
  const list = $('skm-comments');
  if (!list || !shown) return;
  const params = new URLSearchParams(shown.query);
  params.delete('counter');
  try {
    const { comments } = await api('GET', `/skm/comments?${params}`);
    list.replaceChildren(...comments.map((c) => {
      const item = el('li', 'skm-comment');
      const about = el('p', 'skm-comment-about muted', `${dates.format(utcDay(c.day))} · ${c.service_name || c.service}${c.agency ? ` · ${c.agency}` : ''}`);
      item.append(el('p', 'skm-comment-text', c.comment ?? c.text), about);
      return item;
    }));
    if (!comments.length) list.replaceChildren(el('li', 'muted', words('skm.report.no_comments')));
  } catch (problem) {
    list.replaceChildren(el('li', 'message error', problem.message));
  }
}

/* ---------- the follow-up plans ---------- */

/** The elements to follow up: the lowest first (lowest NRR first), then the others graded below B. */
function suggested(skm) {
  const weak = (skm.elements || []).filter((item) => WEAK.includes(item.grade)).map((item) => item.element);
  return [...new Set([...(skm.lowest || []), ...weak])];
}

function agencyName(agency) {
  return agency || words('skm.followup.hall');
}

function planRow(plan) {
  const due = el('td', 'skm-due', dates.format(utcDay(plan.due_day)));
  if (plan.overdue) due.append(' ', el('strong', 'skm-overdue', words('skm.followup.overdue')));
  const edit = el('button', 'btn small', words('skm.followup.edit'));
  edit.type = 'button';
  edit.setAttribute('aria-label', `${words('skm.followup.edit')} ${elementName(plan.element)}`);
  edit.addEventListener('click', () => editPlan(plan));
  const action = el('td');
  action.append(edit);
  const cells = [rowHead(elementName(plan.element)), el('td', null, agencyName(plan.agency)), el('td', 'skm-text', plan.finding), el('td', 'skm-text', plan.plan), el('td', null, plan.owner), due, el('td', `skm-status ${plan.status}`, words(`skm.followup.status_${plan.status}`)), action];
  return cells;
}

/** How far the period's plans are (the national evaluation scores the share of findings followed up). */
function plansSummary() {
  const done = plans.filter((plan) => plan.status === 'selesai').length;
  const overdue = plans.filter((plan) => plan.overdue).length;
  const share = plans.length ? `${Math.round((done / plans.length) * 100)} %` : '–';
  $('skm-followups-summary').textContent = plans.length ? words('skm.followup.summary', { total: plans.length, done, share, overdue }) : words('skm.followup.none');
}

function drawPlans() {
  plansSummary();
  table($('skm-followups'), [['skm.followup.element'], ['skm.followup.agency'], ['skm.followup.finding'], ['skm.followup.plan'], ['skm.followup.owner'], ['skm.followup.due_day'], ['skm.followup.status'], ['skm.followup.actions']], plans.map(planRow));
  [...$('skm-followups').tBodies[0].rows].forEach((row, index) => {
    if (plans[index]) row.dataset.id = plans[index].id;
  });
}

async function loadPlans() {
  const params = new URLSearchParams({ from: shown.query.get('from'), to: shown.query.get('to') });
  if (shown.query.get('agency')) params.set('agency', shown.query.get('agency'));
  plans = (await api('GET', `/skm/followups?${params}`)).followups;
  drawPlans();
}

function planAgencies() {
  const select = $('followup-agency');
  const items = form.dataset.role === 'admin' ? [['', words('skm.followup.hall')], ...choices.agencies.map((a) => [a, a])] : [[form.dataset.agency, form.dataset.agency]];
  select.replaceChildren(...items.map(([value, text]) => option(value, text)));
}

function resetPlanForm() {
  planForm.reset();
  $('followup-id').value = '';
  $('followup-cancel').hidden = true;
  $('skm-followup-form-title').textContent = words('skm.followup.add');
  if (shown) {
    const first = suggested(shown.skm)[0];
    if (first) $('followup-element').value = first;
    $('followup-agency').value = shown.query.get('agency') || (form.dataset.role === 'admin' ? '' : form.dataset.agency);
  }
}

function editPlan(plan) {
  $('followup-id').value = plan.id;
  for (const name of ['element', 'finding', 'plan', 'owner', 'status']) $(`followup-${name}`).value = plan[name];
  $('followup-agency').value = plan.agency || '';
  $('followup-due').value = plan.due_day;
  $('followup-cancel').hidden = false;
  $('skm-followup-form-title').textContent = words('skm.followup.editing', { element: elementName(plan.element) });
  $('followup-finding').focus();
}

function planMessage(text, error) {
  const node = $('followup-message');
  node.textContent = text;
  node.className = `message${error ? ' error' : ''}`;
  node.hidden = !text;
}

async function savePlan(event) {
  event.preventDefault();
  if (!shown) return;
  const data = new FormData(planForm);
  const body = { element: data.get('element'), agency: data.get('agency') || null, finding: data.get('finding'), plan: data.get('plan'), owner: data.get('owner'), due_day: data.get('due_day'), status: data.get('status') };
  const id = data.get('id');
  try {
    if (id) await api('PATCH', `/skm/followups/${id}`, body);
    else await api('POST', '/skm/followups', { ...body, period_from: shown.query.get('from'), period_to: shown.query.get('to') });
    resetPlanForm();
    planMessage(words(id ? 'skm.followup.changed' : 'skm.followup.added'));
    await loadPlans();
  } catch (problem) {
    planMessage(problem.message, true);
    const field = problem.error?.field && $(`followup-${problem.error.field === 'due_day' ? 'due' : problem.error.field}`);
    field?.focus();
  }
}

/* ---------- the page ---------- */

function links(params) {
  $('skm-xlsx').href = `/api/v1/skm/export.xlsx?${params}`;
  $('skm-csv').href = `/api/v1/skm/export.csv?${params}`;
  const print = new URLSearchParams({ from: params.get('from'), to: params.get('to') });
  if (params.get('agency')) print.set('agency', params.get('agency'));
  $('skm-print').href = `${$('skm-print').pathname}?${print}`;
}

async function show() {
  const params = query();
  $('skm-body').setAttribute('aria-busy', 'true');
  try {
    const skm = await api('GET', `/skm?${params}`);
    shown = { query: params, skm };
    say('');
    $('skm-period').textContent = words('skm.report.showing', { from: dates.format(utcDay(params.get('from'))), to: dates.format(utcDay(params.get('to'))) });
    links(params);
    history.replaceState(null, '', `?${params}&preset=${$('skm-preset').value}`);
    drawHeadline(skm);
    drawElements(skm);
    drawChart(skm);
    drawProfile(skm);
    const weak = suggested(skm);
    $('skm-suggested').textContent = weak.length ? words('skm.followup.suggested', { elements: weak.map(elementName).join('; ') }) : '';
    resetPlanForm();
    await Promise.all([drawBreakdown(), drawComments(), loadPlans()]);
  } catch (problem) {
    say(problem.message);
  } finally {
    $('skm-body').setAttribute('aria-busy', 'false');
  }
}

function recall() {
  const params = new URLSearchParams(location.search);
  $('skm-preset').value = params.get('preset') || (params.get('from') ? 'custom' : 'quarter');
  presetChanged();
  if (params.get('from')) $('skm-from').value = params.get('from');
  if (params.get('to')) $('skm-to').value = params.get('to');
  for (const name of SCOPE) {
    const value = params.get(name);
    if (!value) continue;
    const select = $(`skm-${name}`);
    if (![...select.options].some((o) => o.value === value)) select.append(option(value, value));
    select.value = value;
  }
}

async function start() {
  try {
    choices = await api('GET', '/reports/choices');
  } catch (problem) {
    say(problem.message);
  }
  fill($('skm-agency'), choices.agencies.map((a) => [a, a]));
  fillScope();
  planAgencies();
  recall();
  $('skm-preset').addEventListener('change', presetChanged);
  $('skm-date').addEventListener('change', presetChanged);
  for (const id of ['skm-from', 'skm-to']) $(id).addEventListener('input', () => { $('skm-preset').value = 'custom'; presetChanged(); });
  $('skm-agency').addEventListener('change', fillScope);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    show();
  });
  $('skm-by').addEventListener('change', drawBreakdown);
  planForm.addEventListener('submit', savePlan);
  $('followup-cancel').addEventListener('click', resetPlanForm);
  await show();
}

start();
