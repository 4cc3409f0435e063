// Live Photos in the lightbox (joined ahead of lightbox-core.js into js/lightbox.js by
// src/static-files.ts). A photo whose tile has data-live (its motion clip's URL) plays the
// clip over itself, muted, once through: while the photo is pressed and held (phones), and
// from the "Live" button in the top bar (desktop; phones have it too).

/** How long a press must be held before the clip plays. */
const LIVE_HOLD_MS = 300;
/** A finger that moves this far is dragging, not holding. */
const LIVE_HOLD_SLOP = 10;
const LIVE_SVG = '<svg class="lb-icon" width="24" height="24" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" aria-hidden="true" focusable="false"><circle cx="12" cy="12" r="3"/><circle cx="12" cy="12" r="6.5" stroke-dasharray="2 2.2"/><circle cx="12" cy="12" r="10" opacity=".5"/></svg>';

function attachLivePhotos(pswp) {
  let clip; // the <video> playing over the current photo
  let hold; // { timer, x, y, fired }

  function stop() {
    if (!clip) return;
    clip.pause();
    clip.remove();
    clip = undefined;
    pswp.element?.classList.remove('lb-live-playing');
  }

  function play() {
    const slide = pswp.currSlide;
    if (!slide?.data.live || !slide.container) return;
    stop();
    clip = document.createElement('video');
    clip.className = 'lb-live-clip';
    clip.muted = true;
    clip.playsInline = true;
    clip.setAttribute('aria-hidden', 'true');
    // Over the photo, at the size it is shown (the image itself may still be loading).
    clip.style.width = `${slide.content.displayedImageWidth || slide.width}px`;
    clip.style.height = `${slide.content.displayedImageHeight || slide.height}px`;
    const playing = clip;
    playing.addEventListener('ended', () => clip === playing && stop());
    playing.addEventListener('error', () => clip === playing && stop());
    playing.src = slide.data.live;
    slide.container.append(playing);
    pswp.element?.classList.add('lb-live-playing');
    playing.play().catch(() => clip === playing && stop());
  }

  pswp.on('pointerDown', ({ originalEvent: e }) => {
    if (!pswp.currSlide?.data.live || e.button > 0) return;
    clearTimeout(hold?.timer);
    hold = { x: e.clientX, y: e.clientY, fired: false };
    hold.timer = setTimeout(() => {
      hold.fired = true;
      play();
    }, LIVE_HOLD_MS);
  });
  pswp.on('pointerMove', ({ originalEvent: e }) => {
    if (hold && !hold.fired && Math.hypot(e.clientX - hold.x, e.clientY - hold.y) > LIVE_HOLD_SLOP) clearTimeout(hold.timer);
  });
  pswp.on('pointerUp', () => {
    if (!hold) return;
    clearTimeout(hold.timer);
    if (hold.fired) stop();
  });
  // The release after a hold is not a tap (which would hide the controls).
  pswp.on('tapAction', (event) => {
    if (hold?.fired) event.preventDefault();
    hold = undefined;
  });
  // A held finger would otherwise open the browser's image menu.
  pswp.on('bindEvents', () => {
    pswp.element?.addEventListener('contextmenu', (e) => {
      if (pswp.currSlide?.data.live) e.preventDefault();
    });
  });
  pswp.on('change', stop);
  pswp.on('close', stop);

  pswp.on('uiRegister', () => {
    pswp.ui.registerElement({
      name: 'live',
      order: 13,
      isButton: true,
      title: 'Play the Live Photo',
      ariaLabel: 'Play the Live Photo',
      html: `${LIVE_SVG}<span class="lb-live-word">Live</span>`,
      onInit: (button) => {
        const follow = () => {
          button.hidden = !pswp.currSlide?.data.live;
        };
        pswp.on('change', follow);
        follow();
      },
      onClick: () => (clip ? stop() : play()),
    });
  });
}
