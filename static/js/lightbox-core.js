// The lightbox and its info drawer, for every grid of `.tile` links (the owner's album and
// library pages, the guest share page). Plain JS with no framework, as guest pages load none.
//
// Nothing of it loads with the page: album.js imports this module when a tile is first
// pressed (or the address names a photo), and PhotoSwipe's core and the two stylesheets
// (their fingerprinted URLs come from album.js's data attributes) follow. The gallery is every tile in the clicked tile's grid, re-read when more
// tiles arrive (htmx or more.js append them as the page behind scrolls, and it scrolls to
// follow the open slide). Each photo shows its preview first; when the original is one a
// browser can show, a srcset lets the browser fetch it once the zoom needs more pixels than
// the preview has. Videos are a <video controls> paused when slid away from.
//
// The address follows the open item (`#photo=<id>`): opening pushes a history entry, so
// Back closes the lightbox, and a page opened with that hash opens the item.
//
// The info button (tiles with data-info only) opens a drawer with what the asset JSON
// holds: a bottom sheet on phones, a side panel from 768 px. Escape closes it first.

const script = document.querySelector('script[data-lightbox]');
const PHOTOSWIPE_URL = script?.dataset.photoswipe;
const CSS_URLS = (script?.dataset.css ?? '').split(' ').filter(Boolean);

/** Long edge of the derived preview (src/media/derivatives.ts PREVIEW_LONG_EDGE). */
const PREVIEW_LONG_EDGE = 2048;
const WIDE = '(min-width: 768px)';
const PANEL_WIDTH = 360;
/** The bottom band of a video where a press works its controls instead of dragging. */
const VIDEO_CONTROLS_HEIGHT = 64;
const STATE_KEY = 'shoeboxLightbox';
const HASH = /^#photo=([0-9A-Za-z_-]+)$/;

const reducedMotion = matchMedia('(prefers-reduced-motion: reduce)');

const ICON_ATTRS = 'xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" focusable="false"';
// lucide-static: info, download, x, external-link.
const INFO_SVG = `<svg class="lb-icon" width="24" height="24" ${ICON_ATTRS}><circle cx="12" cy="12" r="10"/><path d="M12 16v-4"/><path d="M12 8h.01"/></svg>`;
const DOWNLOAD_SVG = `<svg class="lb-icon" width="24" height="24" ${ICON_ATTRS}><path d="M12 15V3"/><path d="M21 15v4a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2v-4"/><path d="m7 10 5 5 5-5"/></svg>`;
const CLOSE_SVG = `<svg class="lb-icon" width="24" height="24" ${ICON_ATTRS}><path d="M18 6 6 18"/><path d="m6 6 12 12"/></svg>`;
const LINK_SVG = `<svg class="lb-icon" width="16" height="16" ${ICON_ATTRS}><path d="M15 3h6v6"/><path d="M10 14 21 3"/><path d="M18 13v6a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V8a2 2 0 0 1 2-2h6"/></svg>`;

// ---------------------------------------------------------------------------------------
// Loading PhotoSwipe on first use

let photoSwipeClass;

function loadStylesheet(href) {
  const existing = document.querySelector(`link[rel="stylesheet"][href="${CSS.escape(href)}"]`);
  if (existing) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const link = document.createElement('link');
    link.rel = 'stylesheet';
    link.href = href;
    link.onload = () => resolve();
    link.onerror = () => {
      link.remove();
      reject(new Error(`could not load ${href}`));
    };
    document.head.append(link);
  });
}

function loadPhotoSwipe() {
  photoSwipeClass ??= Promise.all([import(PHOTOSWIPE_URL), ...CSS_URLS.map(loadStylesheet)]).then(([module]) => module.default);
  photoSwipeClass.catch(() => (photoSwipeClass = undefined));
  return photoSwipeClass;
}

// ---------------------------------------------------------------------------------------
// Tiles → slides

const tilesOf = (gallery) => [...gallery.querySelectorAll('a.tile[data-id]')];
const galleryOf = (tile) => tile.closest('.grid') ?? document.body;
/** The sentinel of the grid's next page, while there is one. */
const nextPageOf = (gallery) => gallery.querySelector('a.more[hx-get]');

/** Fetches the grid's next page as scrolling to it does (more.js on guest pages, htmx on the owner's); true once its tiles are in. */
function loadNextPage(more) {
  if (window.shoeboxMore) return window.shoeboxMore(more);
  const htmx = window.htmx;
  if (!htmx) return Promise.resolve(false);
  return new Promise((resolve) => {
    more.addEventListener('htmx:afterRequest', (event) => resolve(Boolean(event.detail?.successful)), { once: true });
    // Not asked for yet: ask as htmx does when it comes near (a second ask would fetch it twice).
    if (!more.hasAttribute('data-hx-revealed')) {
      more.setAttribute('data-hx-revealed', 'true');
      htmx.trigger(more, 'revealed');
    }
  });
}

