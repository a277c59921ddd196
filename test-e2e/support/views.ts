import { isDeepStrictEqual } from 'node:util';
import type { Children, JsonObject, Properties, ZooKeeper } from '@zkit/client';
import type { Observer } from '@zkit/testing';

/** One open zkit view and what it is of. */
export type OpenView =
  | { readonly kind: 'children'; readonly path: string; readonly view: Children }
  | { readonly kind: 'properties'; readonly path: string; readonly view: Properties };

export type ViewKind = OpenView['kind'];

export async function openView(zk: ZooKeeper, kind: ViewKind, path: string): Promise<OpenView> {
  return kind === 'children'
    ? { kind, path, view: await zk.children(path) }
    : { kind, path, view: await zk.properties(path) };
}

/** What ZooKeeper holds at one path, read by an independent session; `null` when the node is missing. */
export interface NodeTruth {
  readonly children: readonly string[];
  readonly data: JsonObject;
  readonly version: number;
}

/** Reads every path once (an observer call lost to a failover is tried again, boundedly). */
export async function readTruth(
  observer: Observer,
  paths: Iterable<string>,
): Promise<Map<string, NodeTruth | null>> {
  const truth = new Map<string, NodeTruth | null>();
  await Promise.all(
    [...new Set(paths)].map(async (path) => {
      truth.set(path, await persist(() => readNode(observer, path)));
    }),
  );
  return truth;
}

async function readNode(observer: Observer, path: string): Promise<NodeTruth | null> {
  try {
    const [children, { data, stat }] = await Promise.all([
      observer.getChildren(path),
      observer.getData(path),
    ]);
    return { children, data: parseJson(data), version: stat.version };
  } catch (error) {
    if ((error as { code?: string }).code === 'NO_NODE') return null;
    throw error;
  }
}

/** zc.zk's reading of node data: empty is `{}`; the churn and the model write only JSON objects. */
function parseJson(data: Buffer | undefined): JsonObject {
  return data === undefined || data.length === 0 ? {} : (JSON.parse(data.toString()) as JsonObject);
}

async function persist<T>(read: () => Promise<T>, attempts = 40): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await read();
    } catch (error) {
      if (attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** How one view differs from what it should show; `null` when it agrees. */
export interface Difference {
  readonly kind: ViewKind;
  readonly path: string;
  readonly view: unknown;
  readonly zookeeper: unknown;
}

/**
 * A view agrees with ZooKeeper when it shows the node's current children or data (and data version), or when it
 * ended (`deleted`) and `mayEnd(path)` says the node could have been deleted while the view was open.
 */
export function differenceOf(
  open: OpenView,
  truth: NodeTruth | null | undefined,
  mayEnd: (path: string) => boolean,
): Difference | null {
  const shown = describe(open);
  if (open.view.deleted) {
    return mayEnd(open.path) ? null : { kind: open.kind, path: open.path, view: shown, zookeeper: truth };
  }
  const expected =
    truth == null
      ? 'missing'
      : open.kind === 'children'
        ? truth.children
        : { data: truth.data, version: truth.version };
  return isDeepStrictEqual(shown, expected)
    ? null
    : { kind: open.kind, path: open.path, view: shown, zookeeper: expected };
}

export function describe(open: OpenView): unknown {
  if (open.view.deleted) return 'deleted';
  return open.kind === 'children'
    ? open.view.toArray()
    : { data: structuredClone(open.view.toJSON()), version: open.view.version };
}

export function differences(
  views: readonly OpenView[],
  truth: ReadonlyMap<string, NodeTruth | null>,
  mayEnd: (path: string) => boolean,
): Difference[] {
  return views.flatMap((open) => differenceOf(open, truth.get(open.path), mayEnd) ?? []);
}

/** The first `limit` differences, one a line per watched path (views of one path share what they show). */
export function report(found: readonly Difference[], total: number, limit = 20): string {
  const byPath = new Map<string, { difference: Difference; views: number }>();
  for (const difference of found) {
    const key = `${difference.kind} ${difference.path}`;
    const seen = byPath.get(key);
    if (seen) seen.views++;
    else byPath.set(key, { difference, views: 1 });
  }
  const lines = [...byPath.entries()]
    .slice(0, limit)
    .map(
      ([key, { difference, views }]) =>
        `  ${key}${views > 1 ? ` (${views} views)` : ''}: view ${JSON.stringify(difference.view)}, ` +
        `ZooKeeper ${JSON.stringify(difference.zookeeper)}`,
    );
  const more = byPath.size > limit ? [`  ... and ${byPath.size - limit} more paths`] : [];
  return [
    `${found.length} of ${total} open views (${byPath.size} paths) differ from ZooKeeper:`,
    ...lines,
    ...more,
  ].join('\n');
}
