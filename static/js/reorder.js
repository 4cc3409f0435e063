// Drag to reorder an album in custom order, with a mouse (HTML5 drag and drop). A drag
// carries the tile, or every selected tile when it starts on a selected one; a bar between
// tiles shows where they will land. On drop the tiles move in the DOM and select.js saves
// the order ('shoebox:reordered'). Touch uses the select bar's Move earlier / Move later.
(() => {
  const bar = document.getElementById('select-bar');
  const grid = document.getElementById('album-grid');
  if (!bar || !grid || bar.dataset.sort !== 'manual' || !matchMedia('(hover: hover) and (pointer: fine)').matches) return;

  const marker = document.createElement('div');
  marker.className = 'drop-marker';
  marker.hidden = true;
  let moving = null;
  let target = null;

  const prepare = (root) => {
    for (const tile of root.querySelectorAll('.tile')) {
      tile.draggable = true;
      for (const img of tile.querySelectorAll('img')) img.draggable = false;
    }
  };
  prepare(grid);
  new MutationObserver(() => prepare(grid)).observe(grid, { childList: true, subtree: true });

  grid.addEventListener('dragstart', (event) => {
    const tile = event.target instanceof Element ? event.target.closest('.tile') : null;
    if (!tile) return;
    const chosen = window.shoeboxSelection?.selectedTiles() ?? [];
    moving = tile.classList.contains('selected') && chosen.length > 1 ? chosen : [tile];
    window.shoeboxGrid?.hold(); // the order saved on drop is read from every tile in the page
    event.dataTransfer.effectAllowed = 'move';
    event.dataTransfer.setData('text/plain', moving.map((t) => t.dataset.id).join(','));
    requestAnimationFrame(() => moving?.forEach((t) => t.classList.add('dragging')));
  });

  grid.addEventListener('dragover', (event) => {
    if (!moving) return;
    const tile = event.target instanceof Element ? event.target.closest('.tile') : null;
    if (!tile) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'move';
    const box = tile.getBoundingClientRect();
    const after = event.clientX > box.left + box.width / 2;
    target = { tile, after };
    const tiles = tile.parentElement;
    if (marker.parentElement !== tiles) tiles.append(marker);
    const origin = tiles.getBoundingClientRect();
    marker.style.left = `${(after ? box.right : box.left) - origin.left - 2}px`;
    marker.style.top = `${box.top - origin.top}px`;
    marker.style.height = `${box.height}px`;
    marker.hidden = false;
  });

  grid.addEventListener('drop', (event) => {
    if (!moving || !target) return;
    event.preventDefault();
    const { tile, after } = target;
    if (!moving.includes(tile)) {
      if (after) tile.after(...moving);
      else tile.before(...moving);
      document.dispatchEvent(new CustomEvent('shoebox:reordered'));
    }
    finish();
  });

  function finish() {
    if (moving) window.shoeboxGrid?.release();
    moving?.forEach((t) => t.classList.remove('dragging'));
    moving = null;
    target = null;
    marker.hidden = true;
    marker.remove();
  }
  grid.addEventListener('dragend', finish);
})();