/** On a guest page: why its link no longer shows the album, in words, or undefined (it still does, or nobody can tell). */
async function linkProblem(gallery) {
  const url = gallery.dataset?.linkState;
  const id = gallery.querySelector('a.tile[data-id]')?.dataset.id;
  if (!url || !id) return undefined;
  try {
    // The state of one of its items: 404 once the link is turned off, 410 once it has expired.
    const res = await fetch(`${url}?ids=${encodeURIComponent(id)}`, { credentials: 'same-origin', cache: 'no-store', headers: { accept: 'application/json' } });
    if (res.status === 404) return 'This link was turned off by its owner.';
    if (res.status === 410) return 'This link has expired.';
  } catch {
    /* offline: nothing to tell */
  }
  return undefined;
}

const note = (words) => `<p class="lb-note">${words}</p>`;

function slideData(tile) {
  const d = tile.dataset;
  const width = Number(d.w) || 0;
  const height = Number(d.h) || 0;
  const img = tile.querySelector('img');
  const thumb = img && img.complete && img.naturalWidth > 0 ? img.currentSrc || img.src : undefined;
  const base = {
    element: tile,
    id: d.id,
    live: d.live,
    info: d.info,
    download: d.download,
    alt: tile.getAttribute('aria-label') ?? '',
    msrc: thumb,
    thumbCropped: true,
    width,
    height,
  };
  const ready = d.status === 'ready';
  if (d.kind === 'video') {
    // The web copy when there is one, else the original (which may not play here: see videoProblem).
    return { ...base, type: 'video', videoSrc: d.video, playback: d.playback, poster: ready || d.status === 'preparing' ? tile.href : undefined };
  }
  if (!ready) {
    // Not processed (yet): the original when a browser can show it, else a word on what is going on.
    const unknownSize = width <= 1 && height <= 1;
    const sized = unknownSize ? { width: 1600, height: 1200, unknownSize } : {};
    if (d.original) return { ...base, ...sized, src: d.original };
    return { ...base, width: 0, height: 0, type: 'html', html: `<p class="lb-note">${d.status === 'failed' ? 'This item could not be processed.' : 'This item is still being processed.'}</p>` };
  }
  const scale = Math.min(1, PREVIEW_LONG_EDGE / Math.max(width, height, 1));
  const previewWidth = Math.round(width * scale);
  const previewHeight = Math.round(height * scale);
  // Without an original a browser can show, the preview is as far as zoom goes.
  if (!d.original || previewWidth >= width) return { ...base, src: tile.href, width: previewWidth, height: previewHeight };
  return { ...base, src: tile.href, srcset: `${tile.href} ${previewWidth}w, ${d.original} ${width}w` };
}

/** In place of a video this browser cannot play: why, in words, and the download where it is allowed. */
function videoProblem(data, sizing = '') {
  const box = document.createElement('div');
  box.className = 'lb-video-problem';
  box.style.cssText = sizing; // the size PhotoSwipe gave the video
  if (data.poster) box.style.backgroundImage = `url("${data.poster}")`;
  const card = document.createElement('div');
  card.className = 'lb-video-card';
  const title = document.createElement('p');
  title.className = 'lb-video-title';
  const detail = document.createElement('p');
  if (data.playback === 'preparing') {
    title.textContent = 'This video is being prepared to play here.';
    detail.textContent = 'Come back in a few minutes.';
  } else {
    title.textContent = 'This video cannot be played in this browser.';
    detail.textContent = data.download ? 'Download it to watch it on your device.' : 'Ask the person who shared it for a copy.';
  }
  card.append(title, detail);
  if (data.download) {
    const link = document.createElement('a');
    link.className = 'button lb-video-download';
    link.href = data.download;
    link.setAttribute('download', '');
    link.textContent = 'Download video';
    card.append(link);
  }
  box.append(card);
  return box;
}

// ---------------------------------------------------------------------------------------
// The address: #photo=<id>

const hashId = () => HASH.exec(location.hash)?.[1];
const hashFor = (id) => `#photo=${id}`;
const withoutHash = () => location.pathname + location.search;

let current; // { pswp, closeFromHistory() } while a lightbox is open
let opening = false;
let ignoreNextPop = false;

async function open(tile, { push }) {
  if (current || opening) return;
  opening = true;
  let PhotoSwipe;
  try {
    PhotoSwipe = await loadPhotoSwipe();
  } catch {
    opening = false;
    location.assign(tile.href); // still see the photo
    return;
  }
  opening = false;
  if (current || !tile.isConnected) return;
  if (push) history.pushState({ ...history.state, [STATE_KEY]: true }, '', hashFor(tile.dataset.id));
  tile.scrollIntoView({ block: 'nearest', behavior: 'instant' }); // opened from a link: the zoom starts at the tile
  window.shoeboxGrid?.hold(); // every tile in the page while the lightbox walks them
  current = createLightbox(PhotoSwipe, tile);
}

/** Opens the tile's item, as a click on it does once this module is loaded (album.js calls it for the click that loaded it). */
export function openTile(tile) {
  open(tile, { push: true });
}

