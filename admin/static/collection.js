// Editing one of the setup's lists (services, counters, agencies, kiosks, displays) item by item.
// The page embeds the specs of its lists (admin/setup_views.py: each field, its label, its input);
// this module lists the items with a search box and an agency filter, opens one form at a time (a
// real-size hall has 300 services: never 300 forms), and saves through /api/v1/admin/{kind}, which
// validates as config.yaml is validated and decides who may change what. A refused field's problem
// is shown beside the field and in a summary; a save from a stale page offers reloading the data.

import { api } from '/counter/static/api.js';
import { el, mediaUrl } from '/static/js/dom.js';
import { langs, t } from '/static/js/i18n.js';

const lang = langs[0];
const DAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
const CLOSED = 'closed';
const specs = JSON.parse(document.getElementById('collection-specs').textContent);
const message = document.getElementById('setup-message');
const stale = document.getElementById('setup-stale');
const page = { version: null, agencies: [], services: [], media: [], collections: [] };
let uid = 0;

function say(text, kind = 'info') {
  message.textContent = text;
  message.dataset.kind = kind;
  message.hidden = false;
}

/** A label's words: the page's language, then the second one smaller (as `both()` in templates). */
function both(key, params = {}) {
  const words = document.createDocumentFragment();
  words.append(t(langs[0], key, params), ' ', el('span', 'en', t(langs[1], key, params)));
  words.lastChild.lang = langs[1];
  return words;
}

function button(key, onClick, className = 'btn small') {
  const node = el('button', className);
  node.type = 'button';
  node.append(both(key));
  node.addEventListener('click', onClick);
  return node;
}

function nextId(prefix) {
  uid += 1;
  return `${prefix}-${uid}`;
}

/** An agency's official name from either of its names (a service may name the short one). */
function official(name) {
  const agency = page.agencies.find((a) => a.name === name || a.short_name === name);
  return agency ? agency.name : name;
}

function agenciesOf(kind, item) {
  if (kind === 'services') return [official(item.agency)];
  if (kind === 'agencies') return [item.name];
  if (kind === 'counters') {
    const byCode = new Map(page.services.map((s) => [s.code, s]));
    return [...new Set((item.services || []).map((code) => official(byCode.get(code)?.agency)).filter(Boolean))];
  }
  return [];
}

function shown(value) {
  if (value === undefined || value === null) return '';
  return Array.isArray(value) ? value.join(', ') : String(value);
}

// --- inputs: each kind makes { node, focus, get(), set(value) } -----------------------------------
function textInput(spec, id) {
  const input = el('input');
  input.id = id;
  input.autocomplete = 'off';
  if (spec.kind === 'number') {
    input.type = 'number';
    for (const bound of ['min', 'max', 'step']) if (spec[bound] !== undefined) input[bound] = spec[bound];
  }
  return {
    node: input,
    focus: input,
    get() {
      const value = input.value.trim();
      if (spec.kind === 'number') return value === '' ? null : Number(value);
      return value === '' && !spec.required ? null : value;
    },
    set(value) {
      input.value = value ?? '';
    },
    fix(fixed) {
      input.readOnly = fixed;
    },
  };
}

function linesInput(spec, id) {
  const area = el('textarea');
  area.id = id;
  area.rows = 4;
  return {
    node: area,
    focus: area,
    get() {
      const lines = area.value.split('\n').map((line) => line.trim()).filter(Boolean);
      return lines.length ? lines : null;
    },
    set(value) {
      area.value = (value || []).join('\n');
    },
  };
}

/** The agencies by official name; a service naming its agency by the short name keeps it while unchanged. */
function agencyInput(spec, id) {
  const select = el('select');
  select.id = id;
  let original = null;
  return {
    node: select,
    focus: select,
    get: () => (original && official(original) === select.value ? original : select.value),
    set(value) {
      original = value || null;
      const names = page.agencies.map((a) => a.name);
      if (value && !names.includes(official(value))) names.push(value);
      select.replaceChildren(...names.map((name) => Object.assign(el('option', null, name), { value: name })));
      select.value = value ? official(value) : names[0] ?? '';
    },
  };
}

