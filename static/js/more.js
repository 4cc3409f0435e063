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

  async function fetchPage(sentinel) {
    let html;
    try {
      const res = await fetch(sentinel.getAttribute('hx-get'), { credentials: 'same-origin' });
      if (!res.ok) throw new Error(String(res.status));
      html = await res.text();
    } catch {
      return false; // the plain link still works
    }
    const template = document.createElement('template');
    template.innerHTML = html;
    const grid = document.getElementById('album-grid');
    for (const oob of template.content.querySelectorAll('[hx-swap-oob="beforeend:#album-grid"]')) {
      grid?.append(...oob.childNodes);
      oob.remove();
    }
    const parent = sentinel.parentElement;
    sentinel.replaceWith(template.content);
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
