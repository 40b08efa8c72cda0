// The words of a page's script, from the server's catalogue (queue_server/translations/<lang>.po).
// The page embeds the entries its script needs as JSON in <script id="antre-texts"> (see
// queue_server/i18n.py, script_texts), so no script carries words of its own. A plural entry is a
// list of forms: Intl.PluralRules names the number's category, and the server's map says which
// form that category takes, from the .po file's own Plural-Forms rule.

const data = JSON.parse(document.getElementById('antre-texts').textContent);

/** The page's languages: its own first, the language of its sub-labels second. */
export const langs = data.langs;

const rules = new Map();
/** Made once per language: a new Intl.PluralRules costs a slow kiosk CPU milliseconds, every tile asks. */
function pluralRules(lang) {
  if (!rules.has(lang)) rules.set(lang, new Intl.PluralRules(lang));
  return rules.get(lang);
}

/** The entry `key` in `lang`, its %(name)s placeholders filled from `params` (plurals choose by params.num). */
export function t(lang, key, params = {}) {
  let message = data.messages[lang]?.[key] ?? data.messages[langs[0]]?.[key] ?? key;
  if (Array.isArray(message)) {
    const category = pluralRules(lang).select(Number(params.num));
    message = message[data.plurals[lang]?.[category] ?? message.length - 1] ?? message[0];
  }
  return message.replace(/%\((\w+)\)s|%%/g, (whole, name) => (name ? String(params[name] ?? '') : '%'));
}

const escapes = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => escapes[c]);
}

/** The same as markup, for entries that carry some (<kbd>): the values filled in are escaped. */
export function html(lang, key, params = {}) {
  return t(lang, key, Object.fromEntries(Object.entries(params).map(([name, value]) => [name, name === 'num' ? value : escapeHtml(value)])));
}

/** A label in the page's language with its sub-label in the second language, as markup. */
export function both(key, params = {}) {
  return `${html(langs[0], key, params)} <span class="en" lang="${langs[1]}">${html(langs[1], key, params)}</span>`;
}
