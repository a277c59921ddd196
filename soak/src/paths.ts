/**
 * The shared nodes, created by the soak before any client starts (the ensemble is the soak's own, so the tree
 * starts empty):
 *
 *   /soak/services/web       each client registers 127.0.0.1:<port> (registerServer); the churner adds ext-N
 *   /soak/services/jobs      each client registers proc-<gen> (registerProcess)
 *   /soak/config             every client's compare-and-set counter key, c<gen>: the contended node
 *   /soak/settings           data the churner rewrites
 *   /soak/shards/<i>         data and children (x-N) the churner changes; clients open and close views of them
 *   /soak/sync               the observer's own writes, to order its next read after every acknowledged write
 *
 * Names carry the client's generation (a new one for each process started), so a dead process's nodes are told
 * apart from its replacement's.
 */
export const ROOT = '/soak';
export const WEB = `${ROOT}/services/web`;
export const JOBS = `${ROOT}/services/jobs`;
export const CONFIG = `${ROOT}/config`;
export const SETTINGS = `${ROOT}/settings`;
/** Written by the observer before a read that must see every write acknowledged so far (see Truth.sync). */
export const SYNC = `${ROOT}/sync`;
export const SHARD_COUNT = 4;
export const SHARDS: readonly string[] = Array.from({ length: SHARD_COUNT }, (_, i) => `${ROOT}/shards/${i}`);

/** Every node some view may show: what the observer reads as the truth. */
export const CHILDREN_PATHS: readonly string[] = [WEB, JOBS, ...SHARDS];
export const DATA_PATHS: readonly string[] = [CONFIG, SETTINGS, ...SHARDS];

/** Persistent nodes the soak creates, parents first, with their initial JSON. */
export const INITIAL_NODES: readonly (readonly [string, string])[] = [
  [ROOT, '{}'],
  [`${ROOT}/services`, '{}'],
  [WEB, '{}'],
  [JOBS, '{}'],
  [CONFIG, '{}'],
  [SETTINGS, '{}'],
  [SYNC, '{}'],
  [`${ROOT}/shards`, '{}'],
  ...SHARDS.map((path): readonly [string, string] => [path, '{}']),
];

/** First port of the registration addresses: 127.0.0.1:<BASE_PORT + gen>. Nothing listens there. */
const BASE_PORT = 20_000;

/** The nodes and counter key of one client process. */
export interface Identity {
  readonly gen: number;
  /** The key of /soak/config this process increments. */
  readonly key: string;
  readonly port: number;
  /** Node name under WEB. */
  readonly webName: string;
  /** Node name under JOBS. */
  readonly jobName: string;
}

export function identity(gen: number): Identity {
  const port = BASE_PORT + gen;
  return { gen, key: `c${gen}`, port, webName: `127.0.0.1:${port}`, jobName: `proc-${gen}` };
}

/** Full paths of a process's registration nodes. */
export function registrationPaths(id: Identity): readonly string[] {
  return [`${WEB}/${id.webName}`, `${JOBS}/${id.jobName}`];
}
