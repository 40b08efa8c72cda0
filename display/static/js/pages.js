// Pages that rotate: when the items do not fit their box, they are split over pages shown in turn,
// so the type never has to shrink. Items are measured in the real layout, once, at full size.

/** A `split` for Pager.fill, for items that list parts (an agency's counters, its services): an item
 *  too big for an empty page keeps as many parts as fit there, and the rest follow on the next page
 *  under the same heading, "continued". `build(item, parts, continued)` makes an item of those parts. */
export function splitParts(build) {
  return (item, fits) => {
    let n = item.parts.length - 1;
    while (n > 0 && !fits(build(item, item.parts.slice(0, n), item.continued))) n -= 1;
    if (n === 0) return null;
    return [build(item, item.parts.slice(0, n), item.continued), build(item, item.parts.slice(n), true)];
  };
}

export class Pager {
  constructor(box, dots = null) {
    this.box = box;
    this.dots = dots;
    this.pages = [];
    this.current = 0;
  }

  // items: DOM nodes in order. A page takes the items in turn; one that does not fit waits for the
  // next page while smaller ones after it may still fill the gap (fewer pages, a nearly kept order).
  // An item too big even for an empty page is split: split(item, fits) returns [the part that fits,
  // the rest] (fits(node) says whether a candidate fits), or null to let it stand alone.
  fill(items, split = null) {
    this.box.replaceChildren();
    this.pages = [];
    let queue = [...items];
    while (queue.length) {
      const page = this.newPage();
      const later = [];
      for (const item of queue) {
        page.append(item);
        if (this.fits(page)) continue;
        item.remove();
        later.push(item);
      }
      if (page.childElementCount === 0) {
        const first = later.shift();
        const parts = split ? split(first, (node) => this.tryFit(page, node)) : null;
        page.append(parts ? parts[0] : first);
        if (parts) later.unshift(parts[1]);
      }
      queue = later;
    }
    if (this.pages.length === 0) this.newPage();
    this.show(Math.min(this.current, this.pages.length - 1));
  }

  newPage() {
    const page = document.createElement('div');
    page.className = 'page measuring';
    page.dataset.page = String(this.pages.length);
    this.box.append(page);
    this.pages.push(page);
    return page;
  }

  fits(page) {
    const limit = page.getBoundingClientRect();
    return [...page.children].every((child) => {
      const r = child.getBoundingClientRect();
      return r.bottom <= limit.bottom + 0.5 && r.right <= limit.right + 0.5;
    });
  }

  tryFit(page, node) {
    page.append(node);
    const ok = this.fits(page);
    node.remove();
    return ok;
  }

  show(index) {
    this.current = Math.max(0, index);
    this.pages.forEach((page, i) => {
      page.classList.remove('measuring');
      page.classList.toggle('on', i === this.current);
      page.setAttribute('aria-hidden', i === this.current ? 'false' : 'true');
    });
    if (this.dots) {
      this.dots.replaceChildren(...(this.pages.length > 1 ? this.pages.map((_, i) => {
        const dot = document.createElement('span');
        if (i === this.current) dot.className = 'on';
        return dot;
      }) : []));
    }
  }

  next() {
    if (this.pages.length > 1) this.show((this.current + 1) % this.pages.length);
  }
}