/** Checkboxes in groups, with a filter field: a counter's services (300 in a real hall) by agency. */
function checkboxGroups(id, groups, filterLabel) {
  const box = el('div', 'check-groups');
  const filter = el('input', 'check-filter');
  filter.type = 'search';
  filter.id = `${id}-filter`;
  const filterLabelNode = el('label', 'check-filter-label');
  filterLabelNode.htmlFor = filter.id;
  filterLabelNode.append(both(filterLabel));
  const boxes = [];
  const sets = groups.map(({ title, options }) => {
    const set = el('fieldset', 'check-group');
    set.append(el('legend', null, title));
    for (const { value, text } of options) {
      const label = el('label', 'check');
      const box = el('input');
      box.type = 'checkbox';
      box.value = value;
      label.append(box, ' ', text);
      label.dataset.search = `${value} ${text} ${title}`.toLowerCase();
      boxes.push(box);
      set.append(label);
    }
    return set;
  });
  filter.addEventListener('input', () => {
    const needle = filter.value.trim().toLowerCase();
    for (const set of sets) {
      let any = false;
      for (const label of set.querySelectorAll('label')) {
        label.hidden = needle !== '' && !label.dataset.search.includes(needle);
        any ||= !label.hidden;
      }
      set.hidden = !any;
    }
  });
  box.append(filterLabelNode, filter, ...sets);
  let order = [];
  return {
    node: box,
    focus: filter,
    get() {
      const checked = boxes.filter((b) => b.checked).map((b) => b.value);
      const kept = order.filter((value) => checked.includes(value));
      const chosen = [...kept, ...checked.filter((value) => !kept.includes(value))];
      return chosen.length ? chosen : null;
    },
    set(value) {
      order = value || [];
      for (const b of boxes) b.checked = order.includes(b.value);
    },
  };
}

function servicesInput(spec, id) {
  const groups = new Map();
  for (const service of page.services) {
    const agency = official(service.agency);
    if (!groups.has(agency)) groups.set(agency, []);
    groups.get(agency).push({ value: service.code, text: `${service.code} · ${service.name}` });
  }
  return checkboxGroups(id, [...groups].map(([title, options]) => ({ title, options })), 'admin.filter_services');
}

/** A display's agencies by official name; a list naming short names is kept as it is while unchanged. */
function agenciesInput(spec, id) {
  const options = page.agencies.map((a) => ({ value: a.name, text: a.short_name ? `${a.name} (${a.short_name})` : a.name }));
  const boxes = checkboxGroups(id, [{ title: t(lang, 'admin.item.agencies'), options }], 'admin.filter_agencies');
  let original = null;
  return {
    ...boxes,
    get() {
      const chosen = boxes.get();
      const same = original && JSON.stringify(original.map(official)) === JSON.stringify(chosen);
      return same ? original : chosen;
    },
    set(value) {
      original = value || null;
      boxes.set((value || []).map(official));
    },
  };
}

/** The weekly grid: per day an opening and a closing time, or closed; a day left empty follows the hall. */
function hoursInput(spec, id) {
  const table = el('table', 'hours-grid');
  const head = el('tr');
  for (const key of ['admin.day', 'admin.opens', 'admin.closes', 'admin.closed_day']) head.append(el('th', null, t(lang, key)));
  head.querySelectorAll('th').forEach((th) => (th.scope = 'col'));
  table.append(el('thead'), el('tbody'));
  table.tHead.append(head);
  const rows = DAYS.map((day) => {
    const tr = el('tr');
    const name = el('th', null, t(lang, `admin.day.${day}`));
    name.scope = 'row';
    const opens = timeInput(`${id}-${day}-opens`, t(lang, `admin.day.${day}`), 'admin.opens');
    const closes = timeInput(`${id}-${day}-closes`, t(lang, `admin.day.${day}`), 'admin.closes');
    const closed = el('input');
    closed.type = 'checkbox';
    closed.setAttribute('aria-label', `${t(lang, `admin.day.${day}`)}: ${t(lang, 'admin.closed_day')}`);
    closed.addEventListener('change', () => {
      opens.disabled = closes.disabled = closed.checked;
    });
    tr.append(name, cell(opens), cell(closes), cell(closed));
    table.tBodies[0].append(tr);
    return { day, opens, closes, closed };
  });
  return {
    node: table,
    focus: rows[0].opens,
    get() {
      const hours = {};
      for (const { day, opens, closes, closed } of rows) {
        if (closed.checked) hours[day] = CLOSED;
        else if (opens.value || closes.value) hours[day] = `${opens.value}-${closes.value}`;
      }
      return Object.keys(hours).length ? hours : null;
    },
    set(value) {
      for (const { day, opens, closes, closed } of rows) {
        const text = value?.[day];
        closed.checked = text === CLOSED;
        [opens.value, closes.value] = text && text !== CLOSED ? text.split('-') : ['', ''];
        opens.disabled = closes.disabled = closed.checked;
      }
    },
  };
}

