// The lobby content page: the ticker and the notices (PATCH /api/v1/admin/settings, `hall.ticker`
// and `hall.notices`), each notice with a preview as the lobby shows it, and the uploads
// (POST/GET/DELETE /api/v1/admin/media) a notice may show.

import { api } from '/counter/static/api.js';
import { el, mediaUrl } from '/static/js/dom.js';
import { t } from '/static/js/i18n.js';
import { lang, onReload, read, save, say } from './setup_form.js';

const $ = (id) => document.getElementById(id);
const form = $('lobby-form');
const notices = $('notices');
const csrfToken = document.querySelector('meta[name="csrf-token"]').content;
let uploads = [];

function preview(row) {
  const box = row.querySelector('.notice-preview');
  const chosen = uploads.find((upload) => upload.id === row.querySelector('.notice-media').value);
  const parts = [];
  if (chosen?.kind === 'image') {
    const image = el('img');
    image.alt = '';
    image.src = mediaUrl(chosen.id);
    parts.push(image);
  } else if (chosen?.kind === 'video') {
    const video = el('video');
    Object.assign(video, { muted: true, loop: true, autoplay: true, playsInline: true, src: mediaUrl(chosen.id) });
    parts.push(video);
  }
  const text = row.querySelector('.notice-text').value.trim();
  if (text) parts.push(el('p', 'notice-preview-text', text));
  box.replaceChildren(...parts);
}

function mediaChoice(value) {
  const select = el('select', 'notice-media');
  select.setAttribute('aria-label', t(lang, 'admin.field_notice_media'));
  const none = el('option', null, t(lang, 'admin.no_media'));
  none.value = '';
  select.append(none);
  for (const upload of uploads) {
    const option = el('option', null, `${upload.filename} (${t(lang, `admin.kind_${upload.kind}`)})`);
    option.value = upload.id;
    select.append(option);
  }
  select.value = value || '';
  return select;
}

function labelled(key, field) {
  const label = el('label', null, t(lang, key));
  label.append(' ', field);
  return label;
}

function moveButton(row, key, step) {
  const button = el('button', 'btn small ghost', t(lang, key));
  button.type = 'button';
  button.addEventListener('click', () => {
    const other = step < 0 ? row.previousElementSibling : row.nextElementSibling;
    if (other) (step < 0 ? other.before(row) : other.after(row));
    button.focus();
  });
  return button;
}

function noticeRow(notice = { text: '', media: '', seconds: 10 }) {
  const row = el('li', 'notice-row');
  const text = el('textarea', 'notice-text');
  text.rows = 2;
  text.value = notice.text || '';
  const seconds = el('input', 'notice-seconds');
  seconds.inputMode = 'numeric';
  seconds.value = notice.seconds ?? '';
  const remove = el('button', 'btn small ghost', t(lang, 'admin.remove'));
  remove.type = 'button';
  remove.addEventListener('click', () => row.remove());
  const fields = el('div', 'notice-fields');
  fields.append(
    labelled('admin.field_notice_text', text),
    labelled('admin.field_notice_media', mediaChoice(notice.media)),
    labelled('admin.field_seconds', seconds),
  );
  const actions = el('div', 'row-actions');
  actions.append(moveButton(row, 'admin.move_up', -1), moveButton(row, 'admin.move_down', 1), remove);
  const box = el('div', 'notice-preview');
  box.setAttribute('aria-label', t(lang, 'admin.preview'));
  box.setAttribute('role', 'img');
  row.append(fields, box, actions);
  row.addEventListener('input', () => preview(row));
  notices.append(row);
  preview(row);
  return row;
}

