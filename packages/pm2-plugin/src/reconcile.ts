// Pure: what the ZooKeeper tree should hold for what PM2 runs, and the steps from what it holds now. No I/O here,
// so every rule (cluster sharing, port precedence, port-less names, filters) is tested with plain data.
import { isDeepStrictEqual } from 'node:util';
import type { JsonObject, ServiceFormat } from '@zkit/client';
import { addressName, ILLEGAL_PATH_CHARS, joinPath } from '@zkit/protocol';

/** One PM2 process as the plugin needs it, parsed once from `pm2.list()`. */
export interface ManagedProcess {
  readonly pmId: number;
  readonly name: string;
  /** 0 when not running. */
  readonly pid: number;
  /** PM2's status: 'online', 'stopping', 'stopped', 'launching', 'errored', 'waiting restart', ... */
  readonly status: string;
  /** PM2's exec_mode without its '_mode' suffix: 'fork' or 'cluster'. */
  readonly execMode: string;
  /** NODE_APP_INSTANCE: 0..instances-1. */
  readonly instance: number;
  /** PM2's restart_time. */
  readonly restarts: number;
  /** The app env's ZK_PORT, else its PORT, when one is a port number (1-65535). */
  readonly envPort: number | undefined;
  /** A PM2 module (`pm2_env.pmx_module`), registered only with `Target.registerModules`. */
  readonly module: boolean;
  /**
   * PM2 lists it as `_old_<pm_id>`: the instance a `pm2 reload` is replacing, still serving until its successor
   * (listed under the pm_id itself) is online.
   */
  readonly replaced: boolean;
}

/** What a process said about itself in a `zkit:register` message. */
export interface Announcement {
  readonly pmId: number;
  /** The app name when it announced: a pm_id reused by another app (after a daemon restart) is not matched. */
  readonly name: string;
  readonly port: number | undefined;
  /**
   * Absolute path of the parent to register under, instead of `<root>/<app name>/servers` (format `zkit`); of the
   * service node instead of `<root>/<app name>` (format `curator`).
   */
  readonly path: string | undefined;
  /** Extra fields for the node's data. */
  readonly extra: JsonObject;
  /**
   * The pid of the process that sent it, once known (`Announcements.applying` ties it to the pid PM2 lists next): a
   * new pid at the pm_id (a restart, a redeploy) must announce again.
   */
  readonly pid?: number;
}

export type NodeName =
  | { readonly kind: 'address'; readonly host: string; readonly port: number }
  /** A process without a port: `pm2-<pm_id>@<host>`, which no `host:port` parser takes for an address. */
  | { readonly kind: 'process'; readonly host: string; readonly pmId: number }
  /**
   * A Curator instance (format `curator`): one per process, named `pm2-<pm_id>@<host>` like a port-less process
   * (stable while the process lives, whatever its port), its address and port in its JSON.
   */
  | { readonly kind: 'instance'; readonly host: string; readonly port: number; readonly pmId: number };

export interface DesiredNode {
  /** The node's full path: `parent/name`. */
  readonly path: string;
  readonly parent: string;
  readonly name: NodeName;
  /**
   * The app's pid, written as the data's `pid` (it is `data.pid`): the process's own, or for processes sharing
   * the node (a cluster app's instances at one port) the lowest live instance's.
   */
  readonly pid: number;
  readonly data: JsonObject;
}

export interface Skipped {
  readonly pmId: number;
  readonly name: string;
  readonly reason: string;
}

export interface DesiredState {
  /** By full path. */
  readonly nodes: ReadonlyMap<string, DesiredNode>;
  /** Live processes that cannot be registered, to be logged. */
  readonly skipped: readonly Skipped[];
}

export interface Target {
  /** Root of the service tree, e.g. '/services'. */
  readonly root: string;
  /** Host advertised in node names. */
  readonly host: string;
  /** The plugin's own pm_id, never registered. */
  readonly selfPmId: number | undefined;
  /** The include/exclude filter on app names. */
  readonly accepts: (name: string) => boolean;
  /** How the nodes are written (`PluginConfig.format`). @default 'zkit' */
  readonly format?: ServiceFormat;
  /** Whether PM2 modules are registered too (`PluginConfig.registerModules`). @default false */
  readonly registerModules?: boolean;
}

/** Fields the plugin writes; an announcement's extra fields of the same names are ignored. */
export const RESERVED_FIELDS: readonly string[] = [
  'pid',
  'pids',
  'pm_id',
  'pm_ids',
  'name',
  'instance',
  'exec_mode',
  'restarts',
];

/**
 * The nodes the tree should hold. Format `zkit`: one per (parent, address) of every online process the filter
 * accepts; processes of one app at one address (a cluster app's instances sharing its port) share a node listing
 * all their pids. Format `curator`: one instance per process (Curator's readers balance over instances, so each
 * cluster worker is one), under the service node `<root>/<app name>`; a process without a port is skipped, since
 * a Curator instance is an address to call.
 */
