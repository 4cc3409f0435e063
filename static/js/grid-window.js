// A bounded grid: rows of tiles far from the screen are "parked" — taken out of the
// document and replaced by one full-width block of the same height — and put back when
// that block comes near again. A long album scrolled end to end keeps a few hundred tiles
// in the page, not thousands. Two levels: lines of day sections side by side in the grid
// (an album of many small days), and rows of tiles inside a day that takes whole lines.
// Why nothing moves: a wrapping flex container breaks its lines greedily, each line from
// its first item, so cutting whole lines and leaving a full-width block exactly as tall as
// those lines (less the one gap the block brings back) lays every other line out as before.
// The lightbox, select mode and a drag read every tile from the DOM, so they hold the grid
// whole while they run (window.shoeboxGrid.hold() / release()). Tiles still processing,
// selected or focused are never parked, nor a section's last row (the next page may
// continue it).
(() => {
  if (!('IntersectionObserver' in window)) return;
  const found = document.getElementById('album-grid');
  if (found) return windowed(found);
  // An album empty when the page loaded gets its grid with its first live tiles
  // (static/js/live-grid.js): from then on the grid is sized and bounded as any other.
  const awaitGrid = (event) => {
    const grid = document.getElementById('album-grid');
    if (!grid) return;
    document.removeEventListener('shoebox:tiles', awaitGrid);
    windowed(grid);
    window.shoeboxGrid.tally(event.target.closest?.('.day'));
  };
  document.addEventListener('shoebox:tiles', awaitGrid);

  /** Parks far rows of `grid` and sizes its days; sets window.shoeboxGrid. */
  function windowed(grid) {
    const PARK_SCREENS = 4; // rows more than this many screens away are parked…
    const RESTORE_MARGIN = '200%'; // …and come back within two screens
    const parkedTiles = new WeakMap(); // block → DocumentFragment of its tiles
    let holds = 0;
    let width = grid.clientWidth;
    let timer;

    const restorer = new IntersectionObserver(
      (entries) => {
        for (const entry of entries) if (entry.isIntersecting) restore(entry.target);
      },
      { rootMargin: `${RESTORE_MARGIN} 0px` },
    );

    function restore(block) {
      restorer.unobserve(block);
      const tiles = parkedTiles.get(block);
      parkedTiles.delete(block);
      if (block.isConnected && tiles) block.replaceWith(tiles);
    }
    const restoreAll = () => {
      // A day's own parked rows come back with the day's line: go again until none is left.
      for (let blocks; (blocks = grid.querySelectorAll('.parked')).length; ) for (const block of blocks) restore(block);
    };
    /** The tiles under `root` in order, those in parked blocks (at any depth) included. */
    const tilesIn = (root) =>
      [...root.querySelectorAll('a.tile[data-id], .parked')].flatMap((el) =>
        el.classList.contains('parked') ? tilesIn(parkedTiles.get(el) ?? document.createDocumentFragment()) : [el],
      );

    /**
     * A day's --s (its tiles' aspect ratios as shown, summed) and --n (how many) after tiles
     * came or went: the stylesheet sizes the day from them (views/parts/album-grid.tsx).
     */
    function tally(section) {
      if (!section?.matches('.day')) return;
      const arMax = parseFloat(getComputedStyle(grid).getPropertyValue('--ar-max')) || 2;
      const tiles = tilesIn(section);
      const sum = tiles.reduce((total, tile) => total + Math.min(arMax, parseFloat(tile.style.getPropertyValue('--ar')) || 1), 0);
      section.style.setProperty('--s', String(+sum.toFixed(4)));
      section.style.setProperty('--n', String(tiles.length));
    }

    const parkable = (tile) =>
      tile.matches('a.tile') &&
      !tile.classList.contains('selected') &&
      tile.dataset.status !== 'pending' &&
      tile.dataset.status !== 'preparing' &&
      !tile.contains(document.activeElement);

    const parkableSection = (section) => section.matches('.day') && [...section.querySelectorAll('a.tile')].every(parkable);

    /** The container's in-flow items (`items`: a selector) grouped into lines, top to bottom. */
    function linesOf(container, items) {
      const lines = [];
      for (const el of container.children) {
        if (!el.matches(items)) continue; // the sentinel and drop marker are out of flow
        const box = el.getBoundingClientRect();
        const line = lines.at(-1);
        if (line && Math.abs(line.top - box.top) < 1) {
          line.items.push(el);
          line.bottom = Math.max(line.bottom, box.bottom);
        } else {
          lines.push({ top: box.top, bottom: box.bottom, items: [el] });
        }
      }
      return lines;
    }

    function parkFar() {
      timer = undefined;
      if (holds > 0 || document.hidden) return;
      const reach = PARK_SCREENS * innerHeight;
      const near = (line) => line.bottom > -reach && line.top < innerHeight + reach;
      /** The runs of far lines of `container`'s `items` (each to be parked as one block), added to `runs`. */
      const farRuns = (container, items, canPark, runs) => {
        const box = container.getBoundingClientRect();
        if (box.top >= -reach && box.bottom <= innerHeight + reach) return; // all of it near
        const gap = parseFloat(getComputedStyle(container).rowGap) || 0;
        const lines = linesOf(container, items);
        // The last line stays: nothing follows it to measure against, and the next page may continue it.
        let start = -1;
        for (let i = 0; i < lines.length; i++) {
          const far = i < lines.length - 1 && !near(lines[i]) && lines[i].items.every(canPark);
          if (far && start < 0) start = i;
          if (!far && start >= 0) {
            runs.push([lines.slice(start, i), lines[i].top - lines[start].top - gap]);
            start = -1;
          }
        }
      };
      // Everything at one level measured first, then every run parked: parking between two
      // measures made the browser lay the page out again for each. Lines of days first, then
      // the rows inside the days left in the page.
      const days = [];
      farRuns(grid, '.day, .parked', parkableSection, days);
      for (const [lines, height] of days) park(lines, height);
      const rows = [];
      for (const tiles of grid.querySelectorAll('.tiles')) farRuns(tiles, 'a.tile, .parked', parkable, rows);
      for (const [lines, height] of rows) park(lines, height);
    }

    function park(lines, height) {
      const items = lines.flatMap((line) => line.items);
      const block = document.createElement('div');
      block.className = 'parked';
      block.style.height = `${height}px`;
      block.setAttribute('aria-hidden', 'true');
      items[0].before(block);
      const fragment = document.createDocumentFragment();
      fragment.append(...items);
      parkedTiles.set(block, fragment);
      restorer.observe(block);
    }

    const schedule = () => {
      timer ??= setTimeout(parkFar, 300);
    };

    addEventListener('scroll', schedule, { passive: true });
    document.addEventListener('shoebox:tiles', (event) => {
      tally(event.target.closest?.('.day'));
      schedule();
    });
    // htmx's next page (the owner's) may have continued a day: size anew each day now holding
    // more tiles than it says (parking only ever leaves fewer in the page).
    document.addEventListener('htmx:afterSettle', () => {
      for (const section of grid.querySelectorAll(':scope > .day')) {
        if (section.querySelectorAll('a.tile').length > Number(section.style.getPropertyValue('--n'))) tally(section);
      }
      schedule();
    });
    addEventListener('resize', () => {
      if (grid.clientWidth === width) return;
      width = grid.clientWidth; // rows break differently now: the blocks' heights are wrong
      restoreAll();
      schedule();
    });

    window.shoeboxGrid = {
      /** Put every parked tile back and park none until release(). */
      hold() {
        holds++;
        restoreAll();
      },
      release() {
        holds = Math.max(0, holds - 1);
        schedule();
      },
      /** Every tile in the grid's order, parked ones included. */
      allTiles: () => tilesIn(grid),
      /** Sizes `section` (a day) anew after tiles were taken out of it. */
      tally,
    };
    schedule();
  }
})();
