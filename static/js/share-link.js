// A link's address on the share sheet and the Links page: Copy puts it on the clipboard
// and says "Copied" for a moment; Share, shown only where the browser has a share sheet
// (navigator.share, on phones mostly), hands it to the system's share sheet. Cancelling
// that sheet says nothing; a share sheet that fails copies the address instead.
(() => {
  if (typeof navigator.share === 'function') document.documentElement.classList.add('can-share');

  const timers = new WeakMap();
  const say = (button, text) => {
    const label = button.querySelector('span');
    if (!label) return;
    label.dataset.idle ??= label.textContent;
    label.textContent = text;
    clearTimeout(timers.get(button));
    timers.set(button, setTimeout(() => (label.textContent = label.dataset.idle), 2500));
  };

  const copy = async (input, button) => {
    input.select();
    try {
      await navigator.clipboard.writeText(input.value); // throws at once where there is no clipboard API (plain http)
    } catch {
      if (!document.execCommand('copy')) return say(button, 'Select and copy');
    }
    say(button, 'Copied');
  };

  document.addEventListener('click', (event) => {
    const target = event.target instanceof Element ? event.target : null;
    const copier = target?.closest('[data-copy]');
    const copyInput = copier && document.querySelector(copier.dataset.copy);
    if (copyInput) copy(copyInput, copier);
    const sharer = target?.closest('[data-share]');
    const shareInput = sharer && document.querySelector(sharer.dataset.share);
    if (shareInput) {
      navigator.share({ title: sharer.dataset.shareTitle || document.title, url: shareInput.value }).catch((err) => {
        if (err?.name !== 'AbortError') copy(shareInput, sharer);
      });
    }
  });
})();
