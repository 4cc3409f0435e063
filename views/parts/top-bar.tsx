// The owner's top bar: back or brand, title, and the account menu links.
import type { Child } from 'hono/jsx';
import type { User } from '../../src/db/schema.ts';

export function TopBar({ user, title, back, actions }: { user: User; title?: string; back?: string; actions?: Child }) {
  return (
    <header class="topbar shell-bar">
      {back ? (
        <a class="button icon-button" href={back} aria-label="Back">
          ←
        </a>
      ) : null}
      <h1 class="brand">{title ? title : <a href="/">Shoebox</a>}</h1>
      <span class="spacer" />
      {actions}
      <nav class="topnav" aria-label="Main">
        <a href="/">Albums</a>
        {user.role === 'owner' && <a href="/library">Library</a>}
        {user.role === 'owner' && (
          <a href="/links" class="wide-only">
            Links
          </a>
        )}
        {user.role === 'owner' && <a href="/settings">Settings</a>}
      </nav>
    </header>
  );
}
