// Uploads: files from the picker or dropped anywhere on the page (dropped folders: every
// file in them, hidden ones left out) go up one request per file (so one can be retried
// alone), three at a time, each with a progress bar of bytes sent, then "Processing…"
// until the page reports it ready, then done. Large files go up resumably (tus, through
// tus-js-client, loaded when the first one starts): in chunks no proxy's body cap refuses,
// continuing from the last byte the server holds after a dropped connection, a server
// restart or a reload of the page (the client remembers uploads by file), and waiting for
// the network to come back however long it is gone. Plain script, no framework: any page with
// the panel (views/parts/upload-panel.tsx) can use it, and its data attributes say where
// to send and what else to send:
//   data-upload-url       the endpoint; it answers {assets: [{id, status, originalFilename, error?}]}
//   data-upload-fields    a JSON object of fields sent before each file (e.g. {"albumId": "…"})
//   data-upload-form      a selector of a form whose fields are read and sent with each file
//   data-max-bytes        larger files are refused before they are sent
//   data-wait-processing  wait for 'shoebox:asset-status' events (static/js/live-grid.js)
//   data-duplicate-place  where a file already stored is ("in your library", "in this album")
//   data-tus-url          the tus endpoint for files of data-resumable-from bytes or more
//   data-tus-script       tus-js-client's URL; data-chunk-bytes: the size of each chunk
// Other scripts can add fields too: 'shoebox:upload-fields' is dispatched on the panel with
// {detail: {fields: FormData}} before each file. After each file the panel dispatches
// 'shoebox:uploaded' with {detail: {ids, entries}} (bubbling to the document).
(() => {
  const panel = document.getElementById('upload-panel');
  const input = document.getElementById('upload-input');
  if (!panel || !input) return;

  const CONCURRENCY = 3;
  const url = panel.dataset.uploadUrl;
  const staticFields = panel.dataset.uploadFields ? JSON.parse(panel.dataset.uploadFields) : {};
  const maxBytes = panel.dataset.maxBytes ? Number(panel.dataset.maxBytes) : Infinity;
  const waitForProcessing = panel.hasAttribute('data-wait-processing');
  const duplicatePlace = panel.dataset.duplicatePlace || 'in your library';
  const tusUrl = panel.dataset.tusUrl;
  const resumableFrom = panel.dataset.resumableFrom ? Number(panel.dataset.resumableFrom) : Infinity;
  const chunkBytes = Number(panel.dataset.chunkBytes) || 50 * 1024 * 1024;
  const list = panel.querySelector('.upload-list');
  const rowTemplate = panel.querySelector('.upload-row-template');
  const title = panel.querySelector('#upload-title');
  const counts = panel.querySelector('.upload-counts');
  const total = panel.querySelector('.upload-total');
  const toggle = panel.querySelector('.upload-toggle');
  const closer = panel.querySelector('.upload-close');
  const retryAll = panel.querySelector('.upload-retry-all');
  const overlay = document.querySelector('.drop-overlay');

  /** @type {{file: File, row: HTMLLIElement, state: string, sent: number, id?: string, error?: string, retryable?: boolean}[]} */
  let items = [];
  let running = 0;
  let nextRowId = 0;

  // States: queued → sending → (processing →) done; or duplicate; or failed (Retry), or
  // refused (before sending: no Retry), or broken (stored, but it could not be processed).
  const SETTLED = new Set(['done', 'duplicate', 'failed', 'refused', 'broken']);
  const busy = () => items.some((it) => it.state === 'queued' || it.state === 'sending');

  const mb = (bytes) => {
    if (bytes < 1000) return `${bytes} B`;
    if (bytes < 1e6) return `${Math.round(bytes / 1e3)} kB`;
    if (bytes < 1e9) return `${(bytes / 1e6).toFixed(bytes < 1e7 ? 1 : 0)} MB`;
    return `${(bytes / 1e9).toFixed(1)} GB`;
  };
  const plural = (n, word, words = `${word}s`) => `${n} ${n === 1 ? word : words}`;

  // ---- the panel ----------------------------------------------------------------------

  function addRow(file) {
    const row = rowTemplate.content.firstElementChild.cloneNode(true);
    const id = `upload-row-${++nextRowId}`;
    const name = row.querySelector('.upload-name');
    name.id = `${id}-name`;
    name.textContent = file.name || 'Unnamed file';
    name.title = file.name;
    row.querySelector('.upload-size').textContent = mb(file.size);
    const bar = row.querySelector('.upload-progress');
    bar.setAttribute('aria-labelledby', name.id);
    const state = row.querySelector('.upload-state');
    state.id = `${id}-state`;
    bar.setAttribute('aria-describedby', state.id);
    row.querySelector('.upload-retry').setAttribute('aria-label', `Retry ${file.name}`);
    list.append(row);
    return row;
  }

  const STATE_TEXT = {
    queued: () => 'Waiting…',
    sending: (it) =>
      it.waiting === 'offline'
        ? `Offline. ${mb(it.sent)} of ${mb(it.file.size)} sent; it goes on when the network is back`
        : it.waiting === 'retrying'
          ? `Connection lost. Trying again… (${mb(it.sent)} of ${mb(it.file.size)} sent)`
          : it.sent >= it.file.size
            ? 'Saving…'
            : it.resumedAt !== undefined && performance.now() - it.resumedWhen < 3000
              ? `Resuming… ${mb(it.resumedAt)} of ${mb(it.file.size)} already there`
              : `${mb(it.sent)} of ${mb(it.file.size)}`,
    processing: () => 'Processing…',
    done: (it) => it.note ?? 'Done',
    duplicate: () => `Already ${duplicatePlace}`,
    failed: (it) => it.error,
    refused: (it) => it.error,
    broken: (it) => `Uploaded, but it could not be processed: ${it.error}`,
  };

  function render(it) {
    const { row } = it;
    row.dataset.state = it.state;
    row.querySelector('.upload-state').textContent = STATE_TEXT[it.state](it);
    const bar = row.querySelector('.upload-progress');
    if (it.state === 'processing') bar.removeAttribute('value'); // indeterminate
    else bar.value = it.state === 'queued' ? 0 : it.state === 'sending' ? Math.floor((it.sent / Math.max(1, it.file.size)) * 100) : 100;
    row.querySelector('.upload-retry').hidden = it.state !== 'failed';
  }

  function summarise() {
    const n = (state) => items.filter((it) => it.state === state).length;
    const uploaded = n('done') + n('processing') + n('broken');
    const dup = n('duplicate');
    const failed = n('failed');
    const notAccepted = n('refused');
    const sent = items.filter((it) => it.state !== 'queued' && it.state !== 'sending').length;
    const sending = busy();
    const parts = [];
    if (uploaded) parts.push(`${uploaded} uploaded`);
    if (dup) parts.push(`${dup} already ${duplicatePlace}`);
    if (notAccepted) parts.push(`${notAccepted} not accepted`);
    if (failed) parts.push(`${failed} failed`);
    const heading = sending
      ? `Uploading ${Math.min(sent + 1, items.length)} of ${items.length}`
      : n('processing')
        ? `Processing ${plural(n('processing'), 'item')}…`
        : items.length === 1
          ? 'Upload finished'
          : 'Uploads finished';
    // Only real changes: the summary is a live region.
    if (title.textContent !== heading) title.textContent = heading;
    const text = parts.join(' · ') || (sending ? plural(items.length, 'file') : '');
    // Each part kept whole on its line ("10 not accepted" never breaks inside).
    if (counts.textContent !== text) {
      counts.replaceChildren(...text.split(' · ').flatMap((part, i) => [...(i ? [' · '] : []), Object.assign(document.createElement('span'), { textContent: part })]));
    }
    const bytes = items.reduce((sum, it) => sum + it.file.size, 0);
    const done = items.reduce((sum, it) => sum + (it.state === 'queued' ? 0 : it.state === 'sending' ? it.sent : it.file.size), 0);
    total.value = bytes ? Math.floor((done / bytes) * 100) : 100;
    retryAll.hidden = sending || !n('failed');
    closer.hidden = sending;
    panel.classList.toggle('finished', !sending && !n('processing'));
  }

  function update(it) {
    render(it);
    summarise();
  }

  /** Scrolls the list (not the page) so the row going up now shows. */
  function reveal(row) {
    const top = row.offsetTop - list.offsetTop;
    const bottom = top + row.offsetHeight;
    if (bottom > list.scrollTop + list.clientHeight) list.scrollTop = bottom - list.clientHeight;
    else if (top < list.scrollTop) list.scrollTop = top;
  }

  function setOpen(open) {
    panel.classList.toggle('minimised', !open);
    toggle.setAttribute('aria-expanded', String(open));
    toggle.setAttribute('aria-label', open ? 'Hide the list' : 'Show the list');
    toggle.title = toggle.getAttribute('aria-label');
  }

  toggle.addEventListener('click', () => setOpen(panel.classList.contains('minimised')));
  closer.addEventListener('click', () => {
    // Waiting for processing goes on in the grid; the panel forgets what it listed.
    items = items.filter((it) => !SETTLED.has(it.state) && it.state !== 'processing');
    list.replaceChildren(...items.map((it) => it.row));
    if (!items.length) {
      panel.hidden = true;
      document.querySelector('#upload-button, [data-upload-open]')?.focus(); // not lost with the panel
    }
    summarise();
  });
  retryAll.addEventListener('click', () => items.filter((it) => it.state === 'failed').forEach(retry));
  list.addEventListener('click', (event) => {
    const button = event.target instanceof Element ? event.target.closest('.upload-retry') : null;
    if (!button) return;
    const it = items.find((x) => x.row === button.closest('.upload-row'));
    if (it) retry(it);
  });

  function retry(it) {
    if (it.state !== 'failed') return;
    it.state = 'queued';
    it.sent = 0;
    it.error = undefined;
    update(it);
    pump();
  }

  // ---- adding files -------------------------------------------------------------------

  function addFiles(files) {
    const added = [...files].filter((f) => f && typeof f.size === 'number');
    if (!added.length) return;
    // A finished list makes way for the new files.
    if (!busy() && items.length && items.every((it) => SETTLED.has(it.state))) {
      items = [];
      list.replaceChildren();
    }
    for (const file of added) {
      const it = { file, row: addRow(file), state: 'queued', sent: 0 };
      if (file.size > maxBytes) {
        it.state = 'refused';
        it.error = `Too large: at most ${mb(maxBytes)} per file`;
      }
      items.push(it);
      render(it);
    }
    panel.hidden = false;
    setOpen(true);
    summarise();
    pump();
  }

  input.addEventListener('change', () => {
    addFiles(input.files);
    input.value = ''; // the same files can be chosen again
  });

  document.addEventListener('click', (event) => {
    const target = event.target instanceof Element ? event.target : null;
    if (target?.closest('#upload-button, [data-upload-open]')) input.click();
  });

  // A long name is cut short with "…"; a tap (or click) shows it whole, a second one cuts it again.
  list.addEventListener('click', (event) => {
    const name = event.target instanceof Element ? event.target.closest('.upload-name') : null;
    if (name && name.scrollWidth > name.clientWidth + 1) name.classList.add('whole');
    else name?.classList.remove('whole');
  });

  // ---- sending ------------------------------------------------------------------------

  // An XMP sidecar goes up after its photo (the server keeps it with the photo it finds).
  const XMP = /\.xmp$/i;
  const photoNameOf = (sidecar) => sidecar.file.name.replace(XMP, '').toLowerCase();
  const isPhotoOf = (photo, sidecar) => {
    const want = photoNameOf(sidecar);
    const name = photo.file.name.toLowerCase();
    return photo !== sidecar && !XMP.test(name) && (name === want || name.replace(/\.[^.]*$/, '') === want);
  };
  const waitsForPhoto = (it) => XMP.test(it.file.name) && items.some((p) => isPhotoOf(p, it) && (p.state === 'queued' || p.state === 'sending'));

  function pump() {
    while (running < CONCURRENCY) {
      const it = items.find((x) => x.state === 'queued' && !waitsForPhoto(x));
      if (!it) break;
      running++;
      it.state = 'sending';
      update(it);
      reveal(it.row);
      send(it).finally(() => {
        running--;
        summarise();
        pump();
      });
    }
  }

  function formFor(it) {
    const body = new FormData();
    for (const [key, value] of Object.entries(staticFields)) body.append(key, String(value));
    const extra = panel.dataset.uploadForm ? document.querySelector(panel.dataset.uploadForm) : null;
    if (extra instanceof HTMLFormElement) for (const [key, value] of new FormData(extra)) if (typeof value === 'string') body.append(key, value);
    panel.dispatchEvent(new CustomEvent('shoebox:upload-fields', { detail: { fields: body, file: it.file } }));
    if (it.file.lastModified > 0) body.append('lastModified', String(it.file.lastModified));
    body.append('file', it.file, it.file.name);
    return body;
  }

  function errorOf(status, body) {
    const entry = body && Array.isArray(body.assets) ? body.assets[0] : undefined;
    if (entry && entry.error) return entry.error;
    if (status === 401) return 'You are signed out. Sign in again in another tab, then retry.';
    if (body && typeof body.error === 'string') return body.error;
    if (status === 0) return 'The connection was lost. Check the network and retry.';
    return `The upload failed (HTTP ${status}). Retry in a moment.`;
  }

  function send(it) {
    return tusUrl && it.file.size >= resumableFrom ? sendResumable(it) : sendWhole(it);
  }

  /** The server's answer for a file: {assets: [{id, status, …}]} → done, duplicate or processing; else failed. */
  function settle(it, status, body) {
    const entry = body && Array.isArray(body.assets) ? body.assets[0] : undefined;
    if (status >= 200 && status < 300 && entry && entry.sidecarOf) {
      it.state = 'done';
      it.note = `Kept with ${entry.sidecarOf}`;
      update(it);
      return;
    }
    if (status >= 200 && status < 300 && entry && entry.id && entry.status !== 'rejected') {
      it.id = entry.id;
      it.state = entry.status === 'duplicate' ? 'duplicate' : waitForProcessing ? 'processing' : 'done';
      update(it);
      panel.dispatchEvent(new CustomEvent('shoebox:uploaded', { bubbles: true, detail: { ids: [entry.id], entries: [entry] } }));
      return;
    }
    // A file the server refuses for what it is (its type, its size, its contents) would be
    // refused again: no Retry for it.
    it.state = refused(status) ? 'refused' : 'failed';
    it.error = errorOf(status, body);
    update(it);
  }

  const refused = (status) => status === 413 || status === 415 || status === 422;

  const parse = (text) => {
    try {
      return JSON.parse(text);
    } catch {
      return undefined;
    }
  };

  function sendWhole(it) {
    return new Promise((resolve) => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', url);
      xhr.setRequestHeader('Accept', 'application/json');
      let lastPaint = 0;
      xhr.upload.addEventListener('progress', (event) => {
        it.sent = event.loaded * (it.file.size / Math.max(1, event.total)); // the body carries a little more than the file
        const now = performance.now();
        if (now - lastPaint > 100 || event.loaded === event.total) {
          lastPaint = now;
          update(it);
        }
      });
      xhr.upload.addEventListener('load', () => {
        it.sent = it.file.size;
        update(it);
      });
      const fail = (message) => {
        it.state = 'failed';
        it.error = message;
        update(it);
        resolve();
      };
      xhr.addEventListener('load', () => {
        settle(it, xhr.status, parse(xhr.responseText));
        resolve();
      });
      xhr.addEventListener('error', () => fail(errorOf(0)));
      xhr.addEventListener('timeout', () => fail(errorOf(0)));
      xhr.addEventListener('abort', () => fail('The upload was stopped. Retry to send it again.'));
      xhr.send(formFor(it));
    });
  }

  // ---- resumable uploads (tus) -----------------------------------------------------------

  let tusLoading;
  function loadTus() {
    if (window.tus) return Promise.resolve(window.tus);
    tusLoading ??= new Promise((resolve, reject) => {
      const script = document.createElement('script');
      script.src = panel.dataset.tusScript;
      script.onload = () => resolve(window.tus);
      script.onerror = () => {
        tusLoading = undefined;
        reject(new Error('The upload script could not be loaded. Check the network and retry.'));
      };
      document.head.append(script);
    });
    return tusLoading;
  }

  /** The multipart fields (the album, a guest's name…) as tus metadata, with the file's name, type and time. */
  function metadataFor(it) {
    const fields = formFor(it);
    const metadata = {};
    for (const [key, value] of fields) if (typeof value === 'string') metadata[key] = value;
    metadata.filename = it.file.name;
    metadata.filetype = it.file.type || 'application/octet-stream';
    return metadata;
  }

  // Worth trying again: no answer at all (the network), a conflict or lock of a chunk cut
  // off, the server failing; not a refusal (4xx) or a full disk (507).
  const retryable = (status) => !status || status === 409 || status === 423 || (status >= 500 && status !== 507 && status !== 501);
  // After these, an upload that still cannot reach the server waits for the 'online' event
  // (offline), or shows Retry (online, the server keeps failing).
  const RETRY_DELAYS = [0, 1000, 3000, 5000, 10000, 20000, 30000, 30000, 30000, 60000];

  function sendResumable(it) {
    return loadTus().then(
      (tus) =>
        new Promise((resolve) => {
          let lastPaint = 0;
          const upload = new tus.Upload(it.file, {
            endpoint: tusUrl,
            chunkSize: chunkBytes,
            metadata: metadataFor(it),
            uploadDataDuringCreation: true,
            removeFingerprintOnSuccess: true,
            retryDelays: RETRY_DELAYS,
            headers: { Accept: 'application/json' },
            onShouldRetry(err) {
              const status = err.originalResponse ? err.originalResponse.getStatus() : 0;
              if (!retryable(status)) return false;
              it.waiting = navigator.onLine === false ? 'offline' : 'retrying';
              it.resuming = true;
              update(it);
              return true;
            },
            onProgress(sent) {
              if (it.waiting) it.waiting = undefined;
              // The first progress after a resume starts from what the server already holds.
              if (it.resuming) {
                it.resuming = false;
                it.resumedAt = sent;
                it.resumedWhen = performance.now();
              }
              it.sent = sent;
              const now = performance.now();
              if (now - lastPaint > 100 || sent === it.file.size) {
                lastPaint = now;
                update(it);
              }
            },
            onSuccess({ lastResponse }) {
              window.removeEventListener('online', onOnline);
              it.waiting = undefined;
              settle(it, lastResponse.getStatus(), parse(lastResponse.getBody()));
              resolve();
            },
            onError(err) {
              const response = err.originalResponse;
              const status = response ? response.getStatus() : 0;
              if (retryable(status) && navigator.onLine === false) {
                // Gone offline for longer than the retries: go on when the network is back.
                it.waiting = 'offline';
                update(it);
                return;
              }
              window.removeEventListener('online', onOnline);
              it.waiting = undefined;
              it.state = refused(status) ? 'refused' : 'failed';
              it.error = errorOf(status, response ? parse(response.getBody()) : undefined);
              it.resuming = true; // Retry makes a new client, which finds this upload and goes on
              update(it);
              resolve();
            },
          });
          // Back online: go on now, not at the end of the current retry delay.
          const onOnline = () => {
            if (!it.waiting) return;
            it.waiting = 'retrying';
            update(it);
            Promise.resolve(upload.abort()).finally(() => upload.start());
          };
          window.addEventListener('online', onOnline);
          // A file this browser sent part of before (a reload, a closed tab): go on from there.
          upload
            .findPreviousUploads()
            .then((previous) => {
              if (previous.length) {
                upload.resumeFromPreviousUpload(previous[0]);
                it.resuming = true;
              }
            })
            .catch(() => {})
            .finally(() => upload.start());
        }),
      (err) => {
        it.state = 'failed';
        it.error = err.message;
        update(it);
      },
    );
  }

  // The live grid says when an uploaded item is ready (or could not be processed).
  document.addEventListener('shoebox:asset-status', (event) => {
    const { id, status, error } = event.detail || {};
    for (const it of items) {
      if (it.id !== id || it.state !== 'processing') continue;
      // 'preparing': its thumbnail is made and its video's web copy is on its way: uploaded all the same.
      if (status === 'ready' || status === 'preparing') it.state = 'done';
      else if (status === 'failed') {
        it.state = 'broken';
        it.error = error || 'unknown error';
      } else continue;
      update(it);
    }
  });

  window.addEventListener('beforeunload', (event) => {
    if (!busy()) return;
    event.preventDefault();
    event.returnValue = '';
  });

  // ---- drag and drop anywhere on the page ---------------------------------------------

  const hasFiles = (event) => [...(event.dataTransfer?.types || [])].includes('Files');
  let depth = 0;
  let hideTimer;
  const showOverlay = (show) => {
    if (overlay) overlay.hidden = !show;
  };
  document.addEventListener('dragenter', (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    depth++;
    showOverlay(true);
  });
  document.addEventListener('dragover', (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
    showOverlay(true);
    // A drag that leaves the window without a dragleave (some browsers) still hides it.
    clearTimeout(hideTimer);
    hideTimer = setTimeout(() => {
      depth = 0;
      showOverlay(false);
    }, 400);
  });
  document.addEventListener('dragleave', (event) => {
    if (!hasFiles(event)) return;
    depth = Math.max(0, depth - 1);
    if (!depth) showOverlay(false);
  });
  document.addEventListener('drop', (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    depth = 0;
    clearTimeout(hideTimer);
    showOverlay(false);
    droppedFiles(event.dataTransfer).then(addFiles);
  });

  // ---- dropped folders ----------------------------------------------------------------

  // Left out inside a dropped folder, as `shoebox import` leaves them out: hidden files
  // (.DS_Store, ._IMG_1234.JPG) and the metadata folders of NAS boxes and Windows.
  const SYSTEM_FOLDERS = new Set(['@eaDir', '#recycle', '$RECYCLE.BIN', 'System Volume Information']);
  const skipped = (entry) => entry.name.startsWith('.') || (entry.isDirectory && SYSTEM_FOLDERS.has(entry.name));
  const byName = new Intl.Collator(undefined, { numeric: true }).compare;

  const fileOf = (entry) => new Promise((resolve) => entry.file(resolve, () => resolve(null)));
  const batchOf = (reader) => new Promise((resolve, reject) => reader.readEntries(resolve, reject));

  /** The files in an entry: itself, or everything under a folder, in name order. */
  async function filesIn(entry) {
    if (entry.isFile) return [await fileOf(entry)].filter(Boolean);
    if (!entry.isDirectory) return [];
    const reader = entry.createReader();
    const children = [];
    try {
      // A folder comes in batches (100 at a time in Chromium) until one is empty.
      for (let batch = await batchOf(reader); batch.length; batch = await batchOf(reader)) children.push(...batch);
    } catch {
      // Unreadable (moved or locked since the drop): what was read still goes.
    }
    children.sort((a, b) => byName(a.name, b.name));
    const lists = await Promise.all(children.filter((child) => !skipped(child)).map(filesIn));
    return lists.flat();
  }

  /**
   * The dropped files, the contents of dropped folders included. The items are read during
   * the drop event itself: the browser empties the DataTransfer when the event is over.
   */
  function droppedFiles(transfer) {
    const items = [...(transfer.items || [])].filter((item) => item.kind === 'file');
    if (!items.length || typeof items[0].webkitGetAsEntry !== 'function') return Promise.resolve([...transfer.files]);
    const dropped = items.map((item) => {
      const entry = item.webkitGetAsEntry();
      return entry && entry.isDirectory ? entry : item.getAsFile();
    });
    return Promise.all(dropped.map((it) => (it && it.isDirectory ? filesIn(it) : [it]))).then((lists) => lists.flat().filter(Boolean));
  }
})();
