// The lobby's notices (setup key hall.notices): a text, an uploaded image or a short video, or a text
// with either. They take the counters' area in turn with its pages: after every page of counters has
// been shown once, the next notice stays for its own seconds, then the counters come back. So the
// counters keep their whole area (and their pages) and a notice gets a large, quiet place.
// Uploads come from this server only (/media/<id>); a video plays muted, inline and looped.

import { el } from '/static/js/dom.js';
import { langs, t } from '/static/js/i18n.js';
import { refit } from './fit.js';

const SKM_AGENCIES = 5; // the agencies with the highest IKM the SKM panel lists: more cannot be read from afar

export class Notices {
  constructor(box, list) {
    this.box = box;
    this.list = list || [];
    this.next = 0;
    this.turns = 0; // pages of counters shown since the last notice
    this.showing = false;
    this.skm = null; // the published SKM (GET /api/v1/skm/public), for a notice of kind "skm"
  }

  /** Whether a notice is due now, `pages` being how many pages of counters there are. */
  due(pages) {
    return this.list.length > 0 && !this.showing && this.turns >= Math.max(1, pages);
  }

  /** Shows the next notice; returns its seconds on screen. */
  show() {
    const notice = this.list[this.next];
    this.next = (this.next + 1) % this.list.length;
    this.box.replaceChildren(...(notice.kind === 'skm' ? skmPanel(this.skm) : content(notice)));
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

/** The period the panel shows: the latest completed quarter when it has a value, else the year so far. */
function skmPeriod(skm) {
  const periods = skm?.periods || [];
  return periods.find((period) => period.hall.shown) || periods[periods.length - 1] || null;
}

/** The published SKM: the hall's IKM and grade, and the agencies with the highest IKM. */
function skmPanel(skm) {
  const [first, second] = langs;
  const panel = el('div', 'skm-panel');
  const title = el('h2', 'skm-panel-title', t(first, 'skm.public.lobby_title'));
  const english = el('span', 'skm-panel-en', t(second, 'skm.public.lobby_title'));
  english.lang = second;
  title.append(' ', english);
  panel.append(title);
  const period = skmPeriod(skm);
  if (!period) return [panel];
  panel.dataset.period = period.kind;
  panel.append(el('p', 'skm-panel-period', t(first, `skm.public.period_${period.kind}`, { label: period.label })));
  const score = el('p', 'skm-panel-score');
  if (period.hall.shown) {
    score.append(el('span', 'skm-panel-ikm', period.hall.ikm.toFixed(2).replace('.', first === 'id' ? ',' : '.')), el('span', 'skm-panel-grade', period.hall.grade), el('span', 'skm-panel-label', period.hall.grade_label));
  } else {
    score.append(el('span', 'skm-panel-label', t(first, 'skm.public.too_few', { num: skm.min_respondents })));
  }
  panel.append(score);
  const best = period.agencies.filter((agency) => agency.shown).slice(0, SKM_AGENCIES);
  if (best.length) {
    panel.append(el('h3', 'skm-panel-top', t(first, 'skm.public.lobby_top')));
    const list = el('ol', 'skm-panel-agencies');
    for (const agency of best) {
      const item = el('li');
      item.append(el('span', 'skm-panel-agency', agency.agency), el('span', 'skm-panel-agency-ikm', `${agency.ikm.toFixed(2).replace('.', first === 'id' ? ',' : '.')} · ${agency.grade}`));
      list.append(item);
    }
    panel.append(list);
  }
  return [panel];
}
