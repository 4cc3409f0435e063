// A grid that keeps up while it is on screen: uploaded items appear in their place, and
// items still being processed swap their placeholder for the thumbnail when the worker is
// done, without a reload. Plain script, configured by #live-grid (views/parts/live-grid.tsx):
//   data-place-url   tiles for ?ids=…, each in a <template data-id data-prev data-next data-day data-status>
//   data-status-url  {assets: [{id, status, error, progress?}], backlog} for ?ids=…
//   data-hide-failed (guest pages) an item whose processing failed leaves the grid
// A video tile in 'preparing' (its web copy being made) counts as waiting: its badge shows
// the copy's progress, and the tile is swapped when it is ready to play.
// It polls only while some item on the page (or just uploaded) is pending or processing:
// every 2 s, slower when nothing changes for a while, never while the tab is hidden.
// Listens for 'shoebox:uploaded' {ids} (static/js/upload.js); tells 'shoebox:asset-status'
// {id, status, error} on the document. Guest pages of links that take uploads use it too:
// their routes answer for the link's album only, and tell no backlog.
(() => {
  const config = document.getElementById('live-grid');
  if (!config) return;
  const placeUrl = config.dataset.placeUrl;
  const statusUrl = config.dataset.statusUrl;
  const hideFailed = config.hasAttribute('data-hide-failed');
  const indicator = document.querySelector('[data-processing-status]');
  const FAST_MS = 2000;
  const SLOWEST_MS = 30000;
  const MAX_IDS = 100;

  /** Items waiting for the worker: id → the status last seen ('new' before the first answer). */
  const waiting = new Map();
  let toPlace = new Set();
  let placeTimer;
  let pollTimer;
  let polling = false;
  let delay = FAST_MS;
  let quiet = 0;

  const tileOf = (id) => document.querySelector(`.tile[data-id="${CSS.escape(id)}"]`);
  const gridEl = () => document.getElementById('album-grid') || document.querySelector('main .grid');
  const sectionDay = (section) => section.querySelector(':scope > .day-head time')?.getAttribute('datetime') ?? '';
  // Not everything is on the page: a later page (htmx's sentinel, or the library's "Older").
  const pageIsPartial = () => document.querySelector('.more, a[rel="next"]') !== null;
  const settled = (status) => status === 'ready' || status === 'failed';
  const tell = (id, status, error) => document.dispatchEvent(new CustomEvent('shoebox:asset-status', { detail: { id, status, error } }));

  function withIds(base, ids) {
    const u = new URL(base, location.href);
    u.searchParams.set('ids', ids.join(','));
    return u.href;
  }

  function shown(tile) {
    // album.js fades images in on their load event; one loaded from the cache already may have missed it.
    for (const img of tile.querySelectorAll('img')) if (img.complete && img.naturalWidth > 0) img.classList.add('in');
    // New tiles for other scripts (album.js, select mode) to take up.
    tile.dispatchEvent(new CustomEvent('shoebox:tiles', { bubbles: true }));
  }

  // ---- placing tiles ------------------------------------------------------------------

  const tilesIn = (grid) => grid.querySelectorAll('.tile[data-id]');
  // The first or last of the whole grid is on this page (not a later page of the library).
  const pageShowsStart = () => document.querySelector('a[rel="prev"]') === null;

  function emptyToGrid() {
    let grid = gridEl();
    if (grid) return grid;
    const empty = document.querySelector('main .empty-state');
    if (!empty) return null;
    grid = document.createElement('div');
    grid.id = 'album-grid';
    grid.className = 'grid';
    empty.replaceWith(grid);
    return grid;
  }

  /** Into `section` (a day on the page) at its start or end, or the new one-tile day section. */
  const intoDay = (daySection, tile, atStart) => {
    const tiles = daySection.querySelector('.tiles');
    if (atStart) tiles.prepend(tile);
    else tiles.append(tile);
  };
  const isDay = (el, day) => el?.matches('section') && sectionDay(el) === day;

  /**
   * Puts the template's tile where it belongs: before the item after it or after the item
   * before it, whichever the page shows, in its day's section (made when missing).
   * 'later': its place is on a page not loaded (the next page brings it); 'wait': neither
   * neighbour is on the page yet (another new item, still on its way).
   */
  function place(tpl) {
    const { id, prev, next, day } = tpl.dataset;
    const section = tpl.content.querySelector('section');
    const tile = section?.querySelector('.tile');
    if (!tile) return 'later';
    const existing = tileOf(id);
    if (existing) {
      // Already shown (an upload of something the album had, or a thumbnail now ready):
      // swap it when its state moved on.
      if (existing.dataset.status !== tile.dataset.status) {
        existing.replaceWith(tile);
        shown(tile);
      }
      return 'placed';
    }
    const after = next ? tileOf(next) : null;
    const before = prev ? tileOf(prev) : null;
    if (after) {
      const own = after.closest('section');
      if (sectionDay(own) === day) after.before(tile);
      else if (isDay(own.previousElementSibling, day)) intoDay(own.previousElementSibling, tile, false);
      else own.before(section);
    } else if (before) {
      const grid = gridEl();
      const all = tilesIn(grid);
      if (pageIsPartial() && all[all.length - 1] === before) return 'later';
      const own = before.closest('section');
      if (sectionDay(own) === day) before.after(tile);
      else if (isDay(own.nextElementSibling, day)) intoDay(own.nextElementSibling, tile, true);
      else own.after(section);
    } else if (!prev && pageShowsStart()) {
      const grid = emptyToGrid();
      if (!grid) return 'later';
      const first = grid.querySelector(':scope > section');
      if (isDay(first, day)) intoDay(first, tile, true);
      else grid.prepend(section);
    } else if (!next && !pageIsPartial()) {
      const grid = emptyToGrid();
      if (!grid) return 'later';
      const last = [...grid.querySelectorAll(':scope > section')].at(-1);
      if (isDay(last, day)) intoDay(last, tile, false);
      else grid.append(section);
    } else return prev && next ? 'wait' : 'later';
    shown(tile);
    return 'placed';
  }

  /** Tiles for these ids: placed, swapped or left for later; their states told. Returns the ids still waiting for a neighbour. */
  async function fetchTiles(ids) {
    const res = await fetch(withIds(placeUrl, ids), { headers: { accept: 'text/html' } });
    if (!res.ok) throw new Error(`tiles: HTTP ${res.status}`);
    const doc = new DOMParser().parseFromString(`<body>${await res.text()}</body>`, 'text/html');
    const head = doc.querySelector('template[data-meta]')?.dataset;
    if (head?.meta) updateMeta(head.meta);
    // The album's count for the lightbox, which counts items not loaded yet too.
    const albumGrid = document.getElementById('album-grid');
    if (head?.count && albumGrid?.dataset.total) albumGrid.dataset.total = head.count;
    let pending = [...doc.querySelectorAll('template[data-id]')].map((tpl) => document.importNode(tpl, true));
    for (const tpl of pending) {
      const { id, status } = tpl.dataset;
      if (settled(status)) {
        if (waiting.delete(id)) tell(id, status, tileError(tpl));
      } else if (waiting.has(id) && waiting.get(id) !== status) {
        waiting.set(id, status);
        tell(id, status);
      }
    }
    // A neighbour may be in a row static/js/grid-window.js parked far from the screen:
    // every row back while the new tiles go in (parked again after, as the scroll wants).
    const grid = pending.length && document.querySelector('.grid .parked') ? window.shoeboxGrid : undefined;
    grid?.hold();
    try {
      // In grid order, again while that helps: a run of new items goes in one by one, each
      // next to the one placed before it.
      for (let progress = true; progress && pending.length; ) {
        const left = pending.filter((tpl) => place(tpl) === 'wait');
        progress = left.length < pending.length;
        pending = left;
      }
    } finally {
      grid?.release();
    }
    return pending.map((tpl) => tpl.dataset.id);
  }

  /** Takes the tile out of the grid, and its day when that is left without tiles. */
  function dropTile(id) {
    const tile = tileOf(id);
    if (!tile) return;
    const section = tile.closest('section');
    tile.remove();
    if (section && !section.querySelector('.tile') && !section.querySelector('.more')) section.remove();
    else window.shoeboxGrid?.tally(section);
    const albumGrid = document.getElementById('album-grid');
    if (albumGrid?.dataset.total) albumGrid.dataset.total = String(Math.max(0, Number(albumGrid.dataset.total) - 1));
  }

  const tileError = (tpl) => tpl.content.querySelector('.badge.failed')?.getAttribute('title') ?? undefined;

  function updateMeta(text) {
    const head = document.querySelector('#album-head, main .album-head');
    if (!head) return;
    let line = head.querySelector('.album-meta');
    if (!line) {
      line = document.createElement('p');
      line.className = 'album-meta';
      head.append(line);
    }
    if (line.textContent !== text) line.textContent = text;
  }

  /** Ids waiting for a neighbour to be placed first, with how often they were tried. */
  const unplaced = new Map();

  function queuePlacement(ids, wait = 150) {
    for (const id of ids) toPlace.add(id);
    clearTimeout(placeTimer);
    // Files finishing close together go in one request; those waiting for a neighbour
    // come along (with their neighbours as they are now).
    placeTimer = setTimeout(async () => {
      const batch = [...new Set([...toPlace, ...unplaced.keys()])].slice(0, MAX_IDS);
      for (const id of batch) toPlace.delete(id);
      let left = [];
      try {
        left = await fetchTiles(batch);
      } catch {
        // The status poll still follows these; they show on the next page load at the latest.
      }
      for (const id of batch) if (!left.includes(id)) unplaced.delete(id);
      for (const id of left) {
        const tries = (unplaced.get(id) ?? 0) + 1;
        if (tries < 5) unplaced.set(id, tries);
        else unplaced.delete(id); // its neighbours never came: a reload shows it
      }
      if (toPlace.size) queuePlacement([]);
      else if (unplaced.size) queuePlacement([], 1000);
      startPolling();
    }, wait);
  }

  // ---- polling ------------------------------------------------------------------------

  function collectWaiting(root = document) {
    for (const tile of root.querySelectorAll('.tile[data-status="pending"], .tile[data-status="preparing"]')) {
      if (!waiting.has(tile.dataset.id)) waiting.set(tile.dataset.id, tile.dataset.status);
    }
  }

  function showBacklog(n) {
    if (!indicator) return;
    const text = indicator.querySelector('[data-processing-text]');
    if (n > 0) {
      // On a phone's crowded top bar only the number shows; the words stay for screen readers.
      const word = document.createElement('span');
      word.className = 'processing-word';
      word.textContent = 'Processing ';
      text.replaceChildren(word, `${n.toLocaleString('en')}…`);
      indicator.title = `Processing ${n.toLocaleString('en')} items`;
      indicator.hidden = false;
    } else indicator.hidden = true;
  }

  function stopPolling() {
    clearTimeout(pollTimer);
    pollTimer = undefined;
    showBacklog(0);
  }

  function startPolling(soon = false) {
    if (!waiting.size) return stopPolling();
    if (polling || document.hidden) return;
    if (pollTimer && !soon) return;
    clearTimeout(pollTimer);
    pollTimer = setTimeout(poll, soon ? 0 : delay);
  }

  async function poll() {
    pollTimer = undefined;
    if (!waiting.size) return stopPolling();
    if (document.hidden) return;
    polling = true;
    let changed = false;
    try {
      const ids = [...waiting.keys()].slice(0, MAX_IDS);
      const res = await fetch(withIds(statusUrl, ids), { headers: { accept: 'application/json' } });
      if ([401, 403, 404, 410].includes(res.status)) {
        waiting.clear(); // signed out, or the share link is gone: nothing more to learn here
        return;
      }
      if (!res.ok) throw new Error(`status: HTTP ${res.status}`);
      const body = await res.json();
      const answered = new Set(body.assets.map((a) => a.id));
      for (const id of ids) if (!answered.has(id)) waiting.delete(id); // gone, or not this user's to see
      const done = [];
      for (const a of body.assets) {
        if (settled(a.status)) {
          waiting.delete(a.id);
          if (hideFailed && a.status === 'failed') {
            dropTile(a.id); // guests are not shown what could not be processed
            changed = true;
          } else done.push(a.id);
          tell(a.id, a.status, a.error ?? undefined);
        } else if (waiting.get(a.id) !== a.status) {
          // A video whose poster is made now: its tile (poster, badge) comes in as for a finished one.
          if (a.status === 'preparing') done.push(a.id);
          waiting.set(a.id, a.status);
          const tile = tileOf(a.id);
          if (tile && a.status !== 'preparing') tile.dataset.status = a.status;
          tell(a.id, a.status);
          changed = true;
        }
        if (a.progress !== undefined) {
          const badge = tileOf(a.id)?.querySelector('.badge.preparing');
          const text = `Preparing video ${a.progress} %`;
          if (badge && badge.textContent !== text) {
            // The tile's name says its badges' words too (tileLabel in views/parts/album-grid.tsx).
            const tile = badge.closest('.tile');
            tile?.setAttribute('aria-label', tile.getAttribute('aria-label')?.replace(badge.textContent, text) ?? text);
            badge.textContent = text;
            changed = true;
          }
        }
      }
      if (done.length) {
        changed = true;
        // Swap in the finished tiles (thumbnail, placeholder, badge) where they are on the page.
        const onPage = done.filter((id) => tileOf(id));
        for (let i = 0; i < onPage.length; i += MAX_IDS) await fetchTiles(onPage.slice(i, i + MAX_IDS)).catch(() => {});
      }
      showBacklog(waiting.size ? body.backlog : 0);
      quiet = changed ? 0 : quiet + 1;
      // Nothing moved for a minute (a retry postponed, a busy worker): ask less often.
      delay = quiet > 30 ? Math.min(SLOWEST_MS, delay * 1.5) : FAST_MS;
    } catch {
      delay = Math.min(SLOWEST_MS, delay * 2);
    } finally {
      polling = false;
      startPolling();
    }
  }

  // ---- wiring -------------------------------------------------------------------------

  document.addEventListener('shoebox:uploaded', (event) => {
    const ids = event.detail?.ids ?? [];
    for (const id of ids) if (!waiting.has(id)) waiting.set(id, 'new');
    delay = FAST_MS;
    quiet = 0;
    queuePlacement(ids);
  });

  // More of the grid came in (htmx; more.js on guest pages): drop any tile shown twice,
  // follow the new ones that wait.
  function tookMore(event) {
    if (event.target instanceof Element && event.target.matches('.tile')) return; // one placed here
    const seen = new Set();
    for (const tile of document.querySelectorAll('.tile[data-id]')) {
      if (seen.has(tile.dataset.id)) tile.remove();
      else seen.add(tile.dataset.id);
    }
    collectWaiting();
    startPolling();
  }
  document.addEventListener('htmx:afterSettle', tookMore);
  document.addEventListener('shoebox:tiles', tookMore);

  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) startPolling(true);
  });

  collectWaiting();
  startPolling(true);
})();
