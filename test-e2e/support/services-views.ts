import { isDeepStrictEqual } from 'node:util';
import type { Instance, JsonObject, Services } from '@zkit/client';
import type { Observer } from '@zkit/testing';
import { retryThroughFailover } from './harness.js';

/** One open zkit services view (zkit format) and the service it is of. */
export interface OpenServices {
  readonly path: string;
  readonly view: Services;
}

/**
 * The instance a zkit-format view must show for child `id` of service `name` holding `data`, or undefined when it
 * must leave the child out: its name is no HOST:PORT (the churn's names are `A.B.C.D:PORT` or have no colon), or
 * its data is no JSON object (empty data is `{}`; not UTF-8, not JSON, or JSON that is no object, is none).
 */
export function expectedInstance(name: string, id: string, data: Buffer | undefined): Instance | undefined {
  const at = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/.exec(id);
  if (at === null) return undefined;
  let parsed: unknown = {};
  if (data !== undefined && data.length > 0) {
    try {
      parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data));
    } catch {
      return undefined;
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const properties = parsed as JsonObject;
  return {
    id,
    name,
    address: at[1] as string,
    port: Number(at[2]),
    sslPort: null,
    data: properties,
    enabled: properties.enabled !== false,
    uriSpec: null,
    registrationTime: null,
  };
}

/** What ZooKeeper holds, read by an independent session. */
export interface ServicesTruth {
  /** Each service's instances sorted by id; `null` when the service's node is missing. */
  readonly instances: Map<string, Instance[] | null>;
  /** How many children of these services are no valid instance (a view must leave them out). */
  readonly leftOut: number;
}

export async function readServicesTruth(observer: Observer, paths: Iterable<string>): Promise<ServicesTruth> {
  const instances = new Map<string, Instance[] | null>();
  let leftOut = 0;
  await Promise.all(
    [...new Set(paths)].map(async (path) => {
      const read = await retryThroughFailover(() => readService(observer, path));
      instances.set(path, read?.instances ?? null);
      leftOut += read?.leftOut ?? 0;
    }),
  );
  return { instances, leftOut };
}

async function readService(
  observer: Observer,
  path: string,
): Promise<{ instances: Instance[]; leftOut: number } | null> {
  const ids = await orMissing(observer.getChildren(path));
  if (ids === undefined) return null;
  const name = path.slice(path.lastIndexOf('/') + 1);
  let leftOut = 0;
  const read = await Promise.all(
    ids.map(async (id) => {
      const node = await orMissing(observer.getData(`${path}/${id}`));
      if (node === undefined) return undefined;
      const instance = expectedInstance(name, id, node.data);
      if (instance === undefined) leftOut++;
      return instance;
    }),
  );
  return { instances: read.filter((instance) => instance !== undefined).sort(byId), leftOut };
}

async function orMissing<T>(read: Promise<T>): Promise<T | undefined> {
  try {
    return await read;
  } catch (error) {
    if ((error as { code?: string }).code === 'NO_NODE') return undefined;
    throw error;
  }
}

/** The order a view lists its instances in: by id, in code units. */
function byId(a: Instance, b: Instance): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** How one view differs from what it should show. */
export interface ServicesDifference {
  readonly path: string;
  readonly what: string;
}

/**
 * A view agrees with ZooKeeper when it lists exactly the instances `truth` holds, each as the view parses it, or
 * when it ended (`deleted`) and `mayEnd(path)` says the service could have been deleted while the view was open.
 */
export function differenceOf(
  open: OpenServices,
  truth: readonly Instance[] | null | undefined,
  mayEnd: (path: string) => boolean,
): ServicesDifference | null {
  const { path, view } = open;
  const zookeeper = truth == null ? 'missing' : `${truth.length} instances`;
  if (view.deleted) return mayEnd(path) ? null : { path, what: `view deleted, ZooKeeper ${zookeeper}` };
  if (view.error !== undefined)
    return { path, what: `view ended (${view.error.code}), ZooKeeper ${zookeeper}` };
  if (truth == null) return { path, what: `view ${view.size} instances, ZooKeeper missing` };
  const shown = view.toArray();
  return isDeepStrictEqual(shown, truth) ? null : { path, what: compare(shown, truth) };
}

/** Which ids only one side has, and the instances both have but differently (a few of each). */
function compare(shown: readonly Instance[], truth: readonly Instance[]): string {
  const inView = new Map(shown.map((instance) => [instance.id, instance]));
  const inZk = new Map(truth.map((instance) => [instance.id, instance]));
  const only = (a: Map<string, Instance>, b: Map<string, Instance>) =>
    [...a.keys()].filter((id) => !b.has(id));
  const changed = [...inZk.values()].flatMap((expected) => {
    const got = inView.get(expected.id);
    return got === undefined || isDeepStrictEqual(got, expected)
      ? []
      : [`${expected.id} ${fieldsDiffering(got, expected)}`];
  });
  const parts = [
    `only in ZooKeeper [${only(inZk, inView).join(', ')}]`,
    `only in the view [${only(inView, inZk).join(', ')}]`,
    `differ: ${changed.slice(0, 3).join('; ') || 'none'}${changed.length > 3 ? ` (+${changed.length - 3})` : ''}`,
  ];
  // The same instances listed out of order (or one twice) is a difference too.
  return changed.length === 0 && only(inZk, inView).length === 0 && only(inView, inZk).length === 0
    ? `the same instances, listed as ${shown.map((instance) => instance.id).join(', ')}`
    : parts.join('; ');
}

/** `field: view X, ZooKeeper Y` for each field of an instance that differs. */
function fieldsDiffering(got: Instance, expected: Instance): string {
  const fields = Object.keys({ ...got, ...expected }) as (keyof Instance)[];
  return fields
    .filter((field) => !isDeepStrictEqual(got[field], expected[field]))
    .map(
      (field) => `${field}: view ${JSON.stringify(got[field])}, ZooKeeper ${JSON.stringify(expected[field])}`,
    )
    .join(', ');
}

export function differences(
  views: readonly OpenServices[],
  truth: ReadonlyMap<string, Instance[] | null>,
  mayEnd: (path: string) => boolean,
): ServicesDifference[] {
  return views.flatMap((open) => differenceOf(open, truth.get(open.path), mayEnd) ?? []);
}

/** The first `limit` differences, one a line per service (views of one service mostly differ alike). */
export function report(found: readonly ServicesDifference[], total: number, limit = 10): string {
  const byPath = new Map<string, { what: string; views: number }>();
  for (const { path, what } of found) {
    const seen = byPath.get(path);
    if (seen) seen.views++;
    else byPath.set(path, { what, views: 1 });
  }
  const lines = [...byPath.entries()]
    .slice(0, limit)
    .map(([path, { what, views }]) => `  ${path}${views > 1 ? ` (${views} views, the first)` : ''}: ${what}`);
  const more = byPath.size > limit ? [`  ... and ${byPath.size - limit} more services`] : [];
  return [
    `${found.length} of ${total} open services views (${byPath.size} services) differ from ZooKeeper:`,
    ...lines,
    ...more,
  ].join('\n');
}
