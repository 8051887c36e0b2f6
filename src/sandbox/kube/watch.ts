/**
 * Watches (`?watch=true`): what informers, `kubectl wait` and `kubectl get -w` use to follow changes.
 */
import type { SbResponse } from '../types.js';
import type { KubeContext, ResourceRequest } from './context.js';
import { podStatus } from './defaults.js';
import { listFilter } from './selectors.js';
import type { KObj } from './store.js';

/** Watch events (ADDED/MODIFIED/DELETED) for objects changed after resourceVersion `since`. */
function watchEvents(ctx: KubeContext, r: ResourceRequest, url: URL, since: number): string[] {
  const keep = listFilter(url, r.def.kind);
  const mine = (o: KObj) => keep(o) && (!r.name || o.metadata.name === r.name) && Number(o.metadata.resourceVersion) > since;
  const live = ctx.store.list(r.def, r.namespace || undefined)
    .map((o) => (r.def.kind === 'Pod' ? { ...o, status: podStatus(o, ctx.store, ctx.now()) } : o)).filter(mine)
    .map((object) => {
      const createdAfter = ctx.store.createdAt(r.def, String(object.metadata.namespace ?? ''), object.metadata.name) > since;
      return { type: !since || createdAfter ? 'ADDED' : 'MODIFIED', object, rv: Number(object.metadata.resourceVersion) };
    });
  const gone = ctx.store.deletedSince(r.def, since, r.namespace || undefined).filter(mine).map((object) => ({ type: 'DELETED', object, rv: Number(object.metadata.resourceVersion) }));
  return [...live, ...gone].sort((a, b) => a.rv - b.rv).map(({ type, object }) => `${JSON.stringify({ type, object })}\n`);
}

/** How long an idle watch stays open: past client-go's 1 s "very short watch" threshold, short enough to poll. */
const WATCH_IDLE_MS = 1100;

/**
 * A watch: the events after the requested resourceVersion, sent as soon as there are any (waiting up to ~1 s for
 * the next write otherwise); then the stream ends and clients re-watch, as they do when a real watch times out.
 * A sandbox response is sent whole, so a watch cannot stay open for minutes as on a real server (clients would
 * wait for its headers); the short cycle keeps `kubectl wait`/informers responsive without warnings.
 */
export async function watch(ctx: KubeContext, r: ResourceRequest, url: URL): Promise<SbResponse> {
  const since = Number(url.searchParams.get('resourceVersion') || 0);
  const limit = Math.min(Number(url.searchParams.get('timeoutSeconds') || 60) * 1000, WATCH_IDLE_MS);
  let events = watchEvents(ctx, r, url, since);
  if (!events.length) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, limit);
      timer.unref();
      const off = ctx.store.onChange(() => (watchEvents(ctx, r, url, since).length ? done() : undefined));
      function done() {
        clearTimeout(timer);
        off();
        resolve();
      }
    });
    events = watchEvents(ctx, r, url, since);
  }
  return { status: 200, headers: { 'content-type': 'application/json;stream=watch', 'cache-control': 'no-cache, private' }, body: events.join('') };
}