function timeInput(id, day, key) {
  const input = el('input');
  input.type = 'time';
  input.id = id;
  input.setAttribute('aria-label', `${day}: ${t(lang, key)}`);
  return input;
}

function cell(node) {
  const td = el('td');
  td.append(node);
  return td;
}

/** Closed days: a date and its reason per line, lines added and removed. */
function daysInput(spec, id) {
  const box = el('div', 'closed-days');
  const list = el('ul', 'closed-days-list');
  const add = button('admin.add_closed_day', () => addRow({}).date.focus());
  box.append(list, add);
  let rows = [];
  function addRow({ date = '', reason = '' }) {
    const li = el('li');
    const dateInput = el('input');
    dateInput.type = 'date';
    dateInput.value = date;
    dateInput.setAttribute('aria-label', t(lang, 'admin.closed_date'));
    const reasonInput = el('input');
    reasonInput.value = reason;
    reasonInput.setAttribute('aria-label', t(lang, 'admin.closed_reason'));
    const row = { date: dateInput, reason: reasonInput };
    const remove = button('admin.remove_closed_day', () => {
      rows = rows.filter((r) => r !== row);
      li.remove();
      add.focus();
    });
    li.append(dateInput, reasonInput, remove);
    list.append(li);
    rows.push(row);
    return row;
  }
  return {
    node: box,
    focus: add,
    get() {
      const days = rows.filter((r) => r.date.value || r.reason.value.trim()).map((r) => ({ date: r.date.value, reason: r.reason.value.trim() }));
      return days.length ? days : null;
    },
    set(value) {
      rows = [];
      list.replaceChildren();
      for (const day of value || []) addRow(day);
    },
  };
}

/** Booking sessions: a time ("08:00-10:00") and its places per line, lines added and removed, and
 * the grace minutes after a session's end; no line makes the service walk-in only (null). The config's
 * rules judge the times (format, order, overlap) and name the line they refuse. */
function bookingInput(spec, id) {
  const box = el('div', 'booking-sessions');
  const list = el('ul', 'closed-days-list');
  const add = button('admin.add_session', () => addRow({}).time.focus());
  const graceLabel = el('label', 'grace', t(lang, 'admin.booking_grace'));
  const grace = el('input');
  grace.type = 'number';
  grace.min = 0;
  grace.step = 1;
  grace.id = `${id}-grace`;
  graceLabel.append(' ', grace);
  box.append(list, add, graceLabel);
  let rows = [];
  function addRow({ time = '', places = '' }) {
    const li = el('li');
    const timeInput = el('input');
    timeInput.value = time;
    timeInput.placeholder = '08:00-10:00';
    timeInput.setAttribute('aria-label', t(lang, 'admin.booking_time'));
    const placesInput = el('input');
    placesInput.type = 'number';
    placesInput.min = 1;
    placesInput.step = 1;
    placesInput.value = places;
    placesInput.setAttribute('aria-label', t(lang, 'admin.booking_places'));
    const row = { time: timeInput, places: placesInput };
    const remove = button('admin.remove_session', () => {
      rows = rows.filter((r) => r !== row);
      li.remove();
      add.focus();
    });
    li.append(timeInput, placesInput, remove);
    list.append(li);
    rows.push(row);
    return row;
  }
  const number = (text) => (/^\d+$/.test(text.trim()) ? Number(text) : text.trim());
  return {
    node: box,
    focus: add,
    get() {
      const sessions = rows.filter((r) => r.time.value.trim() || r.places.value).map((r) => ({ time: r.time.value.trim(), places: number(r.places.value) }));
      if (!sessions.length) return null;
      return grace.value.trim() === '' ? { sessions } : { sessions, grace_minutes: number(grace.value) };
    },
    set(value) {
      rows = [];
      list.replaceChildren();
      for (const session of value?.sessions || []) addRow(session);
      grace.value = value?.grace_minutes ?? '';
    },
  };
}

