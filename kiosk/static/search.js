// Finding a service by what a visitor types: its name, its code, the keywords the hall gave it
// (`keywords: [e-ktp, ktp-el]`), or its agency's official or short name. Every typed word must be
// the start of a word of the service ("pas" finds "Paspor"); case and accents do not matter, and a
// hyphenated keyword is found written either way ("e ktp", "ektp").

// Where a typed word matched: a service's own name or keyword ranks above its code (a letter typed
// is more often a name's start than a code's), and both above its agency.
const RANK = { name: 0, keyword: 0, code: 1, agency: 2 };

/** Lower case, accents dropped, anything but letters and digits a space: what is compared. */
export function fold(text) {
  return String(text).normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
}

function wordsOf(text) {
  const folded = fold(text);
  if (!folded) return [];
  const words = folded.split(' ');
  return words.length > 1 ? [...words, words.join('')] : words;
}

/** The words of every service, worked out once: a keystroke then only compares prefixes. */
export function buildIndex(services, agencies) {
  return services.map((service, order) => {
    const agency = agencies.get(service.agency) || { name: service.agency, short_name: '' };
    const fields = [
      ['code', wordsOf(service.code)],
      ['name', wordsOf(service.name)],
      ['keyword', (service.keywords || []).flatMap(wordsOf)],
      ['agency', [...wordsOf(agency.name), ...wordsOf(agency.short_name)]],
    ];
    return { service, order, fields };
  });
}

function rankOf(entry, word) {
  let best = null;
  for (const [field, words] of entry.fields) {
    if (words.some((w) => w.startsWith(word)) && (best === null || RANK[field] < best)) best = RANK[field];
  }
  return best;
}

/** The services matching every word of `query`, best first (a whole code typed out comes first). */
export function search(index, query) {
  const words = fold(query).split(' ').filter(Boolean);
  if (!words.length) return [];
  const found = [];
  for (const entry of index) {
    let score = 0;
    for (const word of words) {
      const rank = rankOf(entry, word);
      if (rank === null) { score = null; break; }
      score += rank;
    }
    if (score === null) continue;
    if (words.length === 1 && fold(entry.service.code) === words[0]) score = -1;
    found.push({ entry, score });
  }
  found.sort((a, b) => a.score - b.score || a.entry.order - b.entry.order);
  return found.map((f) => f.entry.service);
}
