// The owner's share links: the JSON API, the share sheet on the album page (htmx
// fragments; plain form posts without script), each link's QR code, and the page that
// lists every link across albums. A link turned off (revoke) keeps its token and can be
// turned on again (turn-on, or PATCH {"revoked": false}).
import { Hono, type Context } from 'hono';
import * as v from 'valibot';
import { ShareLinks } from '../../views/parts/share-sheet.tsx';
import { LinksPage } from '../../views/pages/links.tsx';
import type { SharedLink } from '../db/schema.ts';
import { albumExists } from '../queries/albums.ts';
import { findLinkById, findLinkByToken, listLinks } from '../queries/links.ts';
import { LinkChangesInput, NewLinkInput, formToLinkInput } from '../sharing/link-settings.ts';
import { viewLink } from '../sharing/link-view.ts';
import { createLink, editLink, removeLink, turnOffLink } from '../sharing/manage-links.ts';
import { currentUser } from '../http/auth.ts';
import type { AppEnv } from '../http/env.ts';
import { httpError } from '../http/errors.tsx';
import { describeIssues, readForm, readJson, Uuid } from '../http/validate.ts';

const db = (c: Context<AppEnv>) => c.get('deps').database.db;
const cache = (c: Context<AppEnv>) => c.get('sharing').links;
const isHtmx = (c: Context<AppEnv>) => c.req.header('hx-request') === 'true';
const origin = (c: Context<AppEnv>) => c.get('deps').config.publicUrl ?? new URL(c.req.url).origin;

async function albumIdOr404(c: Context<AppEnv>): Promise<string> {
  const id = (c.req.param('id') ?? '').toLowerCase();
  if (!v.is(Uuid, id) || !(await albumExists(db(c), id))) throw httpError(404, c.req.path.startsWith('/api/') ? 'no such album' : 'This album does not exist.');
  return id;
}

async function linkByTokenOr404(c: Context<AppEnv>): Promise<SharedLink> {
  const token = c.req.param('token') ?? '';
  const link = /^[0-9a-f]{64}$/.test(token) ? await findLinkByToken(db(c), token) : undefined;
  if (!link) throw httpError(404, 'no such link');
  return link;
}

async function linkByIdOr404(c: Context<AppEnv>): Promise<SharedLink> {
  const id = (c.req.param('id') ?? '').toLowerCase();
  const link = v.is(Uuid, id) ? await findLinkById(db(c), id) : undefined;
  if (!link) throw httpError(404, 'This link does not exist.');
  return link;
}

async function albumLinks(c: Context<AppEnv>, albumId: string) {
  return (await listLinks(db(c), albumId)).map((l) => viewLink(l, origin(c)));
}

/** After a form post: the sheet's list for htmx, or back to the album page. */
async function sheetOrBack(c: Context<AppEnv>, albumId: string, extra: { error?: string; freshId?: string } = {}) {
  if (isHtmx(c)) return c.html(<ShareLinks albumId={albumId} links={await albumLinks(c, albumId)} {...extra} />, extra.error ? 422 : 200);
  if (extra.error) throw httpError(400, extra.error);
  return c.redirect(`/albums/${albumId}`, 303);
}

/** After a row's button (turn off, turn on, delete): the Links page at that row when it came from there, else as sheetOrBack. */
function backFromRow(c: Context<AppEnv>, link: SharedLink, extra: { freshId?: string } = {}) {
  if (c.req.query('from') === 'links') return c.redirect(`/links#link-${link.id}`, 303);
  return sheetOrBack(c, link.album_id, extra);
}

export const linkRoutes = new Hono<AppEnv>()
  // JSON API
  .post('/api/albums/:id/share', async (c) => {
    const albumId = await albumIdOr404(c);
    const input = await readJson(c, NewLinkInput);
    const link = await createLink(db(c), albumId, input);
    return c.json({ link: viewLink(link, origin(c)) }, 201);
  })
  .get('/api/albums/:id/share', async (c) => {
    const albumId = await albumIdOr404(c);
    return c.json({ links: await albumLinks(c, albumId) });
  })
  .get('/api/links', async (c) => {
    return c.json({ links: (await listLinks(db(c))).map((l) => viewLink(l, origin(c))) });
  })
  .patch('/api/share/:token', async (c) => {
    const link = await linkByTokenOr404(c);
    const input = await readJson(c, LinkChangesInput);
    return c.json({ link: viewLink(await editLink(db(c), cache(c), link, input), origin(c)) });
  })
  // Revokes at once; `?permanent=true` deletes the link and its counters.
  .delete('/api/share/:token', async (c) => {
    const link = await linkByTokenOr404(c);
    if (c.req.query('permanent') === 'true') await removeLink(db(c), cache(c), link.id);
    else await turnOffLink(db(c), cache(c), link.id);
    return c.body(null, 204);
  })

  // The share sheet
  .get('/albums/:id/share', async (c) => {
    const albumId = await albumIdOr404(c);
    return c.html(<ShareLinks albumId={albumId} links={await albumLinks(c, albumId)} />);
  })
  .post('/albums/:id/share', async (c) => {
    const albumId = await albumIdOr404(c);
    const input = v.safeParse(NewLinkInput, formToLinkInput(await readForm(c)));
    if (!input.success) return sheetOrBack(c, albumId, { error: describeIssues(input.issues) });
    const link = await createLink(db(c), albumId, input.output);
    return sheetOrBack(c, albumId, { freshId: link.id });
  })
  .post('/links/:id/edit', async (c) => {
    const link = await linkByIdOr404(c);
    const input = v.safeParse(LinkChangesInput, formToLinkInput(await readForm(c)));
    if (!input.success) return sheetOrBack(c, link.album_id, { error: describeIssues(input.issues) });
    await editLink(db(c), cache(c), link, input.output);
    return sheetOrBack(c, link.album_id, { freshId: link.id });
  })
  .post('/links/:id/revoke', async (c) => {
    const link = await linkByIdOr404(c);
    await turnOffLink(db(c), cache(c), link.id);
    return backFromRow(c, link);
  })
  // "Turn on again": the same token, so the URL already sent works again.
  .post('/links/:id/turn-on', async (c) => {
    const link = await linkByIdOr404(c);
    await editLink(db(c), cache(c), link, { revoked: false });
    return backFromRow(c, link, { freshId: link.id });
  })
  .post('/links/:id/delete', async (c) => {
    const link = await linkByIdOr404(c);
    await removeLink(db(c), cache(c), link.id);
    return backFromRow(c, link);
  })
  .get('/links/:id/qr.svg', async (c) => {
    const link = await linkByIdOr404(c);
    const { default: QRCode } = await import('qrcode'); // on first use: ~10 MB few servers need
    const svg = await QRCode.toString(viewLink(link, origin(c)).url, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' });
    return c.body(svg, 200, { 'Content-Type': 'image/svg+xml', 'Cache-Control': 'private, max-age=3600' });
  })
  .get('/links', async (c) => {
    const links = (await listLinks(db(c))).map((l) => viewLink(l, origin(c)));
    return c.html(<LinksPage user={currentUser(c)} links={links} />);
  });

