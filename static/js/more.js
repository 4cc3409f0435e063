// Pages without htmx (guest pages): fetch the album's next page when its "Show more"
// sentinel comes near the screen, as htmx's hx-trigger="revealed" does on owner pages.
// The fragment's parts marked hx-swap-oob="beforeend:#album-grid" go to the grid's end;
// the rest replaces the sentinel. Without script the sentinel stays a plain link.
// The lightbox asks for pages too (window.shoeboxMore(sentinel): true once its tiles are in).
(() => {
  const observer = new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting) continue;
        load(entry.target);
      }
    },
    { rootMargin: '1200px 0px' },
  );
  const loading = new WeakMap(); // sentinel → its page's promise, while it is on its way

  function load(sentinel) {
    observer.unobserve(sentinel);
    let page = loading.get(sentinel);
    if (!page) {
      page = fetchPage(sentinel).finally(() => loading.delete(sentinel));
      loading.set(sentinel, page);
    }
    return page;
  }
  window.shoeboxMore = load;

  // A page of tiles goes in a little at a time, so no task of the page's is long (a slow
  // phone took a quarter of a second to parse, style and lay out 200 tiles at once, and
  // the grid stuttered under a fling): its HTML is parsed a chunk per task into an inert
  // document, then its tiles are moved into the grid a slice per animation frame, in
  // order, the sentinel staying where it was until the last one is in (the page ends up
  // exactly as one swap made it). The next page's sentinel is watched, and 'shoebox:tiles'
  // sent, once the whole page is in.
  const PARSE_CHUNK = 16 * 1024; // characters of HTML parsed per task
  const SLICE = 8; // tiles moved in per frame
  const task = () => new Promise((resolve) => setTimeout(resolve, 0));
  const frame = () => new Promise((resolve) => (document.hidden ? setTimeout(resolve, 0) : requestAnimationFrame(resolve)));

  async function parse(html) {
    const doc = document.implementation.createHTMLDocument('');
    doc.open();
    doc.write('<body>');
    for (let at = 0; at < html.length; at += PARSE_CHUNK) {
      if (at > 0) await task();
      doc.write(html.slice(at, at + PARSE_CHUNK));
    }
    doc.close();
    return doc;
  }

  async function fetchPage(sentinel) {
    let html;
    try {
      const res = await fetch(sentinel.getAttribute('hx-get'), { credentials: 'same-origin' });
      if (!res.ok) throw new Error(String(res.status));
      html = await res.text();
    } catch {
      return false; // the plain link still works
    }
    const doc = await parse(html);
    const oobs = [...doc.body.querySelectorAll('[hx-swap-oob="beforeend:#album-grid"]')];
    for (const oob of oobs) oob.remove();
    // Each step puts one node in; a section goes in empty, then its tiles one by one.
    const steps = [];
    for (const node of [...doc.body.childNodes]) {
      const tiles = node instanceof Element && node.matches('section') ? node.querySelector(':scope > .tiles') : null;
      steps.push(() => sentinel.before(node));
      if (!tiles) continue;
      const items = [...tiles.childNodes];
      tiles.replaceChildren();
      for (const item of items) steps.push(() => tiles.append(item));
    }
    for (let at = 0; at < steps.length; at += SLICE) {
      await frame();
      for (const step of steps.slice(at, at + SLICE)) step();
    }
    const grid = document.getElementById('album-grid');
    for (const oob of oobs) grid?.append(...oob.childNodes);
    const parent = sentinel.parentElement;
    sentinel.remove();
    watch(document);
    parent?.dispatchEvent(new CustomEvent('shoebox:tiles', { bubbles: true }));
    return true;
  }

  function watch(root) {
    for (const more of root.querySelectorAll('a.more[hx-get]')) {
      if (more.dataset.watched) continue;
      more.dataset.watched = '1';
      observer.observe(more);
    }
  }
  // The next page waits until the first screen's thumbnails are in (or the guest scrolls,
  // or the grid already ends on the screen): its HTML and tiles would otherwise take the
  // bandwidth and main thread the first paint needs.
  let started = false;
  const start = () => {
    if (started) return;
    started = true;
    watch(document);
  };
  const grid = document.getElementById('album-grid');
  const first = [...document.querySelectorAll('.tile img[loading="eager"]')].filter((img) => !img.complete);
  if (!first.length || (grid && grid.getBoundingClientRect().bottom < innerHeight)) start();
  else {
    let waiting = first.length;
    const settled = () => --waiting === 0 && start();
    for (const img of first) {
      img.addEventListener('load', settled, { once: true });
      img.addEventListener('error', settled, { once: true });
    }
    addEventListener('scroll', start, { once: true, passive: true });
    addEventListener('load', start, { once: true });
  }
})();