document.addEventListener('click', (event) => {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const tile = event.target instanceof Element ? event.target.closest('a.tile[data-id]') : null;
  if (!tile) return;
  event.preventDefault();
  open(tile, { push: true });
});

window.addEventListener('popstate', () => {
  if (ignoreNextPop) {
    ignoreNextPop = false;
    return;
  }
  const id = hashId();
  if (current) {
    if (!id) current.closeFromHistory();
    else current.goToId(id);
    return;
  }
  const tile = id && document.querySelector(`a.tile[data-id="${CSS.escape(id)}"]`);
  if (tile) open(tile, { push: false }); // Forward into an entry of ours
});

/** Opens the item the address names, if it is on the page (at load, and from album.js after a Back or Forward into one). */
export function openFromHash() {
  const id = hashId();
  const tile = id && document.querySelector(`a.tile[data-id="${CSS.escape(id)}"]`);
  if (!tile) return; // not on this page (or not among the tiles loaded so far)
  if (history.state?.[STATE_KEY]) {
    open(tile, { push: false }); // reloaded while open: the entry before is the page
  } else {
    // A link to the photo: put the page itself under the lightbox's entry, so Back shows it.
    history.replaceState(history.state, '', withoutHash());
    open(tile, { push: true });
  }
}

// ---------------------------------------------------------------------------------------
// The lightbox

