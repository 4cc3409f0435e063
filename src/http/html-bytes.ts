// c.html() as bytes. A Response made from a string has it checked character by character
// for lone surrogates (undici's toUSVString: ~5 ms for a page of 200 tiles, the largest
// single cost of a guest page); Buffer.from encodes the same string in a fraction of that.
// Set per request so every c.html() call in the routes gets it.
import type { MiddlewareHandler } from 'hono';
import { HtmlEscapedCallbackPhase, resolveCallback } from 'hono/utils/html';

export function htmlAsBytes(): MiddlewareHandler {
  return async (c, next) => {
    const send = (text: string, status?: number) => {
      c.header('Content-Type', 'text/html; charset=UTF-8');
      return c.body(Buffer.from(text), status as never);
    };
    c.html = ((html: string | Promise<string>, status?: number) =>
      typeof html === 'object'
        ? resolveCallback(html, HtmlEscapedCallbackPhase.Stringify, false, {}).then((text) => send(text, status))
        : send(html, status)) as typeof c.html;
    await next();
  };
}
