// Saving the hall's setup from an administration page (calendar, settings, lobby): every change goes
// with the setup version the page was loaded at; a refusal of the config's rules is shown beside the
// field it names and in a summary at the top; a version someone else has saved since says so and
// offers to load the data again. The fields carry `data-path`, the key path the API names in its
// problems (`hall.weekly_hours.monday`; relative to the item for an item's own endpoint).

import { api } from '/counter/static/api.js';
import { el } from '/static/js/dom.js';
import { langs, t } from '/static/js/i18n.js';

export const lang = langs[0];
const message = document.getElementById('setup-message');
const summary = document.getElementById('setup-summary');
let version = null;
let reload = async () => {};
let noteCount = 0;

/** Read `path` (an answer with `version`) and remember the version the page now shows. */
export async function read(path) {
  const answer = await api('GET', path);
  version = answer.version;
  return answer;
}

/** What the page does to load its data again after someone else saved. */
export function onReload(load) {
  reload = load;
}

export function say(text, kind) {
  message.replaceChildren(text);
  message.dataset.kind = kind;
  message.hidden = false;
}

/** Send a change of the setup from `form`; the answer, or null when refused (and said so). */
export async function save(form, method, path, body, doneKey) {
  clearProblems();
  try {
    const answer = await api(method, path, { ...body, version });
    version = answer.version;
    say(t(lang, doneKey), 'info');
    return answer;
  } catch (problem) {
    if (problem.error?.problems?.length) showProblems(form, problem.error.problems);
    else if (problem.status === 409 && problem.code === 'conflict') stale(problem.message);
    else say(problem.message, 'error');
    return null;
  }
}

function stale(text) {
  const button = el('button', 'btn small', t(lang, 'admin.reload_data'));
  button.type = 'button';
  button.addEventListener('click', async () => {
    await reload();
    say(t(lang, 'admin.reloaded'), 'info');
  });
  say(text, 'error');
  message.append(' ', button);
}

export function clearProblems() {
  document.querySelectorAll('.field-problem').forEach((note) => note.remove());
  document.querySelectorAll('[aria-invalid]').forEach((field) => {
    field.removeAttribute('aria-invalid');
    field.removeAttribute('aria-describedby');
  });
  summary.replaceChildren();
  summary.hidden = true;
}

/** The element a problem's path names, or the nearest one above it (`counters[1]` → `counters`). */
function target(form, path) {
  for (let at = path; at; at = at.replace(/(\.[^.[\]]+|\[\d+\])$/, '')) {
    const found = form.querySelector(`[data-path="${CSS.escape(at)}"]`);
    if (found) return found;
    if (!/(\.[^.[\]]+|\[\d+\])$/.test(at)) break;
  }
  return null;
}

function fieldsOf(node) {
  return node.matches('input, select, textarea') ? [node] : [...node.querySelectorAll('input, select, textarea')];
}

function labelOf(node, field) {
  return node.dataset.label || node.closest('label')?.firstChild?.textContent?.trim() || node.getAttribute('aria-label') || field;
}

function showProblems(form, problems) {
  summary.replaceChildren(el('h2', null, t(lang, 'admin.problems_title')));
  const list = el('ul');
  for (const problem of problems) {
    const text = problem.text || problem.message;
    const node = target(form, problem.field);
    const item = el('li');
    if (node) {
      const note = el('p', 'field-problem', text);
      note.id = `field-problem-${(noteCount += 1)}`;
      const fields = fieldsOf(node);
      for (const field of fields) {
        field.setAttribute('aria-invalid', 'true');
        field.setAttribute('aria-describedby', note.id);
      }
      if (node.matches('input, select, textarea')) (node.closest('label') || node).after(note);
      else node.append(note);
      const jump = el('button', 'link', `${labelOf(node, problem.field)}: ${text}`);
      jump.type = 'button';
      jump.addEventListener('click', () => fields[0]?.focus());
      item.append(jump);
    } else {
      item.textContent = `${problem.field}: ${text}`;
    }
    list.append(item);
  }
  summary.append(list);
  summary.hidden = false;
  message.hidden = true;
  summary.querySelector('button')?.focus();
}

/** A field's value as the setup wants it: an empty optional field is null (the key is removed, its
 * default applies); a number typed as one is a number, anything else is sent as typed for the
 * config's rules to name. */
export function valueOf(field) {
  const kind = field.dataset.type;
  if (kind === 'bool') return field.checked;
  const text = field.value.trim();
  if (text === '') return kind === 'required' ? '' : null;
  if ((kind === 'int' || kind === 'number') && /^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  return text;
}
