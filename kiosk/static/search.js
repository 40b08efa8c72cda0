// Finding a service by what a visitor types: its name, its code, the keywords the hall gave it
// (`keywords: [e-ktp, ktp-el]`), or its agency's official or short name. Every typed word must be
// the start of a word of the service ("pas" finds "Paspor"); case and accents do not matter, and a
// hyphenated keyword is found written either way ("e ktp", "ektp").

import { fold } from '/static/js/fold.js';

// How well a typed word matched, best first: the start of the service's name ("Paspor Biasa Baru"
// for "paspor") before the start of one of its keywords, before a later word of its name or its
// code ("Pembayaran PNBP (Paspor, SIM)"), before a later word of a keyword, before its agency's names.
const RANK = {
  name: { first: 0, later: 2 },
  keyword: { first: 1, later: 3 },
  code: { first: 2, later: 2 },
  agency: { first: 4, later: 4 },
};


/** A text's words as [word, rank]: its first word (and all of it written together) rank as `first`. */
function wordsOf(text, rank) {
  const folded = fold(text);
  if (!folded) return [];
  const words = folded.split(' ');
  const ranked = words.map((word, i) => [word, i === 0 ? rank.first : rank.later]);
  return words.length > 1 ? [...ranked, [words.join(''), rank.first]] : ranked;
}

/** The words of every service, worked out once: a keystroke then only compares prefixes. */
export function buildIndex(services, agencies) {
  return services.map((service, order) => {
    const agency = agencies.get(service.agency) || { name: service.agency, short_name: '' };
    const words = [
      ...wordsOf(service.name, RANK.name),
      ...wordsOf(service.code, RANK.code),
      ...(service.keywords || []).flatMap((keyword) => wordsOf(keyword, RANK.keyword)),
      ...wordsOf(agency.name, RANK.agency),
      ...wordsOf(agency.short_name, RANK.agency),
    ];
    return { service, order, words };
  });
}

function rankOf(entry, typed) {
  let best = null;
  for (const [word, rank] of entry.words) {
    if ((best === null || rank < best) && word.startsWith(typed)) best = rank;
  }
  return best;
}

/** The services matching every word of `query`, best first (a whole code typed out comes first). */
export function search(index, query) {
  const typed = fold(query).split(' ').filter(Boolean);
  if (!typed.length) return [];
  const found = [];
  for (const entry of index) {
    let score = 0;
    for (const word of typed) {
      const rank = rankOf(entry, word);
      if (rank === null) { score = null; break; }
      score += rank;
    }
    if (score === null) continue;
    if (typed.length === 1 && fold(entry.service.code) === typed[0]) score = -1;
    found.push({ entry, score });
  }
  found.sort((a, b) => a.score - b.score || a.entry.order - b.entry.order);
  return found.map((f) => f.entry.service);
}
