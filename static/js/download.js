// Downloads on album pages (owner and guest): ZIPs the browser's own download manager
// runs, and "Save to Photos" through the system share sheet on phones.
//
// A ZIP is never fetched into the page (no Blob, no service worker): the page asks the
// server (HEAD, which takes no download slot) whether the ZIP can start, says "Preparing…"
// and asks again while it answers 503 (a strip-location ZIP whose older originals are still
// being checked) or 429 (too many running), then hands the URL to the browser, which shows
// size and time left and can resume it. "Download all" links ([data-zip]) work without
// this script too.
//
// Save to Photos: selected photos and videos are fetched first ("Preparing 12 items…"),
// then a second tap ("Save 12 items") opens the share sheet, whose "Save N items" puts
// them in the camera roll. Safari refuses a share once the tap's user activation has
// lapsed, hence the two taps. At most 20 files and 200 MB per share; the rest follow in
// further batches; a file too big for one (a long video) or of a type the browser will not
// share downloads on its own.
(() => {
  const MAX_FILES = 20;
  const MAX_BYTES = 200 * 1000 * 1000;
  const plural = (n, word) => `${n.toLocaleString('en')} ${word}${n === 1 ? '' : 's'}`;
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  const REFUSED = {
    401: 'Enter the password again: reload the page.',
    403: 'Downloads are turned off for this link.',
    404: 'This download no longer exists. Reload the page.',
    410: 'This link has expired.',
  };

  /**
   * Starts a ZIP download at `url` once the server says it can start; `say(text)` shows
   * what is happening. Resolves true when the browser was handed the download.
   */
  async function startZip(url, say = () => {}) {
    for (let attempt = 0; attempt < 120; attempt++) {
      let res;
      try {
        res = await fetch(url, { method: 'HEAD', credentials: 'same-origin' });
      } catch {
        say('No connection. Trying again…');
        await sleep(5000);
        continue;
      }
      if (res.ok) {
        say('Your download has started.');
        location.assign(url);
        return true;
      }
      const wait = Math.min(60, Math.max(2, Number(res.headers.get('retry-after')) || 5));
      if (res.status === 503) say('Preparing the download…');
      else if (res.status === 429) say(`Many downloads are running. Trying again in ${wait} s…`);
      else {
        say(REFUSED[res.status] ?? `The download could not start (the server answered ${res.status}).`);
        return false;
      }
      await sleep(wait * 1000);
    }
    say('The download is taking too long to prepare. Try again later.');
    return false;
  }

  /** POSTs a selection, then starts its ZIP; resolves true when the download started. */
  async function startSelectionZip(postUrl, body, say = () => {}) {
    say('Preparing the download…');
    const res = await fetch(postUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      credentials: 'same-origin',
    });
    const data = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(data.error || REFUSED[res.status] || `The server answered ${res.status}.`);
    return startZip(data.url, say);
  }

  // "Download all": the same, from a link.
  document.addEventListener('click', (event) => {
    const link = event.target instanceof Element ? event.target.closest('a[data-zip]') : null;
    if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    if (link.getAttribute('aria-disabled') === 'true') return;
    const status = link.parentElement?.querySelector('[data-zip-status]');
    const before = status?.textContent;
    link.setAttribute('aria-disabled', 'true');
    startZip(link.href, (text) => status && (status.textContent = text)).finally(() => {
      link.removeAttribute('aria-disabled');
      if (status) setTimeout(() => (status.textContent = before), 6000);
    });
  });

  // --- Save to Photos ----------------------------------------------------------------

  /**
   * Whether this is a phone or tablet whose browser can hand files to the system share
   * sheet (iOS Safari, Android Chrome). Desktop Chrome on Windows can share files too, but
   * there is no camera roll to save them into.
   */
  function canSaveToPhotos() {
    if (!matchMedia('(pointer: coarse)').matches) return false;
    try {
      return Boolean(navigator.canShare?.({ files: [new File([new Uint8Array(1)], 'photo.jpg', { type: 'image/jpeg' })] }));
    } catch {
      return false;
    }
  }

  /** The name in a Content-Disposition header (filename* first), or undefined. */
  function nameFrom(disposition) {
    if (!disposition) return undefined;
    const star = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(disposition);
    if (star) {
      try {
        return decodeURIComponent(star[1].trim());
      } catch {
        /* fall through */
      }
    }
    return /filename\s*=\s*"([^"]*)"/i.exec(disposition)?.[1];
  }

  function downloadOnItsOwn(url) {
    const a = document.createElement('a');
    a.href = url;
    a.download = '';
    document.body.append(a);
    a.click();
    a.remove();
  }

  /**
   * Drives a "Save to Photos" button through its batches. `items` are { url } of each
   * file's download URL (Content-Disposition names it). `say(text)` shows progress;
   * `label(text, ready)` sets the button; `done()` when every batch was shared. `stop()`
   * cancels what is being fetched; a stopped saver says nothing more.
   */
  function createPhotoSaver({ items, say, label, done }) {
    const abort = new AbortController();
    let stopped = false;
    let next = 0;
    let batch = [];
    let preparing;
    const alone = [];

    async function prepareBatch() {
      batch = [];
      let bytes = 0;
      while (next < items.length && batch.length < MAX_FILES) {
        const item = items[next];
        label(`Preparing ${batch.length + 1} of ${Math.min(MAX_FILES, items.length - next + batch.length)}…`, false);
        const one = new AbortController();
        abort.signal.addEventListener('abort', () => one.abort(), { once: true });
        const res = await fetch(item.url, { credentials: 'same-origin', signal: one.signal });
        if (!res.ok) throw new Error(`Could not fetch a file (the server answered ${res.status}).`);
        const size = Number(res.headers.get('content-length')) || 0;
        if (size > MAX_BYTES) {
          one.abort();
          alone.push(item.url);
          next++;
          continue;
        }
        if (batch.length && bytes + size > MAX_BYTES) {
          one.abort();
          break; // it starts the next batch
        }
        const blob = await res.blob();
        const type = (res.headers.get('content-type') || blob.type || '').split(';')[0];
        const file = new File([blob], nameFrom(res.headers.get('content-disposition')) || `item-${next + 1}`, { type });
        next++;
        if (!navigator.canShare({ files: [file] })) {
          alone.push(item.url);
          continue;
        }
        batch.push(file);
        bytes += blob.size;
      }
    }

    async function advance() {
      const from = { next, alone: alone.length };
      try {
        await prepareBatch();
      } catch (err) {
        if (stopped) return;
        // Start this batch again on the next tap: nothing of it was shared.
        next = from.next;
        alone.length = from.alone;
        batch = [];
        say(err.message || String(err));
        label('Try again', true);
        return;
      }
      if (stopped) return;
      if (batch.length) {
        label(next < items.length || alone.length ? `Save ${plural(batch.length, 'item')} (more after)` : `Save ${plural(batch.length, 'item')}`, true);
        return;
      }
      finish();
    }

    function finish() {
      alone.forEach((url, i) => setTimeout(() => downloadOnItsOwn(url), i * 400));
      if (alone.length) say(`${plural(alone.length, 'item')} cannot go to Photos from here: downloading ${alone.length === 1 ? 'it' : 'them'} instead.`);
      done();
    }

    return {
      /** The button's tap: the first prepares, each later one shares the prepared batch. */
      async tap() {
        if (preparing || stopped) return;
        if (!batch.length) {
          preparing = advance().finally(() => (preparing = undefined));
          return;
        }
        try {
          await navigator.share({ files: batch });
        } catch (err) {
          if (err?.name === 'AbortError') return; // closed the sheet: the batch stays ready
          say(err?.message || 'The share sheet could not open.');
          return;
        }
        batch = [];
        if (next < items.length) {
          preparing = advance().finally(() => (preparing = undefined));
        } else finish();
      },
      stop() {
        stopped = true;
        abort.abort();
      },
    };
  }

  /**
   * The Save to Photos panel (#save-panel, views/parts/select-bar.tsx) for a select mode,
   * or undefined where this browser cannot share files. `urlOf(tile)` is a tile's download
   * URL; `say(text)` the page's toast.
   */
  function savePanel({ mode, say, urlOf }) {
    const panel = document.getElementById('save-panel');
    if (!panel || !canSaveToPhotos()) return undefined;
    const status = panel.querySelector('[data-save-status]');
    const go = panel.querySelector('[data-save-go]');
    let saver;
    const close = () => {
      panel.hidden = true;
      saver?.stop();
      saver = undefined;
    };
    go.addEventListener('click', () => saver?.tap());
    panel.querySelector('[data-save-cancel]').addEventListener('click', close);
    return {
      start() {
        const urls = mode.selectedTiles().map(urlOf).filter(Boolean);
        if (!urls.length) return;
        saver?.stop();
        panel.hidden = false;
        status.textContent = plural(urls.length, 'item');
        saver = createPhotoSaver({
          items: urls.map((url) => ({ url })),
          say: (text) => (status.textContent = text),
          label: (text, ready) => {
            go.textContent = text;
            go.disabled = !ready;
            if (ready) go.focus({ preventScroll: true });
          },
          done: () => {
            close();
            mode.setMode(false);
            say('Done');
          },
        });
        saver.tap(); // the first tap prepares
      },
    };
  }

  window.shoeboxDownloads = { startZip, startSelectionZip, canSaveToPhotos };
  window.shoeboxSavePanel = savePanel;
})();