export function desiredNodes(
  processes: readonly ManagedProcess[],
  announcements: ReadonlyMap<number, Announcement>,
  target: Target,
): DesiredState {
  const groups = new Map<string, { parent: string; name: NodeName; members: Member[] }>();
  const skipped: Skipped[] = [];
  const curator = target.format === 'curator';
  for (const process of processes) {
    if (!isCandidate(process, target)) continue;
    const skip = (reason: string) => skipped.push({ pmId: process.pmId, name: process.name, reason });
    if (!isNodeNameSegment(process.name)) {
      skip('the app name is not a valid node name');
      continue;
    }
    const said = announcements.get(process.pmId);
    const announcement = said?.name === process.name ? said : undefined;
    const service = curator ? process.name : `${process.name}/servers`;
    const parent = announcement?.path ?? joinPath(target.root, service);
    const port = announcement?.port ?? process.envPort;
    let name: NodeName;
    if (curator) {
      if (port === undefined) {
        skip('it has no port (a Curator instance needs one): set PORT or ZK_PORT, or announce it');
        continue;
      }
      name = { kind: 'instance', host: target.host, port, pmId: process.pmId };
    } else if (port === undefined) name = { kind: 'process', host: target.host, pmId: process.pmId };
    else name = { kind: 'address', host: target.host, port };
    const path = joinPath(parent, nodeName(name));
    const group = groups.get(path) ?? { parent, name, members: [] };
    group.members.push({ process, extra: announcement?.extra ?? {} });
    groups.set(path, group);
  }
  const nodes = new Map<string, DesiredNode>();
  for (const [path, group] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
    const { pid, data } = nodeData(group.members);
    nodes.set(path, { path, parent: group.parent, name: group.name, pid, data });
  }
  return { nodes, skipped };
}

/**
 * The processes to ask to announce again (`zkit:announce`) once the plugin has (re)subscribed to PM2's bus: every
 * live one the plugin would register that it has not heard announce since, by pm_id and app name. An app that
 * announced before the subscription was not heard; an announcement kept from an earlier run or an earlier daemon
 * may be stale. An app that never answers keeps what is known (its env port, a kept announcement, or none).
 */
export function awaitingAnnouncement(
  processes: readonly ManagedProcess[],
  heard: ReadonlyMap<number, string>,
  target: Target,
): ManagedProcess[] {
  return processes.filter(
    (process) =>
      isCandidate(process, target) &&
      isNodeNameSegment(process.name) &&
      heard.get(process.pmId) !== process.name,
  );
}

/**
 * A live process, not the plugin itself, that the filter accepts: registered if its app name is a valid node name
 * (`isNodeNameSegment`), else skipped.
 */
function isCandidate(process: ManagedProcess, target: Target): boolean {
  return (
    isLive(process) &&
    process.pmId !== target.selfPmId &&
    (!process.module || target.registerModules === true) &&
    target.accepts(process.name)
  );
}

interface Member {
  readonly process: ManagedProcess;
  readonly extra: JsonObject;
}

/** Only a running process gets traffic: 'stopping' is already on its way out, 'launching' has no pid yet. */
function isLive(process: ManagedProcess): boolean {
  return process.status === 'online' && process.pid > 0;
}

/**
 * zc.zk's data `{ pid, ... }` for the first (lowest) instance, plus `pids`/`pm_ids` of every process at the
 * address; `restarts` is their total, so any member's restart shows. Extra fields come from the announcements,
 * the lowest instance's winning a conflict.
 */
function nodeData(members: readonly Member[]): { pid: number; data: JsonObject } {
  const sorted = [...members].sort(
    (a, b) => a.process.instance - b.process.instance || a.process.pmId - b.process.pmId,
  );
  const first = sorted[0]!.process;
  const extra: JsonObject = {};
  for (const member of [...sorted].reverse()) {
    for (const [key, value] of Object.entries(member.extra)) {
      if (!RESERVED_FIELDS.includes(key)) extra[key] = value;
    }
  }
  const data: JsonObject = {
    pid: first.pid,
    pm_id: first.pmId,
    name: first.name,
    instance: first.instance,
    exec_mode: first.execMode,
    restarts: sorted.reduce((total, member) => total + member.process.restarts, 0),
    pids: sorted.map((member) => member.process.pid),
    pm_ids: sorted.map((member) => member.process.pmId),
    ...extra,
  };
  return { pid: first.pid, data };
}

/**
 * The node's name: `HOST:PORT` (`[v6]:PORT`); `pm2-<pm_id>@HOST` for a process without a port and for a Curator
 * instance (its id).
 */
export function nodeName(name: NodeName): string {
  const address = addressName([name.host, name.kind === 'process' ? 1 : name.port]);
  if (name.kind === 'address') return address;
  // The host as `addressName` writes it (IPv6 in brackets), without the port.
  return `pm2-${name.pmId}@${address.slice(0, address.lastIndexOf(':'))}`;
}

/** An app name becomes one path segment: not empty, not '.' or '..', no '/', nothing ZooKeeper refuses. */
function isNodeNameSegment(name: string): boolean {
  return (
    name !== '' && name !== '.' && name !== '..' && !name.includes('/') && !ILLEGAL_PATH_CHARS.test(name)
  );
}

/** The steps from the tree as registered to the desired tree. */
export interface Plan {
  /** Paths to unregister. */
  readonly remove: readonly string[];
  /** New nodes. */
  readonly add: readonly DesiredNode[];
  /**
   * Nodes whose data changed (a new pid, a restart, an instance more or less), or whose name did at the same path
   * (a Curator instance's port): updated in place, so watchers never see the node missing for a data change.
   */
  readonly update: readonly DesiredNode[];
}

/** What the plan compares of a node held: its name (a Curator instance's port is in it) and its data. */
export type Placed = Pick<DesiredNode, 'name' | 'data'>;

export function diff(current: ReadonlyMap<string, Placed>, desired: ReadonlyMap<string, DesiredNode>): Plan {
  const remove = [...current.keys()].filter((path) => !desired.has(path)).sort();
  const add: DesiredNode[] = [];
  const update: DesiredNode[] = [];
  for (const node of desired.values()) {
    const held = current.get(node.path);
    if (held === undefined) add.push(node);
    else if (!isDeepStrictEqual(held.data, node.data) || !isDeepStrictEqual(held.name, node.name))
      update.push(node);
  }
  return { remove, add, update };
}

export function isEmptyPlan(plan: Plan): boolean {
  return plan.remove.length === 0 && plan.add.length === 0 && plan.update.length === 0;
}