function colourInput(spec, id) {
  const box = el('div', 'colour-field');
  const input = el('input');
  input.type = 'color';
  input.id = id;
  const none = el('input');
  none.type = 'checkbox';
  none.id = `${id}-none`;
  const noneLabel = el('label');
  noneLabel.htmlFor = none.id;
  noneLabel.append(both('admin.no_colour'));
  none.addEventListener('change', () => (input.disabled = none.checked));
  box.append(input, none, noneLabel);
  return {
    node: box,
    focus: input,
    get: () => (none.checked ? null : input.value.toUpperCase()),
    set(value) {
      none.checked = !value;
      input.value = value || '#1F4E9C';
      input.disabled = none.checked;
    },
  };
}

/** A logo: one of the hall's uploaded pictures, or a new one sent at once (POST /api/v1/admin/media). */
function logoInput(spec, id) {
  const box = el('div', 'logo-field');
  const select = el('select');
  select.id = id;
  const preview = el('img', 'logo-preview');
  preview.alt = '';
  const file = el('input');
  file.type = 'file';
  file.accept = 'image/*';
  file.id = `${id}-upload`;
  const fileLabel = el('label');
  fileLabel.htmlFor = file.id;
  fileLabel.append(both('admin.upload_logo'));
  function fill(value) {
    const none = Object.assign(el('option', null, t(lang, 'admin.no_logo')), { value: '' });
    const pictures = page.media.filter((m) => m.kind === 'image' || String(m.content_type).startsWith('image/'));
    select.replaceChildren(none, ...pictures.map((m) => Object.assign(el('option', null, m.filename || m.id), { value: m.id })));
    select.value = value || '';
    showPreview();
  }
  function showPreview() {
    preview.hidden = !select.value;
    if (select.value) preview.src = mediaUrl(select.value);
  }
  select.addEventListener('change', showPreview);
  file.addEventListener('change', async () => {
    if (!file.files.length) return;
    try {
      const saved = await upload(file.files[0]);
      page.media = await mediaList();
      fill(saved.id);
      say(t(lang, 'admin.uploaded', { name: saved.filename || saved.id }));
    } catch (problem) {
      say(problem.message, 'error');
    }
    file.value = '';
  });
  box.append(select, preview, fileLabel, file);
  return { node: box, focus: select, get: () => select.value || null, set: fill };
}

async function upload(picture) {
  const form = new FormData();
  form.append('file', picture);
  const response = await fetch('/api/v1/admin/media', {
    method: 'POST',
    body: form,
    credentials: 'same-origin',
    headers: { 'X-CSRF-Token': document.querySelector('meta[name="csrf-token"]').content, 'Accept-Language': lang },
  });
  const data = await response.json().catch(() => null);
  if (!response.ok) throw new Error(data?.error?.message || t(lang, 'console.status.other', { status: response.status }));
  return data;
}

async function mediaList() {
  return (await api('GET', '/admin/media')).media;
}

const INPUTS = {
  text: textInput,
  number: textInput,
  lines: linesInput,
  agency: agencyInput,
  services: servicesInput,
  agencies: agenciesInput,
  hours: hoursInput,
  days: daysInput,
  booking: bookingInput,
  colour: colourInput,
  logo: logoInput,
};
const GROUPS = new Set(['services', 'agencies', 'hours', 'days', 'booking']); // a fieldset with a legend, not one input with a label

