// Select mode's core, shared by the owner's grids (select.js) and the guest page
// (guest-select.js): which tiles are selected, the mode itself, and the input that drives
// it. Start it with a tile's check (hover on desktop), a long press on touch (~500 ms), a
// day header's check or the Select button; then a tap toggles a tile instead of opening
// it (this listens on window in the capture phase, before the lightbox), and a shift-click
// selects every tile from the one clicked before. Escape or × leaves. The page's own script gives the bar its actions:
//   const mode = window.shoeboxSelectMode({ bar, onRender });
//   mode.selectedTiles(), mode.ids(), mode.setMode(false), mode.render() …
window.shoeboxSelectMode = ({ bar, onRender = () => {} }) => {
  const root = document.documentElement;
  const count = bar.querySelector('.select-count');
  const LONG_PRESS_MS = 500;

  const selected = new Set();
  let selecting = false;
  /** The tile clicked last: a shift-click selects from there. */
  let anchor;

  const allTiles = () => [...document.querySelectorAll('.grid .tile')];
  const tileOf = (el) => (el instanceof Element ? el.closest('.grid .tile') : null);
  const tileById = (id) => document.querySelector(`.grid .tile[data-id="${CSS.escape(id)}"]`);
  const selectedTiles = () => allTiles().filter((t) => selected.has(t.dataset.id));

  function markTile(tile, on) {
    tile.classList.toggle('selected', on);
    if (selecting) tile.setAttribute('aria-checked', String(on));
  }

  function setMode(on) {
    if (on === selecting) return;
    selecting = on;
    root.classList.toggle('selecting', on);
    if (on) window.shoeboxGrid?.hold(); // select a day, move, save the order: every tile in the page
    else window.shoeboxGrid?.release();
    for (const tile of allTiles()) {
      if (on) {
        tile.setAttribute('role', 'checkbox');
        tile.setAttribute('aria-checked', String(selected.has(tile.dataset.id)));
      } else {
        tile.removeAttribute('role');
        tile.removeAttribute('aria-checked');
      }
    }
    if (!on) {
      anchor = undefined;
      selected.clear();
      for (const tile of document.querySelectorAll('.grid .tile.selected')) tile.classList.remove('selected');
      for (const s of document.querySelectorAll('.grid .day[data-all]')) delete s.dataset.all;
    }
    render();
  }

  function toggle(tile, force) {
    const id = tile.dataset.id;
    const on = force ?? !selected.has(id);
    if (on) selected.add(id);
    else {
      selected.delete(id);
      const section = tile.closest('.day');
      if (section) delete section.dataset.all;
    }
    markTile(tile, on);
  }

  function render() {
    const n = selected.size;
    count.textContent = `${n.toLocaleString('en')} selected`;
    bar.hidden = !selecting;
    for (const b of document.querySelectorAll('#select-bar [data-action], #select-more [data-action]')) {
      if (b.dataset.action === 'cancel') continue;
      b.disabled = n === 0 || (b.hasAttribute('data-needs-one') && n !== 1);
    }
    for (const section of document.querySelectorAll('.grid .day')) {
      const check = section.querySelector('.day-check');
      if (!check) continue;
      const tiles = [...section.querySelectorAll('.tile')];
      const all = tiles.length > 0 && tiles.every((t) => selected.has(t.dataset.id));
      check.setAttribute('aria-pressed', String(all));
    }
    onRender({ selecting, count: n });
  }

  // Tiles that arrive later (next pages, uploads) join the mode; a selected day's new tiles are selected.
  new MutationObserver((records) => {
    let changed = false;
    for (const r of records) {
      for (const node of r.addedNodes) {
        if (!(node instanceof Element)) continue;
        const tiles = node.matches('.tile') ? [node] : node.querySelectorAll('.tile');
        for (const tile of tiles) {
          if (!tile.closest('.grid')) continue;
          changed = true;
          if (selecting) tile.setAttribute('role', 'checkbox');
          const section = tile.closest('.day');
          if (section?.dataset.all !== undefined && !selected.has(tile.dataset.id)) selected.add(tile.dataset.id);
          markTile(tile, selected.has(tile.dataset.id));
        }
      }
    }
    if (changed) render();
  }).observe(document.body, { childList: true, subtree: true });

  // The click a long press may end with: not a tap on that tile.
  let swallow = { tile: null, until: 0 };

  window.addEventListener(
    'click',
    (event) => {
      const target = event.target instanceof Element ? event.target : null;
      if (!target) return;
      const dayCheck = target.closest('.grid .day-check');
      if (dayCheck) {
        event.preventDefault();
        selectDay(dayCheck.closest('.day'));
        return;
      }
      const tile = tileOf(target);
      if (!tile) return;
      if (tile === swallow.tile && Date.now() < swallow.until) {
        event.preventDefault();
        event.stopImmediatePropagation();
        return;
      }
      const onCheck = target.closest('.tile-check');
      if (!selecting && !onCheck) return; // the lightbox opens it
      event.preventDefault();
      event.stopImmediatePropagation();
      setMode(true);
      const from = event.shiftKey && anchor ? tileById(anchor) : null;
      if (from && from !== tile) selectRange(from, tile);
      else toggle(tile);
      anchor = tile.dataset.id;
      render();
    },
    true,
  );

  /** Every tile from `from` to `to` (either way round, in the grid's order) selected. */
  function selectRange(from, to) {
    const tiles = allTiles();
    const [a, b] = [tiles.indexOf(from), tiles.indexOf(to)].sort((x, y) => x - y);
    for (const t of tiles.slice(a, b + 1)) toggle(t, true);
  }

  // A shift-click selects tiles, not the text between them.
  document.addEventListener('mousedown', (event) => {
    if (event.shiftKey && selecting && tileOf(event.target)) event.preventDefault();
  });

  function selectDay(section) {
    if (!section) return;
    setMode(true);
    const tiles = [...section.querySelectorAll('.tile')];
    const all = tiles.every((t) => selected.has(t.dataset.id));
    for (const t of tiles) toggle(t, !all);
    if (!all) section.dataset.all = '';
    else delete section.dataset.all;
    render();
  }

  // Long press on touch: select the tile and enter the mode; the click that follows is not a tap.
  let press;
  const cancelPress = () => {
    if (press) clearTimeout(press.timer);
    press = undefined;
  };
  document.addEventListener('pointerdown', (event) => {
    if (event.pointerType === 'mouse' || !event.isPrimary) return;
    const tile = tileOf(event.target);
    if (!tile) return;
    cancelPress();
    press = {
      x: event.clientX,
      y: event.clientY,
      timer: setTimeout(() => {
        press = undefined;
        setMode(true);
        toggle(tile, true);
        render();
        swallow = { tile, until: Date.now() + 800 };
        navigator.vibrate?.(20);
      }, LONG_PRESS_MS),
    };
  });
  document.addEventListener('pointermove', (event) => {
    if (press && Math.hypot(event.clientX - press.x, event.clientY - press.y) > 10) cancelPress();
  });
  for (const type of ['pointerup', 'pointercancel', 'scroll']) document.addEventListener(type, cancelPress, { passive: true });
  // The browser's own long-press menu (open in new tab, save image) would cover the grid.
  document.addEventListener('contextmenu', (event) => {
    if (tileOf(event.target) && (selecting || Date.now() < swallow.until || event.pointerType === 'touch')) event.preventDefault();
  });

  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && selecting && !document.querySelector(':popover-open')) {
      setMode(false);
      return;
    }
    if (event.key === ' ' && selecting) {
      const tile = tileOf(event.target);
      if (tile) {
        event.preventDefault();
        toggle(tile);
        render();
      }
    }
  });

  document.addEventListener('click', (event) => {
    if (event.target instanceof Element && event.target.closest('[data-select-start]')) {
      setMode(true);
      allTiles()[0]?.focus({ preventScroll: true });
    }
  });

  return {
    selected,
    isSelecting: () => selecting,
    setMode,
    toggle,
    render,
    allTiles,
    selectedTiles,
    tileById,
    ids: () => selectedTiles().map((t) => t.dataset.id),
  };
};
