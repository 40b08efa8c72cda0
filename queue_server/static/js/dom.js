// Building the pages' elements in script, one helper for every page (kiosk, displays).

/** A new `tag` element with an optional class and text (set as text, never parsed as markup). */
export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

/** Where the server serves an upload (an agency's logo, a notice's picture): queue_server/media.py. */
export function mediaUrl(id) {
  return `/media/${encodeURIComponent(id)}`;
}
