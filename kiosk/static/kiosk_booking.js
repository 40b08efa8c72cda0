// The kiosk's check-in of a booking made at home (the start screen's "Saya sudah booking"): the code
// typed on the on-screen keyboard, or by a barcode/QR scanner, which types it into the page followed
// by Enter. The code is looked up first (GET /api/v1/bookings/{code}), so a visitor hears at once
// that it is expired, cancelled, used or for another day; a good code goes on to the confirm step and
// the priority question as a walk-in's service does, where kiosk.js checks it in.

import { t as translated } from '/static/js/i18n.js';

const $ = (id) => document.getElementById(id);
const LONGEST = 16; // "BKG-7K3M-Q9XA-2F", as shown and as its QR types it
// What a looked-up booking's status or a refused check-in means for the visitor (kiosk.booking.error.*).
const REFUSALS = { cancelled: 'cancelled', checked_in: 'already_checked_in', expired: 'expired' };

export class KioskBooking {
  /** `show(name)` shows a screen, `lang()` is the visitor's language, `today()` the hall's day
   * (YYYY-MM-DD), `finish()` returns to the start, `found(booking)` goes on to the confirm step,
   * `refuse(code)` shows a refusal's message, `keyboard` the on-screen keyboard's module, `shown(phrase,
   * focus)` focuses and, in audio mode, says a screen (access.js). */
  constructor({ show, lang, today, finish, found, refuse, keyboard, shown }) {
    Object.assign(this, { show, lang, today, finish, found, refuse, keyboard, shown, code: '', looking: false, built: false });
    $('booking-back').addEventListener('click', () => this.finish());
    $('booking-next').addEventListener('click', () => this.next());
    document.addEventListener('keydown', (event) => this.physicalKey(event));
  }

  t(key, params) {
    return translated(this.lang(), key, params);
  }

  relabel() {
    if (this.built) this.keyboard.relabel($('booking-keyboard'), (key) => this.t(`kiosk.${key}`));
    if (document.body.dataset.screen === 'booking') this.render();
  }

  open() {
    Object.assign(this, { code: '', looking: false });
    if (!this.built) {
      this.keyboard.buildKeyboard($('booking-keyboard'), (key) => this.typed(key), (key) => this.t(`kiosk.${key}`));
      this.built = true;
    }
    $('booking-problem').textContent = '';
    this.show('booking');
    this.render();
    this.shown('ui/booking_code', $('booking-title'));
  }

  render() {
    const code = $('booking-code');
    code.textContent = this.code;
    code.classList.toggle('empty', !this.code);
    $('booking-next').disabled = this.looking;
  }

  /** A key of the on-screen keyboard, or a character the scanner typed: letters, digits and dashes. */
  typed(key) {
    if (key === 'backspace') this.code = this.code.slice(0, -1);
    else if (/^[a-z0-9-]$/i.test(key) && this.code.length < LONGEST) this.code += key.toUpperCase();
    $('booking-problem').textContent = '';
    this.render();
  }

  /** A scanner is a keyboard: what it types lands here, and its Enter looks the code up. */
  physicalKey(event) {
    if (document.body.dataset.screen !== 'booking' || event.ctrlKey || event.altKey || event.metaKey) return;
    if (/^[a-z0-9-]$/i.test(event.key)) this.typed(event.key);
    else if (event.key === 'Backspace') this.typed('backspace');
    else if (event.key === 'Enter') this.next();
    else return;
    event.preventDefault();
    event.stopImmediatePropagation();
  }

  async next() {
    if (this.looking) return;
    if (this.code.replace(/-/g, '').length < 10) {
      $('booking-problem').textContent = this.t('kiosk.booking.too_short');
      this.shown('ui/booking_too_short', $('booking-next'));
      return;
    }
    this.looking = true;
    this.render();
    try {
      const response = await fetch(`/api/v1/bookings/${encodeURIComponent(this.code)}`, { cache: 'no-store', headers: { 'Accept-Language': this.lang() } });
      if (response.status === 404) this.refuse('unknown');
      else if (response.status === 429) this.refuse('rate_limited');
      else if (!response.ok) this.refuse('offline');
      else this.judge(await response.json());
    } catch {
      this.refuse('offline');
    } finally {
      this.looking = false;
      if (document.body.dataset.screen === 'booking') this.render();
    }
  }

  /** A booking that can check in here and now goes on; any other gets the reason it cannot. */
  judge(booking) {
    if (REFUSALS[booking.status]) this.refuse(REFUSALS[booking.status]);
    else if (booking.date !== this.today()) this.refuse('not_today');
    else this.found(booking);
  }
}
