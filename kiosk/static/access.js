// Using the kiosk without sight or with a keypad: the "Bantuan suara / Audio help"
// button in the bottom left corner, offered aloud at the first touch of each visit; in audio mode
// every button says its name (`data-say`) when focused or touched, and a second touch chooses it.
// Keys (a keyboard, or the simple keypads accessible kiosks use): arrows move between the buttons of
// the screen, Enter chooses, Backspace or Escape goes back, H (or F1, or ?) asks for help.

const NEXT = new Set(['ArrowRight', 'ArrowDown']);
const PREVIOUS = new Set(['ArrowLeft', 'ArrowUp']);
const HELP = new Set(['h', 'H', '?', 'F1']);

export class Access {
  /** `lang()` is the visitor's language, `hallLang` the hall's; `back()` leaves the screen;
   * `typing()` tells whether letters are the search's; `relayout()` after the type size changes. */
  constructor({ voice, lang, hallLang, back, typing, relayout }) {
    Object.assign(this, { voice, lang, hallLang, back, typing, relayout, audio: false, offered: false, touched: null, intro: null });
    this.audioButton = document.getElementById('audio-toggle');
    this.largeButton = document.getElementById('large-toggle');
    this.audioButton.addEventListener('click', () => this.setAudio(!this.audio));
    this.largeButton.addEventListener('click', () => this.setLarge(!document.body.classList.contains('large')));
    document.addEventListener('pointerdown', () => this.offer(), { capture: true });
    document.addEventListener('click', (event) => this.firstTouch(event), { capture: true });
    document.addEventListener('focusin', (event) => this.focused(event.target));
    document.addEventListener('keydown', (event) => this.key(event));
  }

  // --- audio mode -------------------------------------------------------------------------------
  setAudio(on) {
    this.audio = on;
    document.body.classList.toggle('audio', on);
    this.audioButton.setAttribute('aria-pressed', String(on));
    if (!on) return this.voice.stop();
    this.offered = true;
    this.prefetch();
    return this.voice.say([[this.lang(), 'ui/audio_on'], ...this.introPairs()]);
  }

  /** The first touch of a visit, audio mode off: say where the audio help is, in both languages. */
  offer() {
    if (this.offered || this.audio) return;
    this.offered = true;
    const other = this.hallLang === 'id' ? 'en' : 'id';
    this.voice.say([[this.hallLang, 'ui/audio_offer'], [other, 'ui/audio_offer']]);
  }

  /** In audio mode a touch on a button says its name; the second touch on it chooses it. Keys and
   * the kiosk's own clicks (`detail` 0) choose at once: a keypad user has heard the name on focus. */
  firstTouch(event) {
    const button = event.target.closest?.('button[data-say]');
    if (!this.audio || !button || event.detail === 0 || button === this.audioButton) return;
    if (this.touched === button) {
      this.touched = null;
      return;
    }
    event.preventDefault();
    event.stopImmediatePropagation();
    this.touched = button;
    if (document.activeElement === button) this.speak(button);
    else button.focus();
  }

  focused(element) {
    if (this.audio && element !== this.quiet) this.speak(element);
  }

  speak(element) {
    if (element.dataset?.say) this.voice.say([[this.lang(), element.dataset.say]]);
  }

  /** A new screen (or page of tiles): its phrases fetched ahead; in audio mode its intro said, then
   * the name of the button given the focus. */
  shown(intro, focus) {
    this.intro = intro;
    this.touched = null;
    if (focus) {
      this.quiet = focus;
      focus.focus();
      this.quiet = null;
    }
    if (!this.audio) return;
    this.prefetch();
    const pairs = this.introPairs();
    if (focus?.dataset.say) pairs.push([this.lang(), focus.dataset.say]);
    this.voice.say(pairs);
  }

  introPairs() {
    return this.intro ? [[this.lang(), this.intro]] : [];
  }

  prefetch() {
    if (!this.audio) return;
    const phrases = this.controls().map((button) => button.dataset.say).filter(Boolean);
    this.voice.prefetch(this.lang(), this.intro ? [this.intro, ...phrases] : phrases);
  }

  say(phrase) {
    if (this.audio) this.voice.say([[this.lang(), phrase]]);
  }

  /** The next visitor: the offer is made again at their first touch; audio mode and large type end. */
  reset() {
    this.offered = false;
    this.setLarge(false);
    if (this.audio) this.setAudio(false);
    this.voice.forget('ticket/');
  }

  // --- large type -------------------------------------------------------------------------------
  setLarge(on) {
    if (document.body.classList.contains('large') === on) return;
    document.body.classList.toggle('large', on);
    this.largeButton.setAttribute('aria-pressed', String(on));
    this.relayout();
  }

  // --- keys -------------------------------------------------------------------------------------
  /** The buttons a visitor can reach now, in reading order: the screen's, then the corner's. */
  controls() {
    return [...document.querySelectorAll('.screen:not([hidden]) button, .helpers button')].filter(
      (button) => !button.disabled && button.checkVisibility(),
    );
  }

  key(event) {
    if (event.ctrlKey || event.altKey || event.metaKey) return;
    if (NEXT.has(event.key) || PREVIOUS.has(event.key)) this.move(NEXT.has(event.key) ? 1 : -1);
    else if (event.key === 'Escape' || (event.key === 'Backspace' && !this.typing())) this.back();
    else if (event.key === 'F1' || (HELP.has(event.key) && !this.typing())) this.help();
    else return;
    event.preventDefault();
    event.stopImmediatePropagation();
  }

  move(step) {
    const controls = this.controls();
    if (!controls.length) return;
    const at = controls.indexOf(document.activeElement);
    let next;
    if (at >= 0) next = controls[(at + step + controls.length) % controls.length];
    else {
      const after = controls.filter((button) => document.activeElement.compareDocumentPosition(button) & Node.DOCUMENT_POSITION_FOLLOWING);
      next = step > 0 ? after[0] || controls[0] : controls[controls.indexOf(after[0]) - 1] || controls[controls.length - 1];
    }
    next.focus();
  }

  /** Help: audio mode switched on (who asks by key is likely not to see), else the keys said again. */
  help() {
    if (!this.audio) this.setAudio(true);
    else this.voice.say([[this.lang(), 'ui/help'], ...this.introPairs()]);
  }
}
