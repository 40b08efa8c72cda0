// The screen above one counter: its name, its agency, the number it serves, or why it serves none
// (a pause and its reason, or closed). It follows only its own counter on the live channel
// (audience counter=ID). The number and the name are fitted to the screen, whatever its size.
// A setup change (`setup`) brings the counter's new name and agency without a reload; a counter the
// setup no longer has shows the page that says so.

import { Live, clockParts, readFacts, restingWords } from './live.js';
import { refit, setFitted } from './fit.js';
import { langs, t } from '/static/js/i18n.js';

const FRESH_MS = 8000;
let facts = JSON.parse(document.getElementById('hall-facts').textContent);
const own = facts.counter;
const $ = (id) => document.getElementById(id);
let freshTimer = null;

// The status line: the entry display.<key> in the hall's language, its second language under it,
// then what it is about: a service's name, or a pause's reason in both languages ([first, second]).
function status(key, reason = '') {
  const node = $('status');
  node.textContent = t(langs[0], `display.${key}`);
  const second = document.createElement('span');
  second.className = 'en';
  second.lang = langs[1];
  second.textContent = t(langs[1], `display.${key}`);
  node.append(second);
  if (reason) {
    const why = document.createElement('span');
    why.className = 'reason';
    if (Array.isArray(reason)) {
      const second = document.createElement('span');
      second.lang = langs[1];
      second.textContent = reason[1];
      why.append(reason[0], ' / ', second);
    } else {
      why.textContent = reason;
    }
    node.append(why);
  }
}

function show(counter) {
  if (!counter || counter.id !== own.id) return;
  const words = restingWords(counter, facts.pause_reasons); // paused or closed: "Rapat" / "Meeting", "Tutup" / "Closed"
  const ticket = words ? null : counter.ticket;
  document.body.classList.toggle('paused', counter.status === 'paused');
  document.body.classList.toggle('closed', counter.status === 'closed');
  document.body.classList.toggle('idle', !words && !ticket);
  setFitted($('number'), words ? words[0] : ticket ? ticket.number : '—');
  if (counter.status === 'paused') status('paused', words);
  else if (words) status('counter_closed');
  else if (!ticket) status('wait');
  else if (ticket.status === 'serving') status('serving', ticket.service_name || '');
  else status('come', ticket.service_name || '');
}

function flash() {
  document.body.classList.remove('fresh');
  void document.body.offsetWidth;
  document.body.classList.add('fresh');
  clearTimeout(freshTimer);
  freshTimer = setTimeout(() => document.body.classList.remove('fresh'), FRESH_MS);
}

const live = new Live({ counter: own.id });
live.addEventListener('status', ({ detail }) => { $('offline').hidden = detail.connected; });
live.addEventListener('state', ({ detail }) => show(detail.counters.find((c) => c.id === own.id)));
live.addEventListener('counter', ({ detail }) => show(detail.counter));
live.addEventListener('setup', async () => {
  const fresh = await readFacts(`/display/counter/${encodeURIComponent(own.id)}/facts.json`);
  if (fresh === null) location.reload(); // this counter was removed: the page that says so
  else if (fresh) adopt(fresh);
});

/** The counter's name and agency as the changed setup has them; the snapshot asked for shows the rest. */
function adopt(fresh) {
  if (fresh.setup < facts.setup) return; // overtaken by the answer to a later change
  facts = fresh;
  setFitted($('counter-name'), facts.counter.name);
  setFitted($('agency'), facts.counter.agency_label);
  $('agency').title = facts.counter.agency;
  document.title = `${facts.counter.name} — ${facts.name}`;
  live.sync();
}
live.addEventListener('called', ({ detail }) => {
  if (detail.counter.id !== own.id) return;
  document.body.classList.remove('idle', 'paused', 'closed');
  setFitted($('number'), detail.ticket.number);
  status(detail.recall ? 'recall' : 'come', detail.ticket.service_name || '');
  flash();
});

function tick() { $('clock').textContent = clockParts(facts.timezone).time; }
tick();
setInterval(tick, 1000);
refit();
window.addEventListener('resize', () => refit());
window.antreDisplay = { live };
