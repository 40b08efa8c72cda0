// How typed text and searched text are compared on every page that searches (the kiosk's service
// search, the console's filters): lower case, accents dropped, anything but letters and digits a
// single space. "Ké-TP" and "ke tp" then compare equal.

/** The folded form of `text`. */
export function fold(text) {
  return String(text).normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
}