// --- one list -------------------------------------------------------------------------------------
class Collection {
  constructor(section, spec) {
    this.section = section;
    this.spec = spec;
    this.items = [];
    this.rows = section.querySelector('tbody');
    this.search = section.querySelector('.search');
    this.agencyFilter = section.querySelector('.agency-filter');
    this.editor = section.querySelector('.editor');
    this.count = section.querySelector('.item-count');
    this.search.addEventListener('input', () => this.render());
    this.agencyFilter?.addEventListener('change', () => this.render());
    section.querySelector('.add').addEventListener('click', () => this.open(null));
  }

  async load() {
    const data = await api('GET', `/admin/${this.spec.kind}`);
    this.items = data.items;
    page.version = data.version;
    this.fillAgencyFilter();
    this.render();
  }

  fillAgencyFilter() {
    if (!this.agencyFilter) return;
    const chosen = this.agencyFilter.value;
    const names = [...new Set(this.items.flatMap((item) => agenciesOf(this.spec.kind, item)))].sort();
    const all = this.agencyFilter.options[0];
    this.agencyFilter.replaceChildren(all, ...names.map((name) => Object.assign(el('option', null, name), { value: name })));
    this.agencyFilter.value = names.includes(chosen) ? chosen : '';
  }

  matches(item) {
    const agency = this.agencyFilter?.value;
    if (agency && !agenciesOf(this.spec.kind, item).includes(agency)) return false;
    const needle = this.search.value.trim().toLowerCase();
    return !needle || this.searchText(item).includes(needle);
  }

  /** What the search box looks in: the key, the names, the agency and a service's keywords. */
  searchText(item) {
    const words = [item[this.spec.key], item.name, item.short_name, item.agency, ...agenciesOf(this.spec.kind, item), ...(item.keywords || [])];
    return words.filter(Boolean).join(' ').toLowerCase();
  }

  render() {
    const listed = this.items.filter((item) => this.matches(item));
    this.rows.replaceChildren(...listed.map((item) => this.row(item)));
    this.count.textContent = t(lang, 'admin.count', { num: listed.length, total: this.items.length });
  }

  row(item) {
    const key = item[this.spec.key];
    const tr = el('tr');
    tr.dataset.key = key;
    this.spec.columns.forEach((column, index) => {
      const td = el(index === 0 ? 'th' : 'td', `col-${column}`, shown(item[column]));
      if (index === 0) td.scope = 'row';
      if (column === 'colour' && item.colour) {
        const swatch = el('span', 'swatch');
        swatch.style.background = item.colour;
        td.prepend(swatch);
      }
      tr.append(td);
    });
    const edit = button('admin.edit', () => this.open(item));
    edit.setAttribute('aria-label', `${t(lang, 'admin.edit')} ${key}`);
    tr.append(cell(edit));
    return tr;
  }

