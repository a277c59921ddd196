// PM2's process list entries and bus packets, parsed from `unknown` once. Pure: tested with shapes captured from
// a PM2 7 daemon, without one.

import { isPlainObject } from '@zkit/protocol';
import { ANNOUNCE_TYPE } from './announce.js';
import { PluginError } from './errors.js';
import type { ManagedProcess } from './reconcile.js';

export type Pm2Event =
  /** A process changed: `event` is PM2's ('online', 'exit', 'stop', 'delete', 'restart', ...). */
  | { readonly type: 'process'; readonly event: string; readonly pmId: number; readonly name: string }
  /** A process sent a `zkit:register` message; `data` is unparsed. */
  | { readonly type: 'announce'; readonly pmId: number; readonly name: string; readonly data: unknown }
  /** The bus connection to the daemon was lost ('down') or came back ('up'): PM2 may have changed meanwhile. */
  | { readonly type: 'bus'; readonly state: 'down' | 'up' };

const OLD_PREFIX = '_old_';

/** Parses `pm2.list()`: entries that are not processes (or lack a pm_id or name) are left out. */
export function parseProcessList(raw: unknown): ManagedProcess[] {
  if (!Array.isArray(raw)) throw new PluginError('PM2_ERROR', 'PM2 listed something that is not a list');
  return raw.flatMap((entry: unknown) => {
    const process = parseProcess(entry);
    return process === undefined ? [] : [process];
  });
}

export function parseProcess(raw: unknown): ManagedProcess | undefined {
  if (!isPlainObject(raw) || !isPlainObject(raw.pm2_env)) return undefined;
  const env = raw.pm2_env;
  const rawId = raw.pm_id ?? env.pm_id;
  const old = isParked(rawId);
  const pmId = parsePmId(rawId);
  const name = raw.name ?? env.name;
  if (pmId === undefined || typeof name !== 'string') return undefined;
  // The app's own variables are in pm2_env.env; PM2 also copies them to pm2_env's top level.
  const appEnv = isPlainObject(env.env) ? env.env : env;
  const instanceVar = typeof env.instance_var === 'string' ? env.instance_var : 'NODE_APP_INSTANCE';
  return {
    pmId,
    name,
    pid: toInteger(raw.pid) ?? 0,
    status: typeof env.status === 'string' ? env.status : 'unknown',
    execMode: typeof env.exec_mode === 'string' ? env.exec_mode.replace(/_mode$/, '') : 'fork',
    instance: toInteger(env[instanceVar] ?? appEnv[instanceVar]) ?? 0,
    restarts: toInteger(env.restart_time) ?? 0,
    envPort: toPort(appEnv.ZK_PORT ?? env.ZK_PORT) ?? toPort(appEnv.PORT ?? env.PORT),
    module: env.pmx_module === true,
    replaced: old,
  };
}

/** `process:event` packets: `{ event, manually, process: { pm_id, name, ... }, at }`. */
export function parseProcessEvent(packet: unknown): Pm2Event | undefined {
  if (!isPlainObject(packet) || typeof packet.event !== 'string') return undefined;
  const source = processOf(packet);
  return source && { type: 'process', event: packet.event, ...source };
}

/**
 * `process.send({ type: 'zkit:register', data })` reaches the bus as an event named after its `type` (not
 * 'process:msg'), with the packet `{ data, process, at }`.
 */
export function parseAnnouncePacket(packet: unknown): Pm2Event | undefined {
  if (!isPlainObject(packet)) return undefined;
  const source = processOf(packet);
  return source && { type: 'announce', ...source, data: packet.data };
}

/** PM2 forwards a message without `data` (`{ type: 'zkit:register' }` alone) as 'process:msg' `{ raw }`. */
export function parseRawMessage(packet: unknown): Pm2Event | undefined {
  if (!isPlainObject(packet) || !isPlainObject(packet.raw) || packet.raw.type !== ANNOUNCE_TYPE)
    return undefined;
  const source = processOf(packet);
  return source && { type: 'announce', ...source, data: packet.raw.data ?? {} };
}

function processOf(packet: Record<string, unknown>): { pmId: number; name: string } | undefined {
  const process = packet.process;
  if (!isPlainObject(process)) return undefined;
  const pmId = parsePmId(process.pm_id);
  return pmId === undefined || typeof process.name !== 'string' ? undefined : { pmId, name: process.name };
}

/** During `pm2 reload`, the instance being replaced is parked as '_old_<pm_id>' until its successor listens. */
function isParked(pmId: unknown): pmId is string {
  return typeof pmId === 'string' && pmId.startsWith(OLD_PREFIX);
}

/** A pm_id, the parked instance's (`_old_<pm_id>`) too. */
function parsePmId(pmId: unknown): number | undefined {
  return toInteger(isParked(pmId) ? pmId.slice(OLD_PREFIX.length) : pmId);
}

function toInteger(value: unknown): number | undefined {
  const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  return typeof number === 'number' && Number.isSafeInteger(number) && number >= 0 ? number : undefined;
}

function toPort(value: unknown): number | undefined {
  const port = toInteger(value);
  return port !== undefined && port >= 1 && port <= 65535 ? port : undefined;
}