function createLightbox(PhotoSwipe, tile) {
  const gallery = galleryOf(tile);
  const dataSource = { gallery, items: undefined };
  const drawer = createDrawer();
  let closingFromHistory = false;

  const pswp = new PhotoSwipe({
    dataSource,
    children: 'a.tile[data-id]',
    index: Math.max(0, tilesOf(gallery).indexOf(tile)),
    loop: false,
    bgOpacity: 1,
    preload: [1, 2],
    showHideAnimationType: reducedMotion.matches ? 'none' : 'zoom',
    zoomAnimationDuration: reducedMotion.matches ? 0 : 300,
    showAnimationDuration: 250,
    hideAnimationDuration: 250,
    errorMsg: 'This item cannot be shown here.',
    returnFocus: false, // the tile of the item last shown takes it (see 'destroy'), not the one opened
    closeTitle: 'Close (Esc)',
    zoomTitle: 'Zoom (Z)',
    arrowPrevTitle: 'Previous',
    arrowNextTitle: 'Next',
    mainClass: 'lb',
    // Videos fill the screen (a browser scales them well); photos stop at their own pixels.
    initialZoomLevel: (z) => (z.itemData.type === 'video' ? Math.min(z.panAreaSize.x / z.elementSize.x, z.panAreaSize.y / z.elementSize.y) : z.fit),
    paddingFn: (viewport) => drawer.padding(viewport),
    // The root's own box: with `scrollbar-gutter: stable` it can be narrower than
    // documentElement.clientWidth (PhotoSwipe's default), which put photos off centre.
    getViewportSizeFn: (_options, instance) => ({
      x: instance.element?.clientWidth || document.documentElement.clientWidth,
      y: instance.element?.clientHeight || window.innerHeight,
    }),
  });

  pswp.addFilter('domItemData', (_data, element) => slideData(element));

  // The whole album from the start: the counter says "12 / 57" while only 40 tiles are in,
  // and a slide past the last of them shows "Loading…" while its page is fetched.
  const waiting = new Set(); // indexes shown before their tile came
  let pagesProblem; // why no more pages come (the link was turned off), in words
  let asking = false;
  pswp.addFilter('numItems', (loaded) => (nextPageOf(gallery) ? Math.max(loaded, Number(gallery.dataset.total) || 0) : loaded));
  pswp.addFilter('itemData', (data, index) => {
    if (data.element) return data;
    waiting.add(index);
    askForPages();
    return { type: 'html', html: note(pagesProblem ?? 'Loading…'), width: 0, height: 0 };
  });
  async function askForPages() {
    const more = nextPageOf(gallery);
    if (asking || pagesProblem || !more) return;
    asking = true;
    const ok = await loadNextPage(more);
    asking = false;
    if (pswp.isDestroying) return;
    if (!ok) {
      const words = await askLink();
      pagesProblem = words ?? 'This item could not be loaded.';
      // Every slide says it: those that could not load their image as well.
      if (words) for (const message of pswp.element?.querySelectorAll('.pswp__error-msg') ?? []) message.textContent = words;
      tilesArrived();
    }
  }
  // Each slide whose tile has come (or that will not come) shows it now.
  function tilesArrived() {
    dataSource.items = undefined;
    const loaded = tilesOf(gallery).length;
    for (const index of [...waiting]) {
      if (index >= loaded && !pagesProblem && nextPageOf(gallery)) continue;
      waiting.delete(index);
      pswp.refreshSlideContent(index);
    }
    const count = pswp.getNumItems();
    if (pswp.currIndex >= count && count > 0) pswp.goTo(count - 1); // fewer than the page said (some were taken out)
    if ([...waiting].some((index) => index >= loaded)) askForPages();
  }
  // An image that does not load: said plainly, or on a guest page that the link was turned
  // off (or has expired). Slides failing at once share one question.
  let linkAsked;
  const askLink = () => (linkAsked ??= linkProblem(gallery).finally(() => (linkAsked = undefined)));
  pswp.addFilter('contentErrorElement', (element) => {
    askLink().then((words) => {
      if (words) element.textContent = words;
    });
    return element;
  });
  // Tiles without a thumbnail yet animate from the tile (its placeholder).
  pswp.addFilter('thumbEl', (thumb, data) => thumb ?? data.element);
  // Every slide starts from its grid thumbnail (already loaded), not a grey box.
  pswp.addFilter('placeholderSrc', (src, content) => content.data.msrc || src);

  // Videos: a <video> in place of an image, not zoomable, paused when not the current slide.
  pswp.on('contentLoad', (event) => {
    const { content } = event;
    if (content.type !== 'video') return;
    event.preventDefault();
    if (content.element) return;
    if (!content.data.videoSrc) {
      content.element = videoProblem(content.data);
      content.state = 'loaded';
      return;
    }
    const video = document.createElement('video');
    video.className = 'lb-video';
    video.controls = true;
    video.playsInline = true;
    video.preload = 'metadata';
    if (content.data.poster) video.poster = content.data.poster;
    // A browser that cannot play it says so in words, never a black box.
    video.addEventListener('error', () => {
      if (!video.isConnected && content.element !== video) return;
      const note = videoProblem(content.data, video.style.cssText);
      video.replaceWith(note);
      content.element = note;
    });
    video.src = content.data.videoSrc;
    video.setAttribute('aria-label', content.data.alt || 'Video');
    content.element = video;
    content.state = 'loaded';
  });
  pswp.addFilter('isContentZoomable', (zoomable, content) => (content.type === 'video' ? false : zoomable));
  pswp.on('contentDeactivate', ({ content }) => {
    if (content.element instanceof HTMLVideoElement) content.element.pause();
  });
  // A press on the video's control bar works the controls (seek, volume), not a swipe.
  pswp.on('pointerDown', (event) => {
    const video = pswp.currSlide?.content.element;
    if (!(video instanceof HTMLVideoElement)) return;
    const { clientX, clientY } = event.originalEvent;
    const r = video.getBoundingClientRect();
    if (clientX >= r.left && clientX <= r.right && clientY <= r.bottom && clientY >= r.bottom - VIDEO_CONTROLS_HEIGHT) event.preventDefault();
  });

  // A size the server did not know: take the image's own once it has loaded.
  pswp.on('loadComplete', ({ content, slide }) => {
    const img = content.element;
    if (!content.data.unknownSize || !(img instanceof HTMLImageElement) || !img.naturalWidth) return;
    content.data.unknownSize = false;
    slide.width = content.width = content.data.width = img.naturalWidth;
    slide.height = content.height = content.data.height = img.naturalHeight;
    slide.resize();
  });

  pswp.on('uiRegister', () => {
    // The original, under its own name (where the owner or the link allows downloads).
    pswp.ui.registerElement({
      name: 'download',
      order: 14,
      isButton: true,
      tagName: 'a',
      title: 'Download the original',
      ariaLabel: 'Download the original',
      html: DOWNLOAD_SVG,
      onInit: (link) => {
        link.setAttribute('download', '');
        const follow = () => {
          const url = pswp.currSlide?.data.download;
          if (url) link.setAttribute('href', url);
          else link.removeAttribute('href');
          link.hidden = !url;
        };
        pswp.on('change', follow);
        follow();
      },
    });
    pswp.ui.registerElement({
      name: 'info',
      order: 15,
      isButton: true,
      title: 'Details (I)',
      ariaLabel: 'Details',
      html: INFO_SVG,
      onInit: (button) => {
        drawer.button = button;
        button.setAttribute('aria-expanded', 'false');
        button.setAttribute('aria-controls', drawer.element.id);
      },
      onClick: () => drawer.toggle(),
    });
  });

  pswp.on('change', () => {
    const data = pswp.currSlide?.data;
    if (!data) return;
    if (location.hash !== hashFor(data.id)) history.replaceState(history.state, '', hashFor(data.id));
    // The page behind follows (more tiles load as it scrolls; closing zooms back to the tile).
    if (data.element?.isConnected && pswp.opener.isOpen) data.element.scrollIntoView({ block: 'nearest', behavior: 'instant' });
    drawer.show(data);
  });

  pswp.on('keydown', (event) => {
    const e = event.originalEvent;
    if (e.key === 'Escape' && drawer.isOpen) {
      event.preventDefault();
      drawer.hide();
    } else if ((e.key === 'i' || e.key === 'I') && !e.ctrlKey && !e.metaKey && !e.altKey && pswp.currSlide?.data.info) {
      event.preventDefault();
      drawer.toggle();
    } else if (drawer.isOpen && drawer.element.contains(e.target) && e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') {
      event.preventDefault(); // the drawer scrolls with its keys
    }
  });

  // More tiles in the grid (a page fetched here, or as the page behind scrolls).
  const observer = new MutationObserver((records) => {
    const tileAdded = records.some((r) => [...r.addedNodes].some((n) => n instanceof Element && (n.matches('a.tile') || n.querySelector('a.tile'))));
    if (tileAdded) tilesArrived();
  });
  observer.observe(gallery, { childList: true, subtree: true });

  pswp.on('close', () => {
    observer.disconnect();
    drawer.hide({ relayout: false });
    for (const video of pswp.element?.querySelectorAll('video') ?? []) video.pause();
    // The zoom back lands on the tile of the item last shown, on screen.
    pswp.currSlide?.data.element?.scrollIntoView({ block: 'nearest', behavior: 'instant' });
    if (closingFromHistory) return;
    if (hashId()) {
      if (history.state?.[STATE_KEY]) {
        ignoreNextPop = true;
        history.back();
      } else {
        history.replaceState(history.state, '', withoutHash());
      }
    }
  });
  pswp.on('destroy', () => {
    if (current?.pswp === pswp) current = undefined;
    // A date set in the drawer moves items between days: the page as the server now has it.
    if (datesChanged) {
      datesChanged = false;
      location.reload();
      return;
    }
    // The grid stays whole until then: a parked row would take tiles out of the count.
    returnToTile(gallery, pswp.currIndex).finally(() => window.shoeboxGrid?.release());
  });

  drawer.attach(pswp);
  attachLivePhotos(pswp); // lightbox-live.js
  pswp.init();
  // PhotoSwipe makes its root a dialog but gives it no name.
  pswp.element?.setAttribute('aria-label', 'Photo viewer');
  pswp.element?.append(drawer.element);

  return {
    pswp,
    closeFromHistory() {
      closingFromHistory = true;
      pswp.close();
    },
    goToId(id) {
      const index = tilesOf(gallery).findIndex((t) => t.dataset.id === id);
      if (index >= 0 && index !== pswp.currIndex) pswp.goTo(index);
    },
  };
}

