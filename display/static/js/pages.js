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

  // items: DOM nodes in order; split(node) may return [fitting part builder, rest] for a node too big
  // for an empty page: split(node, fits) where fits(node) says whether a candidate fits.
  fill(items, split = null) {
    this.box.replaceChildren();
    this.pages = [];
    let page = this.newPage();
    const queue = [...items];
    while (queue.length) {
      const item = queue.shift();
      page.append(item);
      if (this.fits(page)) continue;
      item.remove();
      if (page.childElementCount === 0) {
        const parts = split ? split(item, (node) => this.tryFit(page, node)) : null;
        if (!parts) { page.append(item); page = this.newPage(); continue; }
        page.append(parts[0]);
        queue.unshift(parts[1]);
      } else {
        queue.unshift(item);
      }
      page = this.newPage();
    }
    if (page.childElementCount === 0 && this.pages.length > 1) { page.remove(); this.pages.pop(); }
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
