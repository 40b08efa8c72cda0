// The counter chooser's filter: with 60 counters, typing part of a counter's name, a service code or
// an agency's name leaves only the counters that match; Enter opens the first one left.

import { matches, normalise, words } from './search.js';

const field = document.getElementById('counter-filter');
const entries = [...document.querySelectorAll('#counter-groups li[data-search]')].map((item) => ({
  item,
  haystack: normalise(item.dataset.search),
}));

function filter() {
  const wanted = words(field.value);
  for (const { item, haystack } of entries) item.hidden = !matches(haystack, wanted);
  for (const group of document.querySelectorAll('.counter-group')) {
    group.hidden = !group.querySelector('li:not([hidden])');
  }
  document.getElementById('counter-none').hidden = entries.some(({ item }) => !item.hidden);
}

field.addEventListener('input', filter);
filter(); // what was typed before this script ran, or what the browser kept on going back
field.addEventListener('keydown', (event) => {
  if (event.key !== 'Enter') return;
  event.preventDefault();
  document.querySelector('#counter-groups li:not([hidden]) a')?.click();
});
