// A bounded grid: rows of tiles far from the screen are "parked" — taken out of the
// document and replaced by one full-width block of the same height — and put back when
// that block comes near again. A long album scrolled end to end keeps a few hundred tiles
// in the page, not thousands.
// Why nothing moves: a wrapping flex container breaks its lines greedily, each line from
// its first item, so cutting whole rows and leaving a full-width block exactly as tall as
// those rows (less the one gap the block brings back) lays every other row out as before.
// The lightbox, select mode and a drag read every tile from the DOM, so they hold the grid
// whole while they run (window.shoeboxGrid.hold() / release()). Tiles still processing,
// selected or focused are never parked, nor a section's last row (the next page may
// continue it).
(() => {
  const grid = document.getElementById('album-grid');
  if (!grid || !('IntersectionObserver' in window)) return;
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
    for (const block of grid.querySelectorAll('.parked')) restore(block);
  };

  const parkable = (tile) =>
    tile.matches('a.tile') &&
    !tile.classList.contains('selected') &&
    tile.dataset.status !== 'pending' &&
    tile.dataset.status !== 'preparing' &&
    !tile.contains(document.activeElement);

  /** The container's in-flow items grouped into lines, top to bottom. */
  function linesOf(tiles) {
    const lines = [];
    for (const el of tiles.children) {
      if (!el.matches('a.tile, .parked')) continue; // the sentinel and drop marker are out of flow
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
    // Every section measured first, then every run parked: parking between two sections'
    // measures made the browser lay the page out again for each section.
    const runs = [];
    for (const tiles of grid.querySelectorAll('.tiles')) {
      const box = tiles.getBoundingClientRect();
      if (box.top >= -reach && box.bottom <= innerHeight + reach) continue; // all of it near
      const gap = parseFloat(getComputedStyle(tiles).rowGap) || 0;
      const lines = linesOf(tiles);
      // Runs of far lines, each parked as one block. The last line stays: nothing follows
      // it to measure against, and the next page may continue it.
      let start = -1;
      for (let i = 0; i < lines.length; i++) {
        const far = i < lines.length - 1 && !near(lines[i]) && lines[i].items.every(parkable);
        if (far && start < 0) start = i;
        if (!far && start >= 0) {
          runs.push([lines.slice(start, i), lines[i].top - lines[start].top - gap]);
          start = -1;
        }
      }
    }
    for (const [lines, height] of runs) park(lines, height);
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
  document.addEventListener('shoebox:tiles', schedule);
  document.addEventListener('htmx:afterSettle', schedule);
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
    allTiles() {
      return [...grid.querySelectorAll('a.tile[data-id], .parked')].flatMap((el) =>
        el.classList.contains('parked') ? [...(parkedTiles.get(el)?.children ?? [])] : [el],
      );
    },
  };
  schedule();
})();
