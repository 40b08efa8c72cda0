// How the console's filter fields match: every word typed must appear somewhere in what an entry is
// known by, ignoring case and accents, so "paspor elek" finds "Paspor Elektronik (Kantor Imigrasi)".

import { fold } from '/static/js/fold.js';

/** What both the typed words and the searched text are compared as (the pages' one folding rule). */
export const normalise = fold;

/** The typed text as the words every match must contain. */
export function words(query) {
  return normalise(query).split(/\s+/).filter(Boolean);
}

/** Whether `haystack` (already normalised) holds every one of `wanted` (from words()). */
export function matches(haystack, wanted) {
  return wanted.every((word) => haystack.includes(word));
}
