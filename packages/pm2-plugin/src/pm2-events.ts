// The PM2 side: the daemon's RPC (list) and its event bus, typed from `unknown` here and nowhere else.
//
//   app --process.send({type:'zkit:register'})--> PM2 daemon --bus 'zkit:register'------> plugin
//   PM2 daemon --bus 'process:event' (online, exit, stop, delete, restart...)-----------> plugin
//   plugin --pm2.list() (RPC)--> PM2 daemon: the pids (bus packets carry none)
import pm2 from 'pm2';
import { ANNOUNCE_TYPE } from './announcements.js';
import { PluginError } from './errors.js';
import type { ManagedProcess } from './reconcile.js';

export type Pm2Event =
  /** A process changed: `event` is PM2's ('online', 'exit', 'stop', 'delete', 'restart', ...). */
  | { readonly type: 'process'; readonly event: string; readonly pmId: number; readonly name: string }
  /** A process sent a `zkit:register` message; `data` is unparsed. */
  | { readonly type: 'announce'; readonly pmId: number; readonly name: string; readonly data: unknown }
  /** The bus connection to the daemon was lost ('down') or came back ('up'): PM2 may have changed meanwhile. */
  | { readonly type: 'bus'; readonly state: 'down' | 'up' };

export interface Pm2Link {
  /** The daemon's process list, parsed; rejects PM2_ERROR (also when the daemon does not answer in time). */
  list(): Promise<ManagedProcess[]>;
  /** Disconnects from the daemon (the daemon and its apps carry on). */
  close(): Promise<void>;
}

export interface Pm2LinkOptions {
  /** How long `list()` waits for the daemon, which queues calls while it is unreachable. @default 5000 */
  readonly listTimeout?: number;
}

/** What the plugin uses of pm2's API. pm2's own types give the bus as `any` and `disconnect` no callback. */
interface Pm2Api {
  connect(callback: (error: unknown) => void): void;
  list(callback: (error: unknown, list: unknown) => void): void;
  launchBus(callback: (error: unknown, bus: unknown, socket: unknown) => void): void;
  disconnect(callback: (error: unknown) => void): void;
}

interface Emitter {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
}

const api = pm2 as unknown as Pm2Api;

/**
 * Connects to the PM2 daemon of `PM2_HOME` (pm2's API reads it at import time; PM2 sets it for its processes) and
 * subscribes to its bus. Events reach `onEvent` in the bus's order.
 */
export async function connectPm2(
  onEvent: (event: Pm2Event) => void,
  options: Pm2LinkOptions = {},
): Promise<Pm2Link> {
  const listTimeout = options.listTimeout ?? 5000;
  await callback<void>((done) => api.connect((error) => done(error, undefined)), 'connect to the PM2 daemon');
  const [bus, socket] = await callback<[unknown, unknown]>(
    (done) => api.launchBus((error, bus, socket) => done(error, [bus, socket])),
    'open the PM2 bus',
  );
  if (!isEmitter(bus) || !isEmitter(socket)) throw new PluginError('PM2_ERROR', 'PM2 gave no usable bus');
  bus.on('process:event', (packet) => emit(onEvent, parseProcessEvent(packet)));
  bus.on(ANNOUNCE_TYPE, (packet) => emit(onEvent, parseAnnouncePacket(packet)));
  bus.on('process:msg', (packet) => emit(onEvent, parseRawMessage(packet)));
  // axon's sub socket reconnects by itself; 'connect' after the first means the daemon is back (maybe a new
  // daemon, after `pm2 update`), and its list must be read again.
  socket.on('reconnect attempt', () => emit(onEvent, { type: 'bus', state: 'down' }));
  socket.on('connect', () => emit(onEvent, { type: 'bus', state: 'up' }));
  return {
    list: () =>
      withTimeout(
        callback<unknown>((done) => api.list((error, list) => done(error, list)), 'list PM2 processes'),
        listTimeout,
        'list PM2 processes',
      ).then(parseProcessList),
    close: () =>
      callback<void>((done) => api.disconnect((error) => done(error, undefined)), 'disconnect from PM2'),
  };
}

function emit(onEvent: (event: Pm2Event) => void, event: Pm2Event | undefined): void {
  if (event !== undefined) onEvent(event);
}

/** Parses `pm2.list()`: entries that are not processes (or lack a pm_id or name) are left out. */
export function parseProcessList(raw: unknown): ManagedProcess[] {
  if (!Array.isArray(raw)) throw new PluginError('PM2_ERROR', 'PM2 listed something that is not a list');
  return raw.flatMap((entry: unknown) => {
    const process = parseProcess(entry);
    return process === undefined ? [] : [process];
  });
}

export function parseProcess(raw: unknown): ManagedProcess | undefined {
  if (!isRecord(raw) || !isRecord(raw.pm2_env)) return undefined;
  const env = raw.pm2_env;
  const pmId = toInteger(raw.pm_id ?? env.pm_id);
  const name = raw.name ?? env.name;
  if (pmId === undefined || typeof name !== 'string') return undefined;
  // The app's own variables are in pm2_env.env; PM2 also copies them to pm2_env's top level.
  const appEnv = isRecord(env.env) ? env.env : env;
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
  };
}

/** `process:event` packets: `{ event, manually, process: { pm_id, name, ... }, at }`. */
export function parseProcessEvent(packet: unknown): Pm2Event | undefined {
  if (!isRecord(packet) || typeof packet.event !== 'string') return undefined;
  const source = processOf(packet);
  return source && { type: 'process', event: packet.event, ...source };
}

/** `process.send({ type: 'zkit:register', data })` reaches the bus as event 'zkit:register', `{ data, process }`. */
export function parseAnnouncePacket(packet: unknown): Pm2Event | undefined {
  if (!isRecord(packet)) return undefined;
  const source = processOf(packet);
  return source && { type: 'announce', ...source, data: packet.data };
}

/** PM2 forwards a message without `data` (`{ type: 'zkit:register' }` alone) as 'process:msg' `{ raw }`. */
export function parseRawMessage(packet: unknown): Pm2Event | undefined {
  if (!isRecord(packet) || !isRecord(packet.raw) || packet.raw.type !== ANNOUNCE_TYPE) return undefined;
  const source = processOf(packet);
  return source && { type: 'announce', ...source, data: packet.raw.data ?? {} };
}

function processOf(packet: Record<string, unknown>): { pmId: number; name: string } | undefined {
  const process = packet.process;
  if (!isRecord(process)) return undefined;
  const pmId = toInteger(process.pm_id);
  return pmId === undefined || typeof process.name !== 'string' ? undefined : { pmId, name: process.name };
}

function toInteger(value: unknown): number | undefined {
  const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  return typeof number === 'number' && Number.isSafeInteger(number) && number >= 0 ? number : undefined;
}

function toPort(value: unknown): number | undefined {
  const port = toInteger(value);
  return port !== undefined && port >= 1 && port <= 65535 ? port : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isEmitter(value: unknown): value is Emitter {
  return isRecord(value) && typeof value.on === 'function';
}

function callback<T>(run: (done: (error: unknown, value: T) => void) => void, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    run((error, value) => {
      if (error) reject(new PluginError('PM2_ERROR', `cannot ${what}: ${message(error)}`, { cause: error }));
      else resolve(value);
    });
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new PluginError('PM2_ERROR', `PM2 did not ${what} within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
