// The officers page: the list comes from GET /api/v1/admin/officers, every button is one request to the
// same API (the server decides what this administrator may do; a refusal is shown as it says it).

import { api } from '/counter/static/api.js';
import { el } from '/static/js/dom.js';
import { langs, t } from '/static/js/i18n.js';

const rows = document.getElementById('officers-rows');
const message = document.getElementById('officers-message');
const lang = langs[0];

function say(text, kind) {
  message.textContent = text;
  message.dataset.kind = kind;
  message.hidden = false;
}

function showOneTime(officer) {
  document.getElementById('one-time-user').textContent = officer.username;
  document.getElementById('one-time-password').textContent = officer.one_time_password;
  document.getElementById('one-time').hidden = false;
}

document.getElementById('one-time-hide').addEventListener('click', () => {
  document.getElementById('one-time-password').textContent = '';
  document.getElementById('one-time').hidden = true;
});

function counterList(text) {
  return text.split(',').map((id) => id.trim()).filter(Boolean);
}

/** Run one request; on success say `done` and redraw the list, on failure say the server's reason. */
async function act(request, done) {
  try {
    const result = await request();
    say(t(lang, done, { username: result.username }), 'info');
    if (result.one_time_password) showOneTime(result);
    await load();
  } catch (problem) {
    say(problem.message, 'error');
  }
}

function signedIn(officer) {
  if (!officer.signed_in) return t(lang, 'admin.not_signed_in');
  const where = officer.signed_in.counters.map((c) => c.id).join(', ') || t(lang, 'admin.no_counter_open');
  return t(lang, 'admin.signed_in', { num: officer.signed_in.sessions, where });
}

function button(key, onClick, className = 'btn small') {
  const node = el('button', className, t(lang, key));
  node.type = 'button';
  node.addEventListener('click', onClick);
  return node;
}

/** A copy of the add form's select `name` (it offers what this administrator may give), set to `value`. */
function choice(name, value, label) {
  const select = document.querySelector(`#add-form select[name=${name}]`).cloneNode(true);
  select.removeAttribute('id');
  select.value = value ?? '';
  select.setAttribute('aria-label', t(lang, label));
  return select;
}

function roleCell(officer, path) {
  const cell = el('td', 'role-cell');
  const role = choice('role', officer.role, 'admin.field_role');
  const agency = choice('agency', officer.agency, 'admin.field_agency');
  const save = button('admin.save_role', () => {
    const body = { role: role.value };
    if (agency.value) body.agency = agency.value;
    act(() => api('PATCH', path, body), 'admin.saved');
  });
  cell.append(role, agency, save);
  return cell;
}

function row(officer) {
  const path = `/admin/officers/${encodeURIComponent(officer.username)}`;
  const tr = el('tr');
  tr.dataset.username = officer.username;
  tr.dataset.role = officer.role;
  const name = el('th', 'officer-name', officer.username);
  name.scope = 'row';
  tr.append(name, roleCell(officer, path));
  const counters = el('input', 'counters-field');
  counters.value = officer.counters.join(', ');
  counters.setAttribute('aria-label', t(lang, 'admin.field_counters'));
  const edit = button('admin.save_counters', () => act(() => api('PATCH', path, { counters: counterList(counters.value) }), 'admin.saved'));
  const countersCell = el('td');
  countersCell.append(counters, edit);
  tr.append(countersCell, el('td', officer.active ? 'state-active' : 'state-disabled', t(lang, officer.active ? 'admin.active' : 'admin.disabled')));
  tr.append(el('td', 'signed-in', signedIn(officer)));
  const actions = el('td', 'row-actions');
  actions.append(
    officer.active
      ? button('admin.disable', () => act(() => api('DELETE', path), 'admin.disabled_done'))
      : button('admin.enable', () => act(() => api('POST', `${path}/enable`), 'admin.enabled_done')),
    button('admin.reset_password', () => act(() => api('POST', `${path}/password`), 'admin.reset_done')),
    button('admin.end_sessions', () => act(() => api('DELETE', `${path}/sessions`), 'admin.sessions_done')),
  );
  tr.append(actions);
  return tr;
}

async function load() {
  try {
    const officers = await api('GET', '/admin/officers');
    rows.replaceChildren(...officers.map(row));
  } catch (problem) {
    say(problem.message, 'error');
  }
}

document.getElementById('add-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  const body = { username: form.get('username'), role: form.get('role'), counters: counterList(form.get('counters')) };
  if (form.get('agency')) body.agency = form.get('agency');
  act(() => api('POST', '/admin/officers', body), 'admin.added').then(() => {
    if (message.dataset.kind === 'info') event.target.reset();
  });
});

load();