/** After closing: the tile of the item last shown on screen and focused (its page fetched first when it had not come). */
async function returnToTile(gallery, index) {
  for (let pages = 0; !tilesOf(gallery)[index] && pages < 100; pages++) {
    const more = nextPageOf(gallery);
    if (!more || !(await loadNextPage(more))) break;
  }
  const tile = tilesOf(gallery)[index];
  if (!tile || current) return;
  tile.scrollIntoView({ block: 'nearest', behavior: 'instant' });
  tile.focus({ preventScroll: true });
}

// ---------------------------------------------------------------------------------------
// The info drawer

let drawerCount = 0;
const infoCache = new Map();
/** A date was set in the drawer since the lightbox opened. */
let datesChanged = false;

function fetchInfo(url) {
  let promise = infoCache.get(url);
  if (!promise) {
    promise = fetch(url, { credentials: 'same-origin', headers: { accept: 'application/json' } }).then((res) => {
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      return res.json();
    });
    promise.catch(() => infoCache.delete(url));
    infoCache.set(url, promise);
  }
  return promise;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

function createDrawer() {
  const id = `lb-info-${++drawerCount}`;
  const closeButton = el('button', { type: 'button', class: 'lb-info-close', 'aria-label': 'Close details', title: 'Close details (Esc)' });
  closeButton.innerHTML = CLOSE_SVG;
  const body = el('div', { class: 'lb-info-body' });
  const element = el(
    'section',
    { id, class: 'lb-info', role: 'dialog', 'aria-modal': 'false', 'aria-labelledby': `${id}-title`, tabindex: '-1' },
    // A div, not a header: a header outside sectioning content is a second banner landmark.
    el('div', { class: 'lb-info-head' }, el('h2', { id: `${id}-title` }, 'Details'), closeButton),
    body,
  );
  // PhotoSwipe turns wheel turns into zoom and pan: the drawer scrolls instead.
  element.addEventListener('wheel', (e) => e.stopPropagation());

  let pswp;
  let isOpen = false;
  let shownUrl;
  let request = 0;
  const wide = matchMedia(WIDE);

  const drawer = {
    element,
    /** The info button in PhotoSwipe's bar. */
    button: undefined,
    get isOpen() {
      return isOpen;
    },
    attach(instance) {
      pswp = instance;
      closeButton.addEventListener('click', () => drawer.hide());
    },
    /** Room the slides leave for the drawer. */
    padding(viewport) {
      if (!isOpen) return { top: 0, bottom: 0, left: 0, right: 0 };
      if (wide.matches) return { top: 0, bottom: 0, left: 0, right: PANEL_WIDTH };
      return { top: 0, bottom: Math.min(element.offsetHeight, Math.round(viewport.y * 0.6)), left: 0, right: 0 };
    },
    toggle() {
      if (isOpen) drawer.hide();
      else drawer.open();
    },
    open() {
      const data = pswp?.currSlide?.data;
      if (!data?.info) return;
      isOpen = true;
      element.classList.add('is-open');
      pswp.element?.classList.add('lb-info-open');
      drawer.button?.setAttribute('aria-expanded', 'true');
      drawer.show(data);
      relayout();
      element.focus({ preventScroll: true });
    },
    hide({ relayout: again = true } = {}) {
      if (!isOpen) return;
      isOpen = false;
      element.classList.remove('is-open');
      pswp?.element?.classList.remove('lb-info-open');
      drawer.button?.setAttribute('aria-expanded', 'false');
      if (element.contains(document.activeElement)) (drawer.button ?? pswp?.element)?.focus({ preventScroll: true });
      if (again) relayout();
    },
    /** The current slide changed (or the drawer opened): its button and its details. */
    show(data) {
      if (drawer.button) drawer.button.style.display = data.info ? '' : 'none';
      if (!isOpen) return;
      if (!data.info) return drawer.hide();
      if (shownUrl === data.info) return;
      shownUrl = data.info;
      const mine = ++request;
      body.replaceChildren(el('p', { class: 'lb-info-note' }, 'Loading…'));
      element.setAttribute('aria-busy', 'true');
      fetchInfo(data.info).then(
        (json) => mine === request && render(json?.asset ?? {}),
        () => mine === request && render(null),
      );
    },
  };

  function render(asset) {
    element.removeAttribute('aria-busy');
    if (!asset) {
      shownUrl = undefined;
      body.replaceChildren(el('p', { class: 'lb-info-note' }, 'The details could not be loaded.'));
    } else {
      const sections = detailSections(asset);
      body.replaceChildren(...(sections.length ? sections : [el('p', { class: 'lb-info-note' }, 'No details for this item.')]));
    }
    relayout();
  }

  function relayout() {
    if (pswp && !pswp.isDestroying) pswp.updateSize(true);
  }

  return drawer;
}

// ---------------------------------------------------------------------------------------
// What the drawer says

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const isNum = (n) => typeof n === 'number' && Number.isFinite(n);
const positive = (n) => isNum(n) && n > 0;
const text = (s) => (typeof s === 'string' && s.trim() ? s.trim() : undefined);
/** 1.80 → "1.8", 8.0 → "8". */
const trim = (n, digits = 1) => String(Number(n.toFixed(digits)));

/** "Sat, 13 Jul 2024, 14:05 (UTC+02:00)"; without a recorded offset no zone. */
function formatWhen(asset) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(asset.takenAtLocal ?? '');
  let zone = '';
  let y, mo, d, hh, mm;
  if (m) {
    [, y, mo, d, hh, mm] = m;
    const offset = text(asset.takenAtOffset);
    if (offset) zone = offset === '+00:00' || offset === 'Z' ? ' (UTC)' : ` (UTC${offset})`;
  } else {
    const instant = text(asset.takenAt) && new Date(asset.takenAt);
    if (!instant || Number.isNaN(instant.getTime())) return undefined;
    const iso = instant.toISOString();
    [y, mo, d, hh, mm] = [iso.slice(0, 4), iso.slice(5, 7), iso.slice(8, 10), iso.slice(11, 13), iso.slice(14, 16)];
    zone = ' (UTC)';
  }
  const weekday = WEEKDAYS[new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d))).getUTCDay()];
  return `${weekday}, ${Number(d)} ${MONTHS[Number(mo) - 1]} ${y}, ${hh}:${mm}${zone}`;
}

