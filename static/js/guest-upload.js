// Guest uploads (share links that allow them): the guest's name goes with every file, so
// no file leaves before a name is given, whether picked or dropped. The name is kept in
// this browser for the next visit.
(() => {
  const name = document.getElementById('guest-name');
  if (!name) return;
  const KEY = 'shoebox-guest-name';
  try {
    if (!name.value) name.value = localStorage.getItem(KEY) ?? '';
  } catch {}
  name.addEventListener('change', () => {
    try {
      localStorage.setItem(KEY, name.value.trim());
    } catch {}
  });
  // Capture phase: runs before upload.js's handlers and stops them when there is no name.
  const needsName = (event) => {
    if (name.value.trim()) return;
    event.preventDefault();
    event.stopPropagation();
    name.focus();
    name.reportValidity();
  };
  document.addEventListener(
    'click',
    (event) => {
      if (event.target instanceof Element && event.target.closest('#upload-button, [data-upload-open]')) needsName(event);
    },
    true,
  );
  window.addEventListener('drop', needsName, true);
})();
