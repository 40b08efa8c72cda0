// The kiosk's complaint form (the start screen's "Pengaduan"): one field at a time on the on-screen
// keyboard (what happened, where and when, the remedy asked, a contact with "keep my identity
// confidential"), sent to POST /api/v1/complaints (a paired kiosk's cookie makes it channel `kiosk`),
// then the tracking code large on the screen. The kiosk's idle reset ends it like any other screen.

import { t as translated } from '/static/js/i18n.js';

const $ = (id) => document.getElementById(id);
// Each step's field, whether it must be filled, its length limits (the server's: queue_server/complaints/desk.py).
const STEPS = [
  { name: 'what', required: true, min: 10, max: 2000, hint: 'complaint.hint.what' },
  { name: 'where_when', required: true, min: 1, max: 500, hint: 'complaint.hint.where_when' },
  { name: 'remedy', required: false, min: 0, max: 1000, hint: null },
  { name: 'contact', required: false, min: 0, max: 200, hint: 'complaint.hint.contact' },
];

export class KioskComplaint {
  /** `show(name)` shows a screen, `lang()` is the visitor's language, `settings()` the kiosk's,
   * `finish()` returns to the start, `keyboard` the on-screen keyboard's module, `shown(phrase,
   * focus)` focuses a screen's element and, in audio mode, says the screen (access.js). */
  constructor({ show, lang, settings, finish, keyboard, shown }) {
    Object.assign(this, { show, lang, settings, finish, keyboard, shown, step: 0, values: {}, secret: false, sending: false });
    this.built = false;
    $('complaint-back').addEventListener('click', () => this.back());
    $('complaint-next').addEventListener('click', () => this.next());
    $('complaint-secret').addEventListener('click', () => this.toggleSecret());
    $('complaint-finish').addEventListener('click', () => this.finish());
    document.addEventListener('keydown', (event) => this.physicalKey(event));
  }

  t(key, params) {
    return translated(this.lang(), key, params);
  }

  /** On a language switch (kiosk.js has relabelled the `data-c` words): the keys' and the step's words. */
  relabel() {
    if (this.built) this.keyboard.relabel($('complaint-keyboard'), (key) => this.t(`kiosk.${key}`));
    if (document.body.dataset.screen === 'complaint') this.render();
  }

  open() {
    Object.assign(this, { step: 0, values: {}, secret: false, sending: false });
    if (!this.built) {
      this.keyboard.buildKeyboard($('complaint-keyboard'), (key) => this.typed(key), (key) => this.t(`kiosk.${key}`));
      this.built = true;
    }
    $('complaint-problem').textContent = '';
    this.show('complaint');
    this.render();
    this.announce();
  }

  /** The step's heading focused, and its question said in audio mode. */
  announce() {
    this.shown(`ui/complaint_${STEPS[this.step].name}`, $('complaint-field'));
  }

  render() {
    const step = STEPS[this.step];
    const value = this.values[step.name] || '';
    $('complaint-step').textContent = this.t('complaint.kiosk_step', { step: this.step + 1, steps: STEPS.length });
    $('complaint-field').textContent = this.t(`complaint.field.${step.name}`);
    $('complaint-hint').textContent = step.hint ? this.t(step.hint) : '';
    const text = $('complaint-text');
    text.textContent = value;
    text.scrollTop = text.scrollHeight; // the latest line in view
    text.classList.toggle('empty', !value);
    $('complaint-secret').hidden = step.name !== 'contact';
    $('complaint-secret').setAttribute('aria-pressed', String(this.secret));
    const last = this.step === STEPS.length - 1;
    $('complaint-back').textContent = this.step === 0 ? this.t('complaint.kiosk_cancel') : this.t('kiosk.back');
    $('complaint-back').dataset.say = this.step === 0 ? 'ui/complaint_cancel' : 'ui/back';
    $('complaint-next').textContent = last ? this.t('complaint.send') : this.t('complaint.kiosk_next');
    $('complaint-next').dataset.say = last ? 'ui/complaint_send' : 'ui/complaint_next';
    $('complaint-next').disabled = this.sending;
  }

  typed(key) {
    const step = STEPS[this.step];
    const value = this.values[step.name] || '';
    if (key === 'backspace') this.values[step.name] = value.slice(0, -1);
    else if (value.length < step.max && !(key === ' ' && (value === '' || value.endsWith(' ')))) this.values[step.name] = value + key;
    $('complaint-problem').textContent = '';
    this.render();
  }

  /** A keyboard plugged into the kiosk PC types into the field too. */
  physicalKey(event) {
    if (document.body.dataset.screen !== 'complaint' || event.ctrlKey || event.altKey || event.metaKey) return;
    if (/^[a-z0-9 ]$/i.test(event.key)) this.typed(event.key.toLowerCase());
    else if (event.key === 'Backspace') this.typed('backspace');
    else return;
    event.preventDefault();
  }

  toggleSecret() {
    this.secret = !this.secret;
    this.render();
  }

  back() {
    if (this.step === 0) return this.finish();
    this.step -= 1;
    $('complaint-problem').textContent = '';
    this.render();
    return this.announce();
  }

  next() {
    const step = STEPS[this.step];
    const value = (this.values[step.name] || '').trim();
    if ((step.required || value) && value.length < step.min) {
      $('complaint-problem').textContent = this.t(step.hint);
      return;
    }
    if (this.step === STEPS.length - 1) {
      this.send();
      return;
    }
    this.step += 1;
    this.render();
    this.announce();
  }

  async send() {
    const body = { confidential: this.secret };
    for (const step of STEPS) if ((this.values[step.name] || '').trim()) body[step.name] = this.values[step.name].trim();
    this.sending = true;
    this.render();
    try {
      const response = await fetch('/api/v1/complaints', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Accept-Language': this.lang() },
        credentials: 'same-origin',
        body: JSON.stringify(body),
      });
      const answer = await response.json().catch(() => null);
      if (response.status === 201) this.received(answer);
      else this.refused(answer?.error);
    } catch {
      $('complaint-problem').textContent = this.t('complaint.offline');
    } finally {
      this.sending = false;
      if (document.body.dataset.screen === 'complaint') this.render();
    }
  }

  refused(error) {
    const at = STEPS.findIndex((step) => step.name === error?.field);
    if (at >= 0) this.step = at;
    this.render();
    $('complaint-problem').textContent = this.t('complaint.refused', { message: error?.message || '' });
  }

  received(answer) {
    const locale = this.lang() === 'id' ? 'id-ID' : 'en-GB';
    const day = new Date(`${answer.due_day}T12:00:00`).toLocaleDateString(locale, { day: 'numeric', month: 'long', year: 'numeric' });
    $('complaint-code').textContent = answer.code;
    $('complaint-due').textContent = this.t('complaint.due', { day });
    $('complaint-track').textContent = this.t('complaint.kiosk_track', { url: this.settings().complaints.track_url });
    this.show('complaint-done');
    this.shown('ui/complaint_received', $('complaint-received'));
  }
}
