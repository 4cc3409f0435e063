// The trash: what was deleted in the last 30 days, most recent first, grouped by how many
// days each has left. A tap opens an item large; selecting (its check, a long press, a
// day's check) brings the bar with Restore and Delete forever. "Empty trash" is a plain form behind a confirm.
import type { User } from '../../src/db/schema.ts';
import type { TrashedAssetRow } from '../../src/queries/trash.ts';
import { Page } from '../layouts/page.tsx';
import { sectionSize, Tile, type GridContext } from '../parts/album-grid.tsx';
import { plural } from '../parts/dates.ts';
import { SheetCancel } from '../parts/form.tsx';
import { Icon } from '../parts/icons.tsx';
import { PageEnd, PageScripts } from '../parts/scripts.tsx';
import { SelectBar } from '../parts/select-bar.tsx';
import { TopBar } from '../parts/top-bar.tsx';

export interface TrashProps {
  user: User;
  items: TrashedAssetRow[];
  now: Date;
  days: number;
  currentYear: number;
}

const DAY = 24 * 3600_000;

/** Days (begun) until the item is deleted for good: 30 right after deleting, 1 on its last day. */
export function daysLeft(deletedAt: Date, now: Date, days: number): number {
  return Math.max(0, Math.ceil((deletedAt.getTime() + days * DAY - now.getTime()) / DAY));
}

const leftLabel = (n: number) => (n === 0 ? 'Deleted for good soon' : `${plural(n, 'day')} left`);

function groups(items: TrashedAssetRow[], now: Date, days: number) {
  const out: { left: number; tiles: TrashedAssetRow[] }[] = [];
  for (const item of items) {
    const left = daysLeft(item.deleted_at, now, days);
    if (out.at(-1)?.left !== left) out.push({ left, tiles: [] });
    out.at(-1)!.tiles.push(item);
  }
  return out;
}

export function TrashPage({ user, items, now, days, currentYear }: TrashProps) {
  const ctx: GridContext = { currentYear, selectable: true };
  return (
    <Page title="Trash" head={<PageScripts />}>
      <TopBar user={user} title="Trash" back="/library" />
      <main class="shell trash">
        <header class="album-head trash-head">
          <p class="album-meta">
            {items.length ? `${plural(items.length, 'item')} · ` : ''}Items are deleted for good {days} days after they were moved here.
          </p>
          {items.length > 0 && (
            <button type="button" class="button danger" popovertarget="empty-trash">
              <Icon name="trash-2" />
              Empty trash
            </button>
          )}
        </header>
        {items.length ? (
          <>
            <p class="muted trash-hint">Open an item to look at it. Select items to restore them, or to delete them now.</p>
            <div class="grid" id="trash-grid">
              {groups(items, now, days).map((g) => (
                <section class="day" style={sectionSize(g.tiles)}>
                  <h2 class="day-head">
                    <span>{leftLabel(g.left)}</span>
                    <button type="button" class="day-check" aria-label={`Select all with ${leftLabel(g.left).toLowerCase()}`} title="Select all">
                      <Icon name="check" />
                    </button>
                  </h2>
                  <div class="tiles">
                    {g.tiles.map((a) => (
                      <Tile a={a} ctx={ctx} />
                    ))}
                  </div>
                </section>
              ))}
            </div>
          </>
        ) : (
          <section class="empty-state">
            <Icon name="trash-2" />
            <h2>The trash is empty</h2>
            <p>What you delete stays here for {days} days, then it is deleted for good.</p>
            <a class="button" href="/library">
              Go to the library
            </a>
          </section>
        )}
      </main>
      <PageEnd />
      <SelectBar context="trash" trashDays={days} />
      {items.length > 0 && (
        <div id="empty-trash" popover="auto" class="sheet" role="alertdialog" aria-labelledby="empty-trash-heading">
          <h2 id="empty-trash-heading">Empty the trash?</h2>
          <p>{plural(items.length, 'item')} and their files are deleted for good. This cannot be undone.</p>
          <form method="post" action="/trash/empty" class="actions">
            <SheetCancel sheet="empty-trash" />
            <button type="submit" class="primary danger-fill">
              Empty trash
            </button>
          </form>
        </div>
      )}
    </Page>
  );
}
