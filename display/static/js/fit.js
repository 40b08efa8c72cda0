// Text that must never be clipped: a ticket number of up to six characters, a counter name of 40.
// The stylesheet gives each such box its limits next to its other rules: a width, a max-height of so
// many lines, and the custom properties --fit-max and --fit-min (px or vmin). Here the type steps
// down from the largest size until the text fits its box, never below the smallest, so a long name
// shrinks where it stands instead of pushing the number out or running under its neighbours.

const STEPS = 24;

function length(value) {
  const number = parseFloat(value);
  return value.trim().endsWith('vmin') ? (number * Math.min(window.innerWidth, window.innerHeight)) / 100 : number;
}

/** Whether `node`'s text spills out of its box: sideways, or for text that wraps, by a line more
 *  than the box holds. Lines are counted, not pixels: glyphs reach a little past a tight
 *  line-height (DejaVu's ascent and descent are 1.16 em), which is no lost line. */
export function overflows(node) {
  if (node.scrollWidth > node.clientWidth + 1) return true;
  const style = getComputedStyle(node);
  const line = parseFloat(style.lineHeight) || 1.2 * parseFloat(style.fontSize); // 'normal' is about 1.2 em
  return style.whiteSpace !== 'nowrap' && Math.round(node.scrollHeight / line) > Math.floor((node.clientHeight + 1) / line);
}

/** Sizes `node`'s text to the largest size its box holds; false when the node is not laid out yet. */
export function fitText(node) {
  const style = getComputedStyle(node);
  const max = length(style.getPropertyValue('--fit-max'));
  const min = length(style.getPropertyValue('--fit-min'));
  node.style.fontSize = `${max}px`;
  if (!node.isConnected || node.clientWidth === 0) return false;
  const step = Math.max(1, (max - min) / STEPS);
  let size = max;
  while (size > min && overflows(node)) {
    size = Math.max(min, size - step);
    node.style.fontSize = `${size}px`;
  }
  return true;
}

/** Sets `node`'s text and fits it; the same text again costs nothing once it has been fitted. */
export function setFitted(node, text) {
  if (node.textContent === text && node.dataset.fitted === 'yes') return;
  node.textContent = text;
  node.dataset.fitted = fitText(node) ? 'yes' : 'no';
}

/** Fits every box under `root` again: after a layout change (pages built, window resized). */
export function refit(root = document) {
  for (const node of root.querySelectorAll('.fit')) node.dataset.fitted = fitText(node) ? 'yes' : 'no';
}
