// The screen above one counter: its name, its agency, the number it serves, or "Istirahat" and why.
// It follows only its own counter on the live channel (audience counter=ID).

import { Live, clockParts } from './live.js';

const FRESH_MS = 8000;
const facts = JSON.parse(document.getElementById('hall-facts').textContent);
const own = facts.counter;
const $ = (id) => document.getElementById(id);
let freshTimer = null;

function status(text, english, reason = '') {
  const node = $('status');
  node.textContent = text;
  if (english) {
    const en = document.createElement('span');
    en.className = 'en';
    en.textContent = english;
    node.append(en);
  }
  if (reason) {
    const why = document.createElement('span');
    why.className = 'reason';
    why.textContent = reason;
    node.append(why);
  }
}

function show(counter) {
  if (!counter || counter.id !== own.id) return;
  const paused = counter.status === 'paused';
  const ticket = paused ? null : counter.ticket;
  document.body.classList.toggle('paused', paused);
  document.body.classList.toggle('idle', !paused && !ticket);
  $('number').textContent = paused ? 'ISTIRAHAT' : ticket ? ticket.number : '—';
  if (paused) status('Loket sedang istirahat', 'Counter closed for a break', counter.pause_reason || '');
  else if (!ticket) status('Silakan menunggu', 'Please wait');
  else if (ticket.status === 'serving') status('Sedang dilayani', 'Now serving', ticket.service_name || '');
  else status('Silakan ke loket ini', 'Please come to this counter', ticket.service_name || '');
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
live.addEventListener('called', ({ detail }) => {
  if (detail.counter.id !== own.id) return;
  $('number').textContent = detail.ticket.number;
  document.body.classList.remove('idle', 'paused');
  status(detail.recall ? 'Panggilan ulang' : 'Silakan ke loket ini', detail.recall ? 'Recall' : 'Please come to this counter', detail.ticket.service_name || '');
  flash();
});

function tick() { $('clock').textContent = clockParts(facts.timezone).time; }
tick();
setInterval(tick, 1000);
window.antreDisplay = { live };
