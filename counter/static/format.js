// How times, durations and categories read on the console (the hall's language first, the second after).

import { langs, t } from '/static/js/i18n.js';

/** A sentence in both of the page's languages, "Indonesian / English", for the message line. */
export function pair(key, params = {}) {
  return langs.map((lang) => t(lang, key, params)).join(' / ');
}

export function priorityLabel(priority) {
  if (!priority) return '';
  const key = typeof priority === 'string' ? `priority.${priority}` : 'priority.unnamed';
  return langs.map((lang) => t(lang, key)).join(' · ');
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
