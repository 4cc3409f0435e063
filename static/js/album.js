// Album pages: show each image once it has loaded (its placeholder stays until then, and
// for good when the file is missing), load the lightbox when it is first wanted, submit
// the sort menu when it changes, close an edit form from its Cancel button, and let
// "Upload" buttons elsewhere open the uploader. (The share sheet's Copy and Share:
// share-link.js.)
(() => {
  // The lightbox module (static/js/lightbox.js) is not part of the page: it is imported
  // when a finger or the mouse goes down on a tile, so it is usually there by the click,
  // or at once when the address names a photo. Until it has loaded, the click that opens
  // a tile is caught here and handed to it.
  const lightboxUrl = document.currentScript?.dataset.lightbox;
  let lightbox;
  let lightboxReady = false;
  const loadLightbox = () => {
    lightbox ??= import(lightboxUrl).then((module) => {
      lightboxReady = true;
      return module;
    });
    lightbox.catch(() => (lightbox = undefined));
    return lightbox;
  };
  const tileOf = (event) => (event.target instanceof Element ? event.target.closest('a.tile[data-id]') : null);
  if (lightboxUrl) {
    if (/^#photo=/.test(location.hash)) loadLightbox();
    document.addEventListener('pointerdown', (event) => tileOf(event) && loadLightbox(), { passive: true });
    window.addEventListener('popstate', () => {
      if (!lightboxReady && /^#photo=/.test(location.hash)) loadLightbox().then((m) => m.openFromHash());
    });
    // Registered once every deferred script has run, so it comes after their click
    // handlers (select mode takes a tile's click for itself), as the module's own does;
    // at once where the scripts come after the page (the guest's, none of which takes one).
    const afterDeferredScripts = (register) =>
      document.readyState === 'loading' ? document.addEventListener('DOMContentLoaded', register) : register();
    afterDeferredScripts(() => {
      document.addEventListener('click', (event) => {
        if (lightboxReady || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
        const tile = tileOf(event);
        if (!tile) return;
        event.preventDefault();
        loadLightbox().then(
          (m) => m.openTile(tile),
          () => location.assign(tile.href), // still see the photo
        );
      });
    });
  }

  // The first screen's thumbnails are not faded (they show as soon as they are decoded,
  // with no wait for this script): one that fails is hidden here, over its placeholder.
  const FADED = '.tile img, .cover img';
  const show = (img) => img.classList.add('in');
  const hide = (img) => img.classList.add('gone');
  for (const [type, settle] of [['load', show], ['error', hide]]) {
    document.addEventListener(
      type,
      (event) => {
        const img = event.target;
        if (img instanceof HTMLImageElement && img.matches(FADED)) settle(img);
      },
      true,
    );
  }
  const scan = (root) => {
    for (const img of root.querySelectorAll(FADED)) if (img.complete) (img.naturalWidth > 0 ? show : hide)(img);
  };
  scan(document);
  document.addEventListener('htmx:afterSettle', (event) => scan(event.target));
  document.addEventListener('shoebox:tiles', (event) => scan(event.target));

  document.addEventListener('change', (event) => {
    const form = event.target.closest?.('form[data-autosubmit]');
    if (form) form.requestSubmit();
  });

  document.addEventListener('click', (event) => {
    const target = event.target instanceof Element ? event.target : null;
    const closer = target?.closest('[data-close-details]');
    if (closer) {
      event.preventDefault();
      closer.closest('details')?.removeAttribute('open');
    }
    if (target?.closest('[data-upload-trigger]')) document.getElementById('upload-button')?.click();
  });
})();