  /** The one form of the list: for `item`, or for a new item when null. */
  open(item) {
    this.item = item;
    this.inputs = new Map();
    const form = el('form', 'item-form');
    form.noValidate = true;
    const title = el('h3', null);
    title.append(item ? both('admin.editing', { name: item.name ?? item[this.spec.key] }) : both(this.spec.add));
    title.tabIndex = -1;
    const summary = el('div', 'problems');
    summary.setAttribute('role', 'alert');
    summary.hidden = true;
    this.summary = summary;
    form.append(title, summary);
    for (const spec of this.spec.fields) form.append(this.field(spec, item));
    const actions = el('div', 'form-actions');
    const save = el('button', 'btn primary');
    save.type = 'submit';
    save.append(both('admin.save'));
    const cancel = () => {
      const key = this.item?.[this.spec.key];
      this.close();
      this.focusRow(key);
    };
    actions.append(save, button('admin.cancel', cancel));
    form.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') cancel();
    });
    if (item) actions.append(button('admin.remove', () => this.confirmRemoval(), 'btn small danger'));
    this.removal = el('div', 'removal');
    this.removal.hidden = true;
    form.append(actions, this.removal);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.save();
    });
    this.editor.replaceChildren(form);
    this.editor.hidden = false;
    title.focus();
  }

  field(spec, item) {
    const id = nextId(`${this.spec.kind}-${spec.name}`);
    const input = INPUTS[spec.kind](spec, id);
    input.set(item ? item[spec.name] : undefined);
    input.fix?.(Boolean(item && spec.fixed));
    const group = GROUPS.has(spec.kind);
    const wrap = el(group ? 'fieldset' : 'div', `field field-${spec.kind}`);
    wrap.dataset.field = spec.name;
    const label = el(group ? 'legend' : 'label');
    if (!group) label.htmlFor = id;
    label.append(both(spec.label));
    const problem = el('p', 'problem');
    problem.id = `${id}-problem`;
    problem.hidden = true;
    const described = [problem.id];
    wrap.append(label);
    if (spec.hint) {
      const hint = el('p', 'hint muted', t(lang, spec.hint));
      hint.id = `${id}-hint`;
      described.unshift(hint.id);
      wrap.append(hint);
    }
    wrap.append(input.node, problem);
    const target = group ? wrap : input.focus;
    target.setAttribute('aria-describedby', described.join(' '));
    this.inputs.set(spec.name, { ...input, spec, problem, target });
    return wrap;
  }

  /** Back where the keyboard was: the row's edit button (the add button for a new item). */
  focusRow(key) {
    const edit = key === undefined ? null : this.rows.querySelector(`tr[data-key="${CSS.escape(key)}"] button`);
    (edit || this.section.querySelector('.add')).focus();
  }

  close() {
    this.editor.hidden = true;
    this.editor.replaceChildren();
    this.item = null;
  }

  /** The fields that changed (all that are set, for a new item), with the page's setup version. */
  changes() {
    const body = {};
    for (const [name, input] of this.inputs) {
      const value = input.get();
      const before = this.item ? this.item[name] ?? null : null;
      if (JSON.stringify(value) !== JSON.stringify(before)) body[name] = value;
    }
    return body;
  }

  async save() {
    this.clearProblems();
    const body = this.changes();
    if (!Object.keys(body).length) {
      say(t(lang, 'admin.unchanged'));
      return;
    }
    const key = this.item?.[this.spec.key];
    const path = this.item ? `/admin/${this.spec.kind}/${encodeURIComponent(key)}` : `/admin/${this.spec.kind}`;
    try {
      const result = await api(this.item ? 'PATCH' : 'POST', path, { ...body, version: page.version });
      page.version = result.version;
      const item = result.item;
      this.close();
      await reloadAll();
      say(t(lang, 'admin.saved_item', { name: item.name ?? item[this.spec.key] }));
      this.focusRow(item[this.spec.key]);
    } catch (problem) {
      await this.refused(problem);
    }
  }

  /** A refusal: problems beside their fields, a stale page said so, anything else said as the server says it. */
  async refused(problem) {
    const error = problem.error || {};
    if (problem.status === 409 && (await outdated())) return;
    const problems = error.problems || (error.field && this.inputs.has(error.field) ? [{ field: error.field, text: error.message }] : []);
    if (!problems.length) {
      say(problem.message, 'error');
      return;
    }
    say(t(lang, 'admin.not_saved'), 'error');
    this.showProblems(problems);
  }

  showProblems(problems) {
    const list = el('ul');
    let first = null;
    for (const { field, text, message: line } of problems) {
      const name = field.split(/[.[]/)[0];
      const input = this.inputs.get(name);
      const words = text || line;
      const li = el('li');
      if (input) {
        input.problem.textContent = words;
        input.problem.hidden = false;
        input.target.setAttribute('aria-invalid', 'true');
        const link = el('a', null, `${t(lang, input.spec.label)}: ${words}`);
        link.href = `#${input.focus.id || input.problem.id}`;
        link.addEventListener('click', (event) => {
          event.preventDefault();
          input.focus.focus();
        });
        li.append(link);
        first ??= input;
      } else {
        li.textContent = line || words;
      }
      list.append(li);
    }
    this.summary.replaceChildren(el('p', null, t(lang, 'admin.problems_title')), list);
    this.summary.hidden = false;
    (first?.focus ?? this.summary).focus?.();
  }

  clearProblems() {
    this.summary.hidden = true;
    for (const input of this.inputs.values()) {
      input.problem.hidden = true;
      input.problem.textContent = '';
      input.target.removeAttribute('aria-invalid');
    }
  }

  confirmRemoval() {
    const name = this.item.name ?? this.item[this.spec.key];
    const question = el('p', null, t(lang, 'admin.remove_question', { name }));
    const yes = button('admin.remove_yes', () => this.remove(), 'btn small danger');
    this.removal.replaceChildren(question, yes, button('admin.cancel', () => (this.removal.hidden = true)));
    this.removal.hidden = false;
    yes.focus();
  }

  async remove(waiting = '') {
    const key = this.item[this.spec.key];
    const name = this.item.name ?? key;
    const query = new URLSearchParams({ version: page.version });
    if (waiting) for (const [k, v] of new URLSearchParams(waiting)) query.set(k, v);
    try {
      const result = await api('DELETE', `/admin/${this.spec.kind}/${encodeURIComponent(key)}?${query}`);
      page.version = result.version;
      this.close();
      await reloadAll();
      say(t(lang, result.tickets ? 'admin.removed_with_tickets' : 'admin.removed', { name, num: result.tickets }));
      this.search.focus();
    } catch (problem) {
      if (problem.code === 'tickets_waiting') this.askWaiting(problem.error.count);
      else if (!(problem.status === 409 && (await outdated()))) say(problem.message, 'error');
    }
  }

  /** A service with waiting tickets: say how many, and ask where they go (another service, or closed). */
  askWaiting(count) {
    const key = this.item[this.spec.key];
    const set = el('fieldset', 'waiting-choice');
    const legend = el('legend', null, t(lang, 'admin.tickets_waiting', { num: count, service: key }));
    const move = radio('waiting', 'transfer', 'admin.waiting_transfer', true);
    const target = el('select');
    target.setAttribute('aria-label', t(lang, 'admin.waiting_to'));
    const others = page.services.filter((s) => s.code !== key);
    target.replaceChildren(...others.map((s) => Object.assign(el('option', null, `${s.code} · ${s.name}`), { value: s.code })));
    const close = radio('waiting', 'close', 'admin.waiting_close', false);
    const go = button('admin.remove_yes', () => {
      const choice = move.input.checked ? `waiting=transfer&to=${encodeURIComponent(target.value)}` : 'waiting=close';
      this.remove(choice);
    }, 'btn small danger');
    set.append(legend, move.label, target, close.label, go);
    this.removal.replaceChildren(set, button('admin.cancel', () => (this.removal.hidden = true)));
    this.removal.hidden = false;
    move.input.focus();
  }
}

