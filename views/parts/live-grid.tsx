// The pieces of a grid that takes in new and newly processed items while it is on screen
// (static/js/live-grid.js): where to ask, the backlog indicator for the top bar, and the
// fragment of tiles, each in a <template> that names its neighbours and its day.
import { sectionHeader, type GridGrouping } from '../../src/routes/album-grid.ts';
import type { PlacedRow } from '../../src/queries/live-grid.ts';
import { Section, tileState, type GridContext } from './album-grid.tsx';

/**
 * Where live-grid.js asks: tiles for ids (`placeUrl`, may carry a query) and their states.
 * `hideFailed` (guest pages): an item whose processing failed leaves the grid.
 */
export function LiveGrid({ placeUrl, statusUrl, hideFailed }: { placeUrl: string; statusUrl: string; hideFailed?: boolean }) {
  return <div id="live-grid" hidden data-place-url={placeUrl} data-status-url={statusUrl} data-hide-failed={hideFailed ? '' : undefined} />;
}

/** "Processing 12…" in the top bar while the page waits for thumbnails. */
export function ProcessingStatus() {
  return (
    <span class="processing-status" data-processing-status hidden>
      <span class="spinner" aria-hidden="true" />
      <span class="processing-text" data-processing-text />
    </span>
  );
}

/**
 * Each tile as a one-tile section (its day header included) in a <template>: the page takes
 * the tile into the day's section when that is on screen, or the whole section when not.
 */
export function PlacedTiles({ rows, ctx, grouping, meta, count }: { rows: PlacedRow[]; ctx: GridContext; grouping: GridGrouping; meta?: string; count?: number }) {
  const keyOf = (row: PlacedRow) => sectionHeader(grouping, row);
  return (
    <>
      {meta !== undefined && <template data-meta={meta} data-count={count} />}
      {rows.map((row) => (
        <template data-id={row.id} data-prev={row.prev_id ?? ''} data-next={row.next_id ?? ''} data-day={keyOf(row) ?? ''} data-status={tileState(row)}>
          <Section s={{ key: keyOf(row), tiles: [row] }} ctx={ctx} />
        </template>
      ))}
    </>
  );
}
