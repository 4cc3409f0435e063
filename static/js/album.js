// Album pages: show each image once it has loaded (its placeholder stays until then, and
// for good when the file is missing), submit the sort menu when it changes, close an edit
// form from its Cancel button, and let "Upload" buttons elsewhere open the uploader.
(() => {
  const FADED = '.tile img, .cover img';
  const show = (img) => img.classList.add('in');
  document.addEventListener(
    'load',
    (event) => {
      const img = event.target;
      if (img instanceof HTMLImageElement && img.matches(FADED)) show(img);
    },
    true,
  );
  const scan = (root) => {
    for (const img of root.querySelectorAll(FADED)) if (img.complete && img.naturalWidth > 0) show(img);
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
    const copier = target?.closest('[data-copy]');
    if (copier) {
      const input = document.querySelector(copier.dataset.copy);
      if (input) {
        input.select();
        navigator.clipboard?.writeText(input.value).catch(() => document.execCommand('copy'));
        const label = copier.querySelector('span');
        if (label) label.textContent = 'Copied';
      }
    }
    if (target?.closest('[data-upload-trigger]')) document.getElementById('upload-button')?.click();
  });
})();