function radio(name, value, key, checked) {
  const label = el('label', 'check');
  const input = el('input');
  input.type = 'radio';
  input.name = name;
  input.value = value;
  input.checked = checked;
  label.append(input, ' ');
  label.append(both(key));
  return { label, input };
}

/** Whether someone else saved since the page loaded: then say so and offer reloading the data. */
async function outdated() {
  const current = (await api('GET', `/admin/${specs[0].kind}`)).version;
  if (current === page.version) return false;
  stale.hidden = false;
  document.getElementById('setup-reload').focus();
  return true;
}

/** The lists the forms choose from (agencies, services; uploads for a hall admin's logos), then the page's lists. */
async function reloadAll() {
  const [agencies, services] = await Promise.all([api('GET', '/admin/agencies'), api('GET', '/admin/services')]);
  page.agencies = agencies.items;
  page.services = services.items;
  if (specs.some((spec) => spec.fields.some((f) => f.kind === 'logo'))) page.media = await mediaList();
  for (const collection of page.collections) await collection.load();
}

document.getElementById('setup-reload').addEventListener('click', async () => {
  for (const collection of page.collections) collection.close();
  try {
    await reloadAll();
    stale.hidden = true;
    say(t(lang, 'admin.reloaded'));
  } catch (problem) {
    say(problem.message, 'error');
  }
});

page.collections = specs.map((spec) => new Collection(document.getElementById(spec.kind), spec));
reloadAll().catch((problem) => say(problem.message, 'error'));
