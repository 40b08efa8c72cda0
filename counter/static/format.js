// How times, durations and categories read on the console (the hall's language first, the second after).

import { escapeHtml, html, langs, t } from '/static/js/i18n.js';

/** A sentence in both of the page's languages, "Indonesian / English", as plain text (a tooltip). */
export function pair(key, params = {}) {
  return langs.map((lang) => t(lang, key, params)).join(' / ');
}

/** The same as markup for the page, the second language marked as such so that a screen reader
 * reads it with that language's voice. */
export function pairHtml(key, params = {}) {
  return `${html(langs[0], key, params)} / <span lang="${langs[1]}">${html(langs[1], key, params)}</span>`;
}

/** A priority category in both languages, as markup ("Lansia · Elderly"). */
export function priorityLabel(priority) {
  if (!priority) return '';
  const key = typeof priority === 'string' ? `priority.${priority}` : 'priority.unnamed';
  return `${escapeHtml(t(langs[0], key))} · <span lang="${langs[1]}">${escapeHtml(t(langs[1], key))}</span>`;
}

export function clockTime(iso, timeZone) {
  if (!iso) return '–';
  return new Intl.DateTimeFormat('id-ID', { timeZone, hour: '2-digit', minute: '2-digit' }).format(new Date(iso));
}

export function minutesBetween(fromIso, toIso) {
  if (!fromIso || !toIso) return null;
  return Math.max(0, (new Date(toIso) - new Date(fromIso)) / 60000);
}

export function duration(minutes) {
  if (minutes === null || minutes === undefined) return '–';
  if (minutes < 1) return t(langs[0], 'console.duration_short');
  const whole = Math.round(minutes);
  if (whole < 60) return t(langs[0], 'console.duration_minutes', { minutes: whole });
  return t(langs[0], 'console.duration_hours', { hours: Math.floor(whole / 60), minutes: whole % 60 });
}

export function seconds(value) {
  return value === null || value === undefined ? '–' : duration(value / 60);
}
