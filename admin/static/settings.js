// The hall's settings page: each field's `data-path` is its key in the setup (GET/PATCH
// /api/v1/admin/settings); saving sends every field, an emptied optional one as null (its default).

import { onReload, read, save, say, valueOf } from './setup_form.js';

const form = document.getElementById('settings-form');
const categories = form.querySelector('[data-path="kiosk_priority_categories"]');
let loaded = {};

function lookup(settings, path) {
  return path.split('.').reduce((at, key) => (at == null ? undefined : at[key]), settings);
}

function fill(settings) {
  for (const field of form.querySelectorAll('[data-type]')) {
    const value = lookup(settings, field.dataset.path);
    if (field.dataset.type === 'bool') field.checked = value ?? field.dataset.default === 'true';
    else field.value = value ?? '';
  }
  const offered = settings.kiosk_priority_categories;
  for (const box of categories.querySelectorAll('input')) box.checked = !offered || offered.includes(box.value);
}

/** Whether a field left as the page showed a key the setup does not have (its default): nothing to send. */
function untouchedDefault(field, value) {
  if (lookup(loaded, field.dataset.path) !== undefined) return false;
  return value === null || (field.dataset.type === 'bool' && value === (field.dataset.default === 'true'));
}

/** The change: every field by its path; a null only where the key was set (so it is removed). */
function change() {
  const body = {};
  for (const field of form.querySelectorAll('[data-type]')) {
    const value = valueOf(field);
    const path = field.dataset.path.split('.');
    if (untouchedDefault(field, value)) continue;
    const last = path.pop();
    const section = path.reduce((at, key) => (at[key] ??= {}), body);
    section[last] = value;
  }
  const offered = [...categories.querySelectorAll('input:checked')].map((box) => box.value);
  const every = offered.length === categories.querySelectorAll('input').length;
  if (loaded.kiosk_priority_categories || !every) body.kiosk_priority_categories = offered;
  return body;
}

async function load() {
  try {
    loaded = (await read('/admin/settings')).settings;
    fill(loaded);
  } catch (problem) {
    say(problem.message, 'error');
  }
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const answer = await save(form, 'PATCH', '/admin/settings', change(), 'admin.settings_saved');
  if (answer) {
    loaded = answer.settings;
    fill(loaded);
  }
});

onReload(load);
load();
