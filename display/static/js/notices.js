// The lobby's notices (setup key hall.notices): a text, an uploaded image or a short video, or a text
// with either. They take the counters' area in turn with its pages: after every page of counters has
// been shown once, the next notice stays for its own seconds, then the counters come back. So the
// counters keep their whole area (and their pages) and a notice gets a large, quiet place.
// Uploads come from this server only (/media/<id>); a video plays muted, inline and looped.

import { el } from '/static/js/dom.js';
import { refit } from './fit.js';

export class Notices {
  constructor(box, list) {
    this.box = box;
    this.list = list || [];
    this.next = 0;
    this.turns = 0; // pages of counters shown since the last notice
    this.showing = false;
  }

  /** Whether a notice is due now, `pages` being how many pages of counters there are. */
  due(pages) {
    return this.list.length > 0 && !this.showing && this.turns >= Math.max(1, pages);
  }

  /** Shows the next notice; returns its seconds on screen. */
  show() {
    const notice = this.list[this.next];
    this.next = (this.next + 1) % this.list.length;
    this.box.replaceChildren(...content(notice));
    this.box.classList.toggle('with-media', Boolean(notice.media_url));
    this.box.classList.toggle('with-text', Boolean(notice.text));
    this.box.hidden = false;
    this.showing = true;
    this.turns = 0;
    refit(this.box);
    return notice.seconds;
  }

  /** Back to the counters; the notice's video stops with it. */
  hide() {
    if (this.showing) this.box.replaceChildren();
    this.box.hidden = true;
    this.showing = false;
  }

  /** A page of counters was shown. */
  turned() {
    this.turns += 1;
  }
}

function content(notice) {
  const parts = [];
  if (notice.media_kind === 'image') {
    const image = el('img', 'notice-media');
    image.alt = ''; // the notice's words, if any, are its text below; a picture alone adds nothing to read aloud
    image.src = notice.media_url;
    parts.push(image);
  } else if (notice.media_kind === 'video') {
    const video = el('video', 'notice-media');
    Object.assign(video, { muted: true, autoplay: true, loop: true, playsInline: true, src: notice.media_url });
    video.setAttribute('aria-hidden', 'true');
    parts.push(video);
  }
  if (notice.text) parts.push(el('p', 'notice-text fit', notice.text));
  return parts;
}
