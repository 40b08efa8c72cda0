// The kiosk's voice: phrases named by what they are ("ui/take", "service/A/name", "ticket/ID"),
// spoken by the hall's own espeak-ng (GET /kiosk/speech/<lang>/<phrase>.wav, kiosk/speech.py).
// A screen's phrases are fetched when it shows (the server renders them then, or finds them on
// disk) and kept in memory, so a touch is answered at once; a new phrase interrupts the last one.

export class Voice {
  constructor(audio) {
    Object.assign(this, { audio, clips: new Map(), turn: 0 });
  }

  static url(lang, phrase) {
    return `/kiosk/speech/${lang}/${phrase.split('/').map(encodeURIComponent).join('/')}.wav`;
  }

  /** The phrase's sound as an object URL (null if the server has none): fetched once, then kept. */
  clip(lang, phrase) {
    const key = `${lang}/${phrase}`;
    if (!this.clips.has(key)) {
      const loading = fetch(Voice.url(lang, phrase))
        .then((response) => (response.ok ? response.blob() : null))
        .then((blob) => (blob ? URL.createObjectURL(blob) : null))
        .catch(() => null)
        .then((url) => {
          if (url === null) this.clips.delete(key); // asked again next time: the server may be back
          return url;
        });
      this.clips.set(key, loading);
    }
    return this.clips.get(key);
  }

  /** Have these phrases ready before anyone touches them. */
  prefetch(lang, phrases) {
    for (const phrase of phrases) this.clip(lang, phrase);
  }

  /** Speak `[lang, phrase]` pairs one after another, cutting off whatever was being said. */
  async say(pairs) {
    const turn = ++this.turn;
    this.audio.pause();
    for (const [lang, phrase] of pairs) {
      const url = await this.clip(lang, phrase);
      if (turn !== this.turn) return;
      if (!url) continue;
      this.audio.src = url;
      this.audio.dataset.phrase = `${lang}/${phrase}`;
      try {
        await this.audio.play();
        await new Promise((resolve) => { this.audio.onended = this.audio.onpause = resolve; });
      } catch { /* no sound device, or cut off: the next phrase (if any) still comes */ }
      if (turn !== this.turn) return;
    }
  }

  stop() {
    this.turn += 1;
    this.audio.pause();
  }

  /** Let go of the phrases starting with `prefix` (a ticket's, once its visitor has gone). */
  forget(prefix) {
    for (const [key, loading] of this.clips) {
      if (!key.split('/').slice(1).join('/').startsWith(prefix)) continue;
      this.clips.delete(key);
      loading.then((url) => url && URL.revokeObjectURL(url));
    }
  }
}
