// Requests from the console to the REST API: the session cookie goes along by itself, the page's
// CSRF token goes in a header, and every failure becomes a sentence the officer can read.

const csrfToken = document.querySelector('meta[name="csrf-token"]').content;

export class ApiProblem extends Error {
  constructor(message, status, code) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

const STATUS_WORDS = {
  401: 'Sesi berakhir — silakan masuk lagi. / Your session ended — please log in again.',
  403: 'Ditolak. / Refused.',
  404: 'Tidak ditemukan. / Not found.',
  409: 'Tidak bisa sekarang. / Not possible now.',
  429: 'Terlalu banyak permintaan. / Too many requests.',
};

export async function api(method, path, body) {
  const options = { method, headers: { Accept: 'application/json' }, credentials: 'same-origin', cache: 'no-store' };
  if (method !== 'GET') options.headers['X-CSRF-Token'] = csrfToken;
  if (body !== undefined) {
    options.headers['Content-Type'] = 'application/json';
    options.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(`/api/v1${path}`, options);
  } catch {
    throw new ApiProblem('Server tidak dapat dihubungi — periksa jaringan. / Cannot reach the server — check the network.', 0, 'network');
  }
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (response.ok) return data;
  const detail = data?.error?.message;
  const words = STATUS_WORDS[response.status] || `Kesalahan server (${response.status}). / Server error.`;
  throw new ApiProblem(detail ? `${words.split(' / ')[0]} ${capitalise(detail)}.` : words, response.status, data?.error?.code);
}

function capitalise(text) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
