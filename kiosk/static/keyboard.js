// The on-screen keyboard of the kiosk's search: letters in the order of every phone, digits above,
// a space and a backspace; large keys (at least 64 px) and nothing a visitor could not type on it.

const ROWS = [
  [...'1234567890'],
  [...'QWERTYUIOP'],
  [...'ASDFGHJKL', 'backspace'],
  [...'ZXCVBNM', 'space'],
];

/** Fills `container` with the keys; `onKey` gets a character, " " or "backspace". `label(name)` names the special keys. */
export function buildKeyboard(container, onKey, label) {
  const rows = ROWS.map((keys) => {
    const row = document.createElement('div');
    row.className = 'key-row';
    for (const key of keys) {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = key.length > 1 ? `key key-${key}` : 'key';
      button.dataset.key = key === 'space' ? ' ' : key.length > 1 ? key : key.toLowerCase();
      button.dataset.say = key.length > 1 ? `ui/${key}` : `key/${key.toLowerCase()}`; // what audio mode says (kiosk/speech.py)
      if (key.length === 1) button.textContent = key;
      button.addEventListener('click', () => onKey(button.dataset.key));
      row.append(button);
    }
    return row;
  });
  container.replaceChildren(...rows);
  relabel(container, label);
}

/** The special keys' words in the visitor's language. */
export function relabel(container, label) {
  if (!container.childElementCount) return; // not built yet: built with its words
  const space = container.querySelector('.key-space');
  space.textContent = label('key_space');
  const backspace = container.querySelector('.key-backspace');
  backspace.textContent = '⌫';
  backspace.setAttribute('aria-label', label('key_backspace'));
}
