import type { User } from '../../src/db/schema.ts';
import { Page } from '../layouts/page.tsx';
import { TopBar } from '../parts/top-bar.tsx';

export function HomePage({ user }: { user: User }) {
  return (
    <Page title="Shoebox">
      <TopBar user={user} />
      <main class="shell">
        <section class="empty-state">
          <h2>No albums yet</h2>
          <p>Albums you create will appear here.</p>
        </section>
      </main>
    </Page>
  );
}
