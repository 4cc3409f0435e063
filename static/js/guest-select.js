// Select mode on the guest page (links that allow downloads); markup in
// views/parts/select-bar.tsx (GuestSelectBar), the mode in select-core.js, downloads in
// download.js. Download makes one ZIP of what was picked: the selection is posted once
// and the browser fetches its short URL. On phones that can share files, Save to Photos
// sends the picked photos and videos to the share sheet.
(() => {
  const bar = document.getElementById('select-bar');
  if (!bar || bar.dataset.context !== 'guest') return;
  const downloads = window.shoeboxDownloads;
  const mode = window.shoeboxSelectMode({ bar });
  const toast = document.getElementById('select-toast');

  let toastTimer;
  function say(text) {
    clearTimeout(toastTimer);
    toast.querySelector('[data-text]').textContent = text;
    toast.querySelector('[data-undo]').hidden = true;
    toast.hidden = false;
    toastTimer = setTimeout(() => (toast.hidden = true), 5000);
  }

  const save = window.shoeboxSavePanel?.({ mode, say, urlOf: (tile) => tile.dataset.download });
  if (save) bar.querySelector('[data-action="save"]').hidden = false;

  const actions = {
    cancel: () => mode.setMode(false),
    download: async () => {
      const ids = mode.ids();
      bar.setAttribute('aria-busy', 'true');
      try {
        if (await downloads.startSelectionZip(bar.dataset.selectionUrl, { assetIds: ids }, say)) mode.setMode(false);
      } catch (err) {
        say(err.message || String(err));
      } finally {
        bar.removeAttribute('aria-busy');
      }
    },
    save: () => save?.start(),
  };

  bar.addEventListener('click', (event) => {
    const button = event.target instanceof Element ? event.target.closest('[data-action]') : null;
    if (button && actions[button.dataset.action]) actions[button.dataset.action]();
  });
  mode.render();
})();
