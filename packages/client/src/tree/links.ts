import {
  encodeJsonObject,
  isZkError,
  joinPath,
  normalizePath,
  type ResolveRead,
  resolvePath,
  splitPath,
  zkError,
} from '@zkit/protocol';
import type { AbortableCalls, CallOptions } from '../thread/abortable.js';

/** zc.zk's `resolve`, reading through the worker (one-shot reads: no watch is left behind). See resolvePath. */
export function resolve(calls: AbortableCalls, path: string, options: CallOptions = {}): Promise<string> {
  const read = async (at: string): Promise<ResolveRead> => {
    try {
      const snapshot = await calls.run(options.signal, (api, call) => api.getData(at, call));
      return { exists: true, properties: snapshot.properties };
    } catch (error) {
      if (isZkError(error, 'NO_NODE')) return { exists: false, properties: {} };
      throw error;
    }
  };
  return resolvePath(read, path);
}

/**
 * zc.zk's `ln(target, source)`: makes `source` a symbolic link to `target`, as the property `"name ->"` on source's
 * parent (which must exist; links in its path are followed). `target` is stored as given: relative to that parent
 * unless absolute. A `source` ending in `/` takes target's last name. Resolves with the link's path.
 */
export async function ln(
  context: { readonly calls: AbortableCalls; readonly maxDataBytes: number },
  target: string,
  source: string,
  options: CallOptions = {},
): Promise<string> {
  const named = source.endsWith('/') ? `${source}${target.split('/').filter(Boolean).at(-1) ?? ''}` : source;
  const link = normalizePath(named);
  if (link === '/' || typeof target !== 'string' || target === '')
    throw zkError('INVALID_PATH', `cannot link ${JSON.stringify(source)} to ${JSON.stringify(target)}`, {
      path: link,
    });
  const [parentPath, name] = splitPath(link);
  const parent = await resolve(context.calls, parentPath, options);
  const json = encodeJsonObject({ [`${name} ->`]: target }, context.maxDataBytes, parent);
  await context.calls.run(options.signal, (api, call) => api.writeProperties(parent, 'update', json, call));
  return joinPath(parent, name);
}
