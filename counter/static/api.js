// Requests from the console to the REST API: the session cookie goes along by itself, the page's
// CSRF token goes in a header, and every failure becomes a sentence the officer can read.

import { langs, t } from '/static/js/i18n.js';

const csrfToken = document.querySelector('meta[name="csrf-token"]').content;

export class ApiProblem extends Error {
  /** `error` is the answer's whole error body, for pages that show more of it (a setup's problems). */
  constructor(message, status, code, error = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.error = error;
  }
}

const STATUS_WORDS = [401, 403, 404, 409, 429]; // console.status.<status> in the catalogue; others are a server error

function statusWords(lang, status) {
  return STATUS_WORDS.includes(status) ? t(lang, `console.status.${status}`) : t(lang, 'console.status.other', { status });
}

/** A failure to reach the server at all (refused, cut off, or no answer within the timeout). */
export function unreachable(problem) {
  return problem instanceof ApiProblem && problem.code === 'network';
}

// `timeout` (ms) is for reads only: a read that hangs on a stopped server must count as a failure, while
// an action's request is left to finish (giving up on it would not undo it on the server).
export async function api(method, path, body, { timeout } = {}) {
  const options = { method, headers: { Accept: 'application/json', 'Accept-Language': langs[0] }, credentials: 'same-origin', cache: 'no-store' };
  if (timeout) options.signal = AbortSignal.timeout(timeout);
  if (method !== 'GET') options.headers['X-CSRF-Token'] = csrfToken;
  if (body !== undefined) {
    options.headers['Content-Type'] = 'application/json';
    options.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(`/api/v1${path}`, options);
  } catch {
    throw new ApiProblem(langs.map((lang) => t(lang, 'console.status.network')).join(' / '), 0, 'network');
  }
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (response.status >= 502 && response.status <= 504 && !data?.error) {
    throw new ApiProblem(langs.map((lang) => t(lang, 'console.status.network')).join(' / '), 0, 'network');
  }
  if (response.ok) return data;
  const detail = data?.error?.message;
  const words = detail ? `${statusWords(langs[0], response.status)} ${capitalise(detail)}.` : langs.map((lang) => statusWords(lang, response.status)).join(' / ');
  throw new ApiProblem(words, response.status, data?.error?.code, data?.error ?? null);
}

function capitalise(text) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
