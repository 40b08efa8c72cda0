// A grid of tiles that may not fit the screen, shown a page at a time with large arrows and a
// "Page 1 of 3" cue, so nothing sits below the fold unseen. Pages break between rows, where the
// tiles the browser laid out stop fitting: tiles hold official names of any length, and their
// height is whatever the name needs at the screen's size, not a guess.

export class Pager {
  /** `label(page, pages)` is the cue's text; `nav` holds `prev`, `next` and `cue`; with `fill`, the rows
   * of a full page share the grid's whole height (a second layout, worth it where nothing is typed). */
  constructor({ grid, nav, prev, next, cue, label, fill = false }) {
    Object.assign(this, { grid, nav, cue, label, prev, next, fill, tiles: [], pages: [[0, 0]], page: 0, stale: false });
    prev.addEventListener('click', () => this.turn(-1));
    next.addEventListener('click', () => this.turn(1));
  }

  /** Show these tiles from the first page, or on the same page (`keepPage`). The same tiles as shown
   * are not laid out again (a keystroke that finds the same services costs nothing) unless their
   * words changed (`relayout`) or the pages are `stale` (the tiles or the screen changed while hidden). */
  show(tiles, { keepPage = false, relayout = false } = {}) {
    const same = tiles.length === this.tiles.length && tiles.every((tile, i) => tile === this.tiles[i]);
    if (!keepPage) this.page = 0;
    if (same && !relayout && !this.stale) {
      this.render();
      return;
    }
    this.tiles = tiles;
    if (!same) this.grid.replaceChildren(...tiles); // re-inserting the same tiles would drop the focus of the one touched
    this.paginate();
  }

  /** Work the pages out again: after a resize, a language switch, or new tiles. Only while visible.
   * One layout: the cue's room is left out of the grid while measuring, and given back when all fits. */
  paginate() {
    if (this.grid.closest('[hidden]')) { // (asking the layout whether it shows would lay the page out)
      this.stale = true;
      return;
    }
    this.stale = false;
    this.nav.hidden = false;
    this.grid.classList.remove('fill');
    for (const tile of this.tiles) tile.hidden = false;
    this.pages = this.breaks();
    this.nav.hidden = this.pages.length < 2;
    this.page = Math.min(this.page, this.pages.length - 1);
    this.render();
  }

  turn(step) {
    this.page = Math.max(0, Math.min(this.pages.length - 1, this.page + step));
    this.render();
  }

  /** [first, end) tile indexes per page: whole rows, as many as fit the grid's height. */
  breaks() {
    const style = getComputedStyle(this.grid);
    const room = this.grid.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
    const rows = [];
    this.tiles.forEach((tile, i) => {
      const top = tile.offsetTop;
      const bottom = top + tile.offsetHeight;
      const row = rows[rows.length - 1];
      if (row && row.top === top) row.bottom = Math.max(row.bottom, bottom);
      else rows.push({ first: i, top, bottom });
    });
    const pages = [];
    let pageTop = null;
    for (const row of rows) {
      if (pageTop === null || row.bottom - pageTop > room) {
        pages.push([row.first, row.first]);
        pageTop = row.top;
      }
    }
    pages.forEach((page, i) => { page[1] = i + 1 < pages.length ? pages[i + 1][0] : this.tiles.length; });
    return pages.length ? pages : [[0, 0]];
  }

  render() {
    const [first, end] = this.pages[this.page];
    this.tiles.forEach((tile, i) => {
      const hidden = i < first || i >= end;
      if (tile.hidden !== hidden) tile.hidden = hidden; // an unchanged page invalidates no style
    });
    this.grid.classList.toggle('fill', this.fill && this.page < this.pages.length - 1);
    this.prev.disabled = this.page === 0;
    this.next.disabled = this.page === this.pages.length - 1;
    const cue = this.label(this.page + 1, this.pages.length);
    if (this.cue.textContent !== cue) this.cue.textContent = cue;
  }
}