/** 4055536 → "4.1 MB". */
function formatBytes(bytes) {
  if (!isNum(bytes) || bytes < 0) return undefined;
  if (bytes < 1000) return `${bytes} bytes`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value >= 100 || unit === 0 ? Math.round(value) : trim(value)} ${units[unit]}`;
}

/** 0.004 → "1/250 s", 2 → "2 s", 0.4 → "0.4 s". */
function formatShutter(seconds) {
  if (!positive(seconds)) return undefined;
  if (seconds >= 1) return `${trim(seconds)} s`;
  const denominator = 1 / seconds;
  if (seconds <= 0.25 || Math.abs(denominator - Math.round(denominator)) < 0.05) return `1/${Math.round(denominator)} s`;
  return `${trim(seconds)} s`;
}

/** "Canon EOS 1300D" (make not repeated), "Google Pixel". */
function cameraName(make, model) {
  make = text(make);
  model = text(model);
  if (!model) return make;
  if (!make) return model;
  const brand = make.split(/\s+/)[0].toLowerCase();
  return model.toLowerCase().startsWith(brand) ? model : `${make} ${model}`;
}

/** "0:07", "1:02:03". */
function formatDuration(seconds) {
  const total = Math.max(0, Math.round(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

const CODECS = {
  h264: 'H.264',
  hevc: 'HEVC',
  av1: 'AV1',
  vp8: 'VP8',
  vp9: 'VP9',
  mpeg4: 'MPEG-4',
  mpeg2video: 'MPEG-2',
  mjpeg: 'Motion JPEG',
  h263: 'H.263',
  prores: 'ProRes',
  aac: 'AAC',
  mp3: 'MP3',
  opus: 'Opus',
  vorbis: 'Vorbis',
  ac3: 'AC-3',
  eac3: 'E-AC-3',
  pcm: 'PCM',
  flac: 'FLAC',
};
/** "JPEG", "HEIC", "MP4" from the detected format, else from the MIME type. */
function formatName(asset) {
  const name = text(asset.format) ?? text(asset.mimeType)?.split('/')[1]?.replace(/^x-/, '');
  if (!name) return undefined;
  return { quicktime: 'MOV', 'svg+xml': 'SVG' }[name.toLowerCase()] ?? name.toUpperCase();
}

const codecName = (c) => (text(c) ? (CODECS[c.toLowerCase()] ?? c.toUpperCase()) : undefined);

function coordinates(lat, lon) {
  const ns = lat >= 0 ? 'N' : 'S';
  const ew = lon >= 0 ? 'E' : 'W';
  return `${Math.abs(lat).toFixed(5)}° ${ns}, ${Math.abs(lon).toFixed(5)}° ${ew}`;
}

function section(title, ...children) {
  const content = children.flat().filter(Boolean);
  if (!content.length) return undefined;
  return el('section', { class: 'lb-info-section' }, el('h3', {}, title), ...content);
}

const line = (value, cls) => (value ? el('p', { class: cls ?? 'lb-info-line' }, value) : undefined);
const joined = (...parts) => parts.filter(Boolean).join(' · ') || undefined;

/** A failed item: why, in the words the server recorded, and for the owner a way to try again. */
function failureSection(asset) {
  if (asset.status !== 'failed') return undefined;
  const why = line(text(asset.processingError) ?? 'This file could not be processed. The original is kept as uploaded.', 'lb-info-main lb-info-warn');
  if (!text(asset.retryUrl)) return section('Could not be processed', why);
  const status = el('p', { class: 'lb-info-sub', role: 'status' });
  const button = el('button', { type: 'button', class: 'lb-info-retry' }, 'Try again');
  button.addEventListener('click', async () => {
    button.disabled = true;
    status.textContent = 'Asking…';
    try {
      const res = await fetch(asset.retryUrl, { method: 'POST', headers: { accept: 'application/json' } });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      infoCache.clear();
      button.remove();
      status.textContent = 'Being processed again. The tile updates when it is done.';
      // The live grid follows tiles that wait: this one waits again.
      const tile = document.querySelector(`.tile[data-id="${CSS.escape(asset.id)}"]`);
      if (tile) {
        tile.dataset.status = 'pending';
        tile.querySelector('.badge.failed')?.remove();
        document.dispatchEvent(new CustomEvent('shoebox:tiles'));
      }
    } catch {
      button.disabled = false;
      status.textContent = 'That did not go through; try again in a moment.';
    }
  });
  return section('Could not be processed', why, el('p', { class: 'lb-info-line' }, button), status);
}

const DATE_SOURCES = {
  'file-name': 'From the file’s name',
  'file-modified': 'From the file’s modification time',
  uploaded: 'Upload time (the file has no date)',
  edited: 'Set by you',
};

/** When it was taken, where it came from, and for the owner a way to set it. */
function whenSection(asset) {
  const meta = asset.metadata && typeof asset.metadata === 'object' ? asset.metadata : {};
  const main = line(formatWhen(asset), 'lb-info-main');
  const source = line(DATE_SOURCES[meta.takenAtSource], 'lb-info-sub');
  if (!text(asset.takenAtUrl)) return section('When', main, source);
  const button = el('button', { type: 'button', class: 'lb-info-edit' }, 'Change date');
  const box = el('div', { class: 'lb-info-line' }, button);
  button.addEventListener('click', () => box.replaceChildren(dateForm(asset)));
  return section('When', main, source, box);
}

/** The owner's date form: the wall clock, and where (an offset, a zone, or empty: the library's zone). */
function dateForm(asset) {
  const local = el('input', { type: 'datetime-local', name: 'local', step: 1, required: true, value: (asset.takenAtLocal ?? '').slice(0, 19) });
  const zone = el('input', {
    type: 'text',
    name: 'zone',
    list: 'lb-zones',
    autocomplete: 'off',
    spellcheck: 'false',
    placeholder: text(asset.defaultZone) ?? '+02:00',
    value: text(asset.takenAtOffset) ?? '',
  });
  if (!document.getElementById('lb-zones') && typeof Intl.supportedValuesOf === 'function') {
    const zones = el('datalist', { id: 'lb-zones' }, Intl.supportedValuesOf('timeZone').map((z) => el('option', { value: z })));
    document.body.append(zones);
  }
  const status = el('p', { class: 'lb-info-sub', role: 'status' });
  const form = el(
    'form',
    { class: 'lb-date-form' },
    el('label', {}, 'Date and time', local),
    el('label', {}, 'Time zone or offset', zone),
    el('p', { class: 'lb-info-sub' }, `Empty: ${text(asset.defaultZone) ?? 'the library’s zone'}.`),
    el('div', { class: 'lb-date-actions' }, el('button', { type: 'submit', class: 'primary' }, 'Save')),
    status,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    status.textContent = 'Saving…';
    try {
      const res = await fetch(asset.takenAtUrl, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ local: local.value.length === 16 ? `${local.value}:00` : local.value, zone: zone.value.trim() || null }),
      });
      const body = await res.json().catch(() => ({}));
      if (!res.ok) throw new Error(body.error || `HTTP ${res.status}`);
      infoCache.clear();
      datesChanged = true; // the grid is laid out again when the lightbox closes
      status.textContent = `Saved: ${formatWhen(body.asset)}. The grid shows it in its new place when you close this.`;
    } catch (err) {
      status.textContent = `Not saved: ${err.message}`;
    }
  });
  return form;
}

/** The drawer's sections, each only when the JSON has something for it. */
function detailSections(asset) {
  const meta = asset.metadata && typeof asset.metadata === 'object' ? asset.metadata : {};
  const camera = meta.camera ?? {};
  const exposure = meta.exposure ?? {};
  const video = meta.video ?? {};
  const tags = meta.tags ?? {};
  const isVideo = asset.kind === 'video';
  const out = [failureSection(asset)];

  out.push(whenSection(asset));
  // Who added it, where a guest (through a link) or an uploader did: the owner's details only.
  if (Array.isArray(asset.addedBy) && asset.addedBy.length) {
    out.push(
      section(
        'Added by',
        asset.addedBy.map((a) => line(`${a.name} · ${a.via === 'uploader' ? 'an uploader' : 'through a link'}, in “${a.album}”`, 'lb-info-main')),
      ),
    );
  }

  const chips = [
    positive(exposure.iso) && `ISO ${Math.round(exposure.iso)}`,
    formatShutter(exposure.exposureTime),
    positive(exposure.fNumber) && `ƒ/${trim(exposure.fNumber)}`,
    positive(exposure.focalLength) && `${trim(exposure.focalLength)} mm`,
  ].filter(Boolean);
  const equiv = positive(tags.FocalLengthIn35mmFormat) && positive(exposure.focalLength) && Math.round(tags.FocalLengthIn35mmFormat) !== Math.round(exposure.focalLength);
  out.push(
    section(
      'Camera',
      line(cameraName(camera.make, camera.model), 'lb-info-main lb-info-camera'),
      line(text(camera.lens), 'lb-info-sub'),
      chips.length ? el('ul', { class: 'lb-chips', 'aria-label': 'Exposure' }, chips.map((c) => el('li', {}, c))) : undefined,
      equiv ? line(`${Math.round(tags.FocalLengthIn35mmFormat)} mm in 35 mm terms`, 'lb-info-sub') : undefined,
    ),
  );

  const w = asset.width;
  const h = asset.height;
  const size = positive(w) && positive(h) ? `${w} × ${h}` : undefined;
  const megapixels = size && !isVideo ? `${trim((w * h) / 1e6)} MP` : undefined;
  const withheld = text(asset.locationCheck) && asset.locationCheck !== 'clean';
  out.push(
    section(
      'File',
      line(text(asset.originalFilename), 'lb-info-main lb-info-file'),
      line(joined(size, megapixels), 'lb-info-sub'),
      line(joined(formatBytes(asset.fileSize), formatName(asset)), 'lb-info-sub'),
      withheld ? line(`Links that hide location share only its preview: ${asset.locationCheck}.`, 'lb-info-sub lb-info-warn') : undefined,
    ),
  );

  if (isVideo) {
    const seconds = positive(asset.durationSeconds) ? asset.durationSeconds : positive(video.duration) ? video.duration : undefined;
    const fps = positive(video.frameRate) ? `${trim(video.frameRate, 2)} fps` : undefined;
    out.push(
      section(
        'Video',
        line(joined(seconds && formatDuration(seconds), fps), 'lb-info-main'),
        line(joined(codecName(video.videoCodec), codecName(video.audioCodec) ?? (video.videoCodec && video.audioCodec === null ? 'no sound' : undefined)), 'lb-info-sub'),
      ),
    );
  }

  const gps = meta.gps;
  if (gps && isNum(gps.latitude) && isNum(gps.longitude) && Math.abs(gps.latitude) <= 90 && Math.abs(gps.longitude) <= 180) {
    const lat = gps.latitude.toFixed(5);
    const lon = gps.longitude.toFixed(5);
    const link = el(
      'a',
      { class: 'lb-info-link', href: `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=15/${lat}/${lon}`, target: '_blank', rel: 'noopener noreferrer' },
      'Open in OpenStreetMap',
    );
    link.insertAdjacentHTML('beforeend', LINK_SVG);
    out.push(
      section(
        'Place',
        line(coordinates(gps.latitude, gps.longitude), 'lb-info-main'),
        line(isNum(gps.altitude) ? `${Math.round(gps.altitude)} m above sea level` : undefined, 'lb-info-sub'),
        el('p', { class: 'lb-info-line' }, link),
      ),
    );
  }

  return out.filter(Boolean);
}

openFromHash();
