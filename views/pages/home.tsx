import { Page } from '../layouts/page.tsx';

export function HomePage() {
  return (
    <Page title="Shoebox">
      <main class="shell">
        <header class="topbar">
          <h1 class="brand">Shoebox</h1>
        </header>
        <section class="empty-state">
          <h2>No albums yet</h2>
          <p>Albums you create will appear here.</p>
        </section>
      </main>
    </Page>
  );
}
