// The complaint form at /pengaduan: sends POST /api/v1/complaints and shows the code it gets back.
// A refused field is marked (aria-invalid), its message written beside it and focused; every word
// comes from the catalogue or from the server's message, set as text (never as markup).

import { langs, t } from '/static/js/i18n.js';

const lang = langs[0];
const form = document.getElementById('complaint-form');
const send = document.getElementById('complaint-send');
const problem = document.getElementById('complaint-error');
const TEXTS = ['what', 'where_when', 'remedy', 'contact'];

function body() {
  const data = new FormData(form);
  const sent = { confidential: form.elements.confidential.checked };
  for (const name of TEXTS) if (data.get(name).trim()) sent[name] = data.get(name);
  for (const name of ['agency', 'ticket']) if (data.get(name)) sent[name] = data.get(name);
  return sent;
}

function clearErrors() {
  problem.hidden = true;
  for (const node of form.querySelectorAll('[aria-invalid]')) node.removeAttribute('aria-invalid');
  for (const node of form.querySelectorAll('.field-error')) node.hidden = true;
}

function refuse(error) {
  const field = error && error.field && form.elements[error.field];
  const message = t(lang, 'complaint.refused', { message: (error && error.message) || '' });
  if (field && field.type !== 'hidden') {
    const note = document.getElementById(`c-${error.field}-error`);
    field.setAttribute('aria-invalid', 'true');
    if (note) {
      note.textContent = message;
      note.hidden = false;
    }
    field.focus();
    return;
  }
  problem.textContent = message;
  problem.hidden = false;
}

function received(answer) {
  form.hidden = true;
  const done = document.getElementById('complaint-done');
  document.getElementById('complaint-code').textContent = answer.code;
  const day = new Date(`${answer.due_day}T12:00:00`).toLocaleDateString(lang === 'id' ? 'id-ID' : 'en-GB', { day: 'numeric', month: 'long', year: 'numeric' });
  document.getElementById('complaint-due').textContent = t(lang, 'complaint.due', { day });
  document.getElementById('complaint-status-link').href = `/pengaduan/${encodeURIComponent(answer.code)}`;
  done.hidden = false;
  done.focus();
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearErrors();
  send.disabled = true;
  try {
    const response = await fetch('/api/v1/complaints', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Accept-Language': lang },
      body: JSON.stringify(body()),
    });
    const answer = await response.json().catch(() => null);
    if (response.status === 201) received(answer);
    else refuse(answer && answer.error);
  } catch {
    problem.textContent = t(lang, 'complaint.offline');
    problem.hidden = false;
  } finally {
    send.disabled = false;
  }
});