/** The notices in their order, each row and field numbered as the API will name them. */
function noticesValue() {
  const rows = [...notices.querySelectorAll('.notice-row')];
  const list = rows.map((row, index) => {
    row.dataset.path = `hall.notices[${index}]`;
    row.querySelector('.notice-text').dataset.path = `${row.dataset.path}.text`;
    row.querySelector('.notice-media').dataset.path = `${row.dataset.path}.media`;
    row.querySelector('.notice-seconds').dataset.path = `${row.dataset.path}.seconds`;
    const notice = {};
    const text = row.querySelector('.notice-text').value.trim();
    const media = row.querySelector('.notice-media').value;
    const seconds = row.querySelector('.notice-seconds').value.trim();
    if (text) notice.text = text;
    if (media) notice.media = media;
    if (seconds) notice.seconds = /^\d+$/.test(seconds) ? Number(seconds) : seconds;
    return notice;
  });
  return list.length ? list : null;
}

function fill(settings) {
  const hall = settings.hall || {};
  $('skm-on-lobby').checked = Boolean(settings.survey?.show_on_lobby);
  $('ticker').value = hall.ticker || '';
  notices.replaceChildren();
  for (const notice of hall.notices || []) noticeRow(notice);
}

function sizeText(bytes) {
  return bytes >= 2 ** 20 ? `${(bytes / 2 ** 20).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KB`;
}

function uploadItem(upload) {
  const item = el('li', 'upload');
  item.dataset.id = upload.id;
  const thumb = upload.kind === 'image' ? el('img') : el('span', 'video-mark', t(lang, 'admin.kind_video'));
  if (upload.kind === 'image') {
    thumb.alt = '';
    thumb.src = mediaUrl(upload.id);
  }
  const remove = el('button', 'btn small ghost', t(lang, 'admin.delete_upload'));
  remove.type = 'button';
  remove.setAttribute('aria-label', `${t(lang, 'admin.delete_upload')}: ${upload.filename}`);
  remove.addEventListener('click', async () => {
    try {
      await api('DELETE', `/admin/media/${encodeURIComponent(upload.id)}`);
      say(t(lang, 'admin.upload_deleted', { name: upload.filename }), 'info');
      await loadUploads();
    } catch (problem) {
      say(problem.message, 'error');
    }
  });
  const words = `${upload.filename} · ${t(lang, `admin.kind_${upload.kind}`)} · ${sizeText(upload.size)}`;
  item.append(thumb, el('span', 'upload-name', words), el('span', 'upload-use', upload.in_use ? t(lang, 'admin.in_use') : ''), remove);
  return item;
}

/** The uploads, and each notice's choice of them with the same selection. */
async function loadUploads() {
  uploads = (await api('GET', '/admin/media')).media;
  $('uploads').replaceChildren(...uploads.map(uploadItem));
  for (const row of notices.querySelectorAll('.notice-row')) {
    const select = row.querySelector('.notice-media');
    select.replaceWith(mediaChoice(select.value));
    preview(row);
  }
}

async function load() {
  try {
    await loadUploads();
    fill((await read('/admin/settings')).settings);
  } catch (problem) {
    say(problem.message, 'error');
  }
}

$('notice-add').addEventListener('click', () => noticeRow().querySelector('textarea').focus());

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const ticker = $('ticker').value.trim();
  const body = { hall: { ticker: ticker || null, notices: noticesValue() }, survey: { show_on_lobby: $('skm-on-lobby').checked } };
  const answer = await save(form, 'PATCH', '/admin/settings', body, 'admin.lobby_saved');
  if (answer) {
    fill(answer.settings);
    await loadUploads();
  }
});

/** Sent as a form (the API reads the file by its content), with the page's CSRF token. */
$('upload-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const file = $('upload-file').files[0];
  if (!file) return;
  const body = new FormData();
  body.append('file', file);
  const response = await fetch('/api/v1/admin/media', {
    method: 'POST',
    body,
    credentials: 'same-origin',
    headers: { 'X-CSRF-Token': csrfToken, 'Accept-Language': lang, Accept: 'application/json' },
  }).catch(() => null);
  const data = await response?.json().catch(() => null);
  if (response?.ok) {
    say(t(lang, 'admin.uploaded', { name: data.filename }), 'info');
    event.target.reset();
    await loadUploads();
  } else {
    say(data?.error?.message || t(lang, 'console.status.network'), 'error');
  }
});

onReload(load);
load();
