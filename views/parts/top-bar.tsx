// The owner's top bar: back or brand, title, and the account menu links. Below 768 px the
// bar keeps Albums and Library and puts Links and Settings behind a menu button (a
// bottom sheet), so every page stays one or two taps away on a phone.
import type { Child } from 'hono/jsx';
import type { User } from '../../src/db/schema.ts';
import { Icon } from './icons.tsx';

export function TopBar({ user, title, back, actions }: { user: User; title?: string; back?: string; actions?: Child }) {
  const owner = user.role === 'owner';
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
        {owner && <a href="/library">Library</a>}
        {owner && (
          <a href="/links" class="nav-wide">
            Links
          </a>
        )}
        {owner && (
          <a href="/settings" class="nav-wide">
            Settings
          </a>
        )}
        {owner && (
          <button type="button" class="button icon-button nav-more" popovertarget="nav-more" aria-label="More pages" title="More pages">
            <Icon name="menu" />
          </button>
        )}
      </nav>
      {owner && (
        <div id="nav-more" popover="auto" class="menu-sheet" aria-label="More pages">
          <a class="button menu-item" href="/links">
            <Icon name="link" />
            Shared links
          </a>
          <a class="button menu-item" href="/settings">
            <Icon name="settings" />
            Settings
          </a>
        </div>
      )}
    </header>
  );
}
