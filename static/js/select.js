// Select mode on the owner's grids (album page, library, trash); markup in
// views/parts/select-bar.tsx, the mode itself in select-core.js. The bar's actions call
// the JSON API and update the grid in place.
// In the trash, as elsewhere, a tap opens the item large (to look before restoring it).
// The manual order is saved from the grid's DOM order, after Move earlier/later here or a
// drop in reorder.js (which sends 'shoebox:reordered').
(() => {
  const bar = document.getElementById('select-bar');
  if (!bar) return;
  const where = bar.dataset.context; // 'album' | 'library' | 'trash'
  const albumId = bar.dataset.albumId;
  const manual = bar.dataset.sort === 'manual';
  const trashDays = Number(bar.dataset.trashDays || 30);
  const moveBar = document.querySelector('[data-move-bar]');
  const toast = document.getElementById('select-toast');
  const picker = document.getElementById('album-picker');

  const mode = window.shoeboxSelectMode({ bar, onRender: renderMoveBar });
  const { selected, setMode, render, allTiles, selectedTiles, tileById } = mode;
  const plural = (n, word) => `${n.toLocaleString('en')} ${word}${n === 1 ? '' : 's'}`;

  /** The move bar for custom order: with one item selected. */
  function renderMoveBar({ selecting, count: n }) {
    if (!moveBar) return;
    moveBar.hidden = !(selecting && manual && n === 1);
    if (moveBar.hidden) return;
    const tile = selectedTiles()[0];
    const tiles = allTiles();
    const i = tiles.indexOf(tile);
    moveBar.querySelector('[data-action="earlier"]').disabled = i <= 0;
    moveBar.querySelector('[data-action="later"]').disabled = i === -1 || i >= tiles.length - 1;
  }

  // --- API ---------------------------------------------------------------------------

  async function call(method, url, body) {
    const res = await fetch(url, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
    });
    const data = res.status === 204 ? {} : await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(data.error || `The server answered ${res.status}.`);
    return data;
  }

  let toastTimer;
  function say(text, undo) {
    if (!toast) return;
    clearTimeout(toastTimer);
    toast.querySelector('[data-text]').textContent = text;
    const button = toast.querySelector('[data-undo]');
    button.hidden = !undo;
    button.onclick = undo
      ? async () => {
          toast.hidden = true;
          try {
            await undo();
          } catch (err) {
            say(err.message);
          }
        }
      : null;
    toast.hidden = false;
    toastTimer = setTimeout(() => (toast.hidden = true), undo ? 8000 : 4000);
  }

  /** Runs an action with the bar's buttons disabled; errors become a toast. */
  async function busy(task) {
    bar.setAttribute('aria-busy', 'true');
    try {
      await task();
    } catch (err) {
      say(err.message || String(err));
    } finally {
      bar.removeAttribute('aria-busy');
    }
  }

  /** Takes tiles out of the grid (and days left empty); reloads when nothing is left. */
  function dropTiles(ids) {
    const grid = document.getElementById('album-grid');
    for (const id of ids) {
      selected.delete(id);
      const tile = tileById(id);
      // The album's count for the lightbox (which counts the pages not loaded yet too).
      if (tile && grid?.dataset.total) grid.dataset.total = String(Math.max(0, Number(grid.dataset.total) - 1));
      tile?.remove();
    }
    for (const section of document.querySelectorAll('.grid .day')) {
      if (!section.querySelector('.tile') && !section.querySelector('.more')) section.remove();
      else window.shoeboxGrid?.tally(section);
    }
    fixMoreLinks();
    if (!document.querySelector('.grid .tile')) refreshMain();
  }

  /** The page's main part as the server now renders it (an empty state once nothing is left). */
  async function refreshMain() {
    try {
      const html = await (await fetch(location.href, { credentials: 'same-origin' })).text();
      const fresh = new DOMParser().parseFromString(html, 'text/html').querySelector('main');
      if (fresh) document.querySelector('main')?.replaceChildren(...fresh.childNodes);
    } catch {
      location.reload();
    }
  }

  /** The header line ("124 photos · 3 videos · 12–19 Jul 2024") as the server now says it. */
  async function refreshHead() {
    try {
      const html = await (await fetch(location.href, { credentials: 'same-origin' })).text();
      const doc = new DOMParser().parseFromString(html, 'text/html');
      const fresh = doc.querySelector('main .album-meta');
      const old = document.querySelector('main .album-meta');
      if (fresh && old) old.textContent = fresh.textContent;
    } catch {
      /* the line stays as it was */
    }
  }

  const ids = () => selectedTiles().map((t) => t.dataset.id);
  const save = where === 'trash' ? undefined : window.shoeboxSavePanel?.({ mode, say, urlOf: (tile) => `/media/assets/${tile.dataset.id}/original?download=1` });
  if (save) bar.querySelector('[data-action="save"]').hidden = false;

  const actions = {
    cancel: () => setMode(false),

    add: () => {
      if (!picker) return;
      loadPicker();
      picker.showPopover();
      // Not on touch screens: the keyboard would cover the list.
      if (matchMedia('(pointer: fine)').matches) picker.querySelector('input')?.focus({ preventScroll: true });
    },

    remove: () =>
      busy(async () => {
        const list = ids();
        await call('DELETE', `/api/albums/${albumId}/assets`, { assetIds: list });
        dropTiles(list);
        setMode(false);
        refreshHead();
        say(`${plural(list.length, 'item')} removed from this album`, async () => {
          await call('POST', `/api/albums/${albumId}/assets`, { assetIds: list });
          location.reload();
        });
      }),

    cover: () =>
      busy(async () => {
        const [id] = ids();
        await call('PATCH', `/api/albums/${albumId}`, { coverAssetId: id });
        setMode(false);
        say('Cover changed');
      }),

    // One ZIP of the selection: posted once, then the browser's download manager fetches it.
    download: () =>
      busy(async () => {
        const body = { assetIds: ids(), ...(where === 'album' && albumId ? { albumId } : {}) };
        if (await window.shoeboxDownloads.startSelectionZip('/api/downloads', body, say)) setMode(false);
      }),

    save: () => save?.start(),

    delete: () =>
      busy(async () => {
        const list = ids();
        const { albums } = await call('POST', '/api/assets/albums', { ids: list });
        const dialog = document.getElementById('delete-confirm');
        const where = albums.length ? ` in ${plural(albums.length, 'album')}` : '';
        dialog.querySelector('[data-heading]').textContent = `Move ${plural(list.length, 'item')} to the trash?`;
        dialog.querySelector('[data-text]').textContent =
          `${plural(list.length, 'item')}${where} — they move to the trash for ${trashDays} days` +
          (albums.length ? ` and leave ${albums.length === 1 ? 'the album' : 'those albums'} (${albums.map((a) => `“${a.title}”`).join(', ')}).` : '.');
        dialog.dataset.ids = list.join(',');
        dialog.showPopover();
      }),

    'delete-confirmed': () =>
      busy(async () => {
        const dialog = document.getElementById('delete-confirm');
        const list = (dialog.dataset.ids || '').split(',').filter(Boolean);
        dialog.hidePopover();
        const result = await call('POST', '/api/assets/delete', { ids: list });
        dropTiles(result.ids);
        setMode(false);
        refreshHead();
        say(`${plural(result.trashed, 'item')} moved to the trash`, async () => {
          await call('POST', '/api/trash/restore', { ids: result.ids });
          location.reload();
        });
      }),

    earlier: () => move(-1),
    later: () => move(1),

    shift: () => {
      const sheet = document.getElementById('shift-dates');
      sheet.querySelector('[data-shift-error]').textContent = '';
      sheet.querySelector('[data-heading], h2').textContent = `Change the dates of ${plural(selected.size, 'item')}`;
      sheet.showPopover();
    },

    restore: () =>
      busy(async () => {
        const list = ids();
        const result = await call('POST', '/api/trash/restore', { ids: list });
        dropTiles(list);
        render();
        refreshHead();
        say(`${plural(result.restored, 'item')} restored`);
      }),

    purge: () => {
      const dialog = document.getElementById('purge-confirm');
      const n = selected.size;
      dialog.querySelector('[data-heading]').textContent = `Delete ${plural(n, 'item')} forever?`;
      dialog.querySelector('[data-text]').textContent = `${n === 1 ? 'It is' : 'They are'} deleted for good, with the original files. This cannot be undone.`;
      dialog.showPopover();
    },

    'purge-confirmed': () =>
      busy(async () => {
        document.getElementById('purge-confirm').hidePopover();
        const list = ids();
        const result = await call('POST', '/api/trash/delete', { ids: list });
        dropTiles(list);
        render();
        refreshHead();
        say(`${plural(result.deleted, 'item')} deleted forever`);
      }),
  };

  document.addEventListener('click', (event) => {
    const button = event.target instanceof Element ? event.target.closest('[data-action]') : null;
    if (button && actions[button.dataset.action] && !button.closest('.tile')) {
      if (button.closest('#select-more')) document.getElementById('select-more').hidePopover();
      actions[button.dataset.action]();
    }
  });

  // --- Change dates: move the selection's dates by days, hours and minutes ---------------

  document.querySelector('[data-shift-form]')?.addEventListener('submit', (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    const number = (name) => Math.max(0, Math.floor(Number(form.elements[name].value) || 0));
    const minutes = Number(form.elements.direction.value) * (number('days') * 1440 + number('hours') * 60 + number('minutes'));
    const error = form.querySelector('[data-shift-error]');
    if (!minutes) {
      error.textContent = 'Give how far to move them: days, hours or minutes.';
      return;
    }
    busy(async () => {
      try {
        await call('POST', '/api/assets/taken-at/shift', { ids: ids(), minutes });
      } catch (err) {
        error.textContent = err.message;
        return;
      }
      // Items move between days (and the album's dates change): the page as the server now has it.
      location.reload();
    });
  });

  // --- Add to album: the picker --------------------------------------------------------

  let pickerLoaded;
  function loadPicker() {
    pickerLoaded ??= call('GET', '/api/albums')
      .then(({ albums }) => {
        const list = picker.querySelector('.picker-list');
        list.replaceChildren(...albums.filter((a) => a.id !== albumId).map(pickerItem));
        list.removeAttribute('aria-busy');
      })
      .catch((err) => {
        pickerLoaded = undefined;
        say(err.message);
      });
    return pickerLoaded;
  }

  function pickerItem(album) {
    const li = document.createElement('li');
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'picker-item';
    button.dataset.albumId = album.id;
    button.dataset.title = album.title;
    const cover = document.createElement('span');
    cover.className = 'picker-cover';
    if (album.cover) {
      const img = document.createElement('img');
      img.alt = '';
      img.loading = 'lazy';
      img.src = `/media/assets/${album.cover.id}/thumb`;
      img.addEventListener('error', () => img.remove());
      cover.append(img);
    }
    const text = document.createElement('span');
    text.className = 'picker-text';
    const title = document.createElement('span');
    title.className = 'picker-title';
    title.textContent = album.title;
    const meta = document.createElement('span');
    meta.className = 'picker-meta';
    meta.textContent = album.itemCount ? plural(album.itemCount, 'item') : 'Empty';
    text.append(title, meta);
    button.append(cover, text);
    li.append(button);
    return li;
  }

  async function addTo(album) {
    const list = ids();
    const result = await call('POST', `/api/albums/${album.id}/assets`, { assetIds: list });
    picker.hidePopover();
    setMode(false);
    const meta = picker.querySelector(`[data-album-id="${CSS.escape(album.id)}"] .picker-meta`);
    if (meta) meta.textContent = plural(result.album.itemCount, 'item');
    const already = result.alreadyInAlbum ? ` (${result.alreadyInAlbum} already there)` : '';
    say(`Added ${plural(result.added, 'item')} to “${album.title}”${already}`);
    if (where === 'library' && new URLSearchParams(location.search).get('filter') === 'unsorted') dropTiles(list);
  }

  picker?.addEventListener('click', (event) => {
    const item = event.target instanceof Element ? event.target.closest('.picker-item') : null;
    if (item) busy(() => addTo({ id: item.dataset.albumId, title: item.dataset.title }));
  });

  picker?.querySelector('[data-new-album]')?.addEventListener('submit', (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    const title = form.elements.title.value.trim();
    if (!title) return;
    busy(async () => {
      const { album } = await call('POST', '/api/albums', { title });
      form.reset();
      await loadPicker();
      picker.querySelector('.picker-list').prepend(pickerItem(album));
      await addTo(album);
    });
  });

  // --- Custom order ------------------------------------------------------------------

  function move(step) {
    const tile = selectedTiles()[0];
    if (!tile) return;
    const tiles = allTiles();
    const other = tiles[tiles.indexOf(tile) + step];
    if (!other) return;
    if (step < 0) other.before(tile);
    else other.after(tile);
    tile.focus({ preventScroll: true });
    tile.scrollIntoView({ block: 'nearest' });
    render();
    saveOrder();
  }

  // One save at a time, in order; each sends the grid's whole loaded order (a prefix of the
  // album's order, so unloaded items keep their places).
  let saving = Promise.resolve();
  function saveOrder() {
    const order = allTiles().map((t) => t.dataset.id);
    fixMoreLinks();
    saving = saving
      .catch(() => {})
      .then(() => call('PUT', `/api/albums/${albumId}/order`, { assetIds: order }))
      .catch((err) => say(`The new order was not saved: ${err.message}`));
    return saving;
  }

  // A next page continues after the tile before its link; that tile may have just moved or
  // gone (a page after an id no longer in the album would be empty).
  function fixMoreLinks() {
    let last;
    for (const el of document.querySelectorAll('.grid .tile, .grid .more[hx-get]')) {
      if (el.classList.contains('tile')) {
        last = el.dataset.id;
        continue;
      }
      if (!last) continue;
      const url = new URL(el.getAttribute('hx-get'), location.href);
      if (url.searchParams.get('after') === last) continue;
      url.searchParams.set('after', last);
      el.setAttribute('hx-get', url.pathname + url.search);
      const fallback = new URL(el.href, location.href);
      fallback.searchParams.set('after', last);
      el.setAttribute('href', fallback.pathname + fallback.search);
      window.htmx?.process(el);
    }
  }

  document.addEventListener('shoebox:reordered', () => {
    render();
    saveOrder();
  });

  /** For reorder.js: the tiles a drag should carry. */
  window.shoeboxSelection = { selectedTiles, isSelecting: mode.isSelecting };

  render();
})();
