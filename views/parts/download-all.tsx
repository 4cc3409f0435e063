// "Download all" on an album page (owner and guest): a plain link to the album's ZIP,
// which the browser's own download manager runs (and resumes), with what it holds said
// before it starts. static/js/download.js, when it has run, first asks the server whether
// the ZIP is ready and says "Preparing…" while it is not; without it the link still works.
import { plural } from './dates.ts';
import { formatSize } from './format.ts';
import { Icon } from './icons.tsx';

export interface DownloadAllProps {
  url: string;
  items: number;
  bytes: number;
}

export function DownloadAll({ url, items, bytes }: DownloadAllProps) {
  return (
    <p class="download-all">
      <a class="button download-button" href={url} data-zip>
        <Icon name="download" />
        Download all
      </a>
      <span class="download-size" data-zip-status aria-live="polite">
        {plural(items, 'item')} · {formatSize(bytes)}, one ZIP
      </span>
    </p>
  );
}
