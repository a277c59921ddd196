// The PM2 side: the daemon's RPC (list) and its event bus; what they carry is parsed in pm2-packets.ts.
//
//   app --process.send({type:'zkit:register'})--> PM2 daemon --bus 'zkit:register'------> plugin
//   PM2 daemon --bus 'process:event' (online, exit, stop, delete, restart...)-----------> plugin
//   plugin --pm2.list() (RPC)--> PM2 daemon: the pids (bus packets carry none)
//   plugin --pm2.sendDataToProcessId (RPC)--> PM2 daemon --IPC {type:'zkit:announce'}--> app: announce again
import { ANNOUNCE_REQUEST_TYPE, ANNOUNCE_TYPE } from './announce.js';
import { DEFAULTS } from './config.js';
import { PluginError } from './errors.js';
import {
  type Pm2Event,
  parseAnnouncePacket,
  parseProcessEvent,
  parseProcessList,
  parseRawMessage,
} from './pm2-packets.js';
import type { ManagedProcess } from './reconcile.js';

export type { Pm2Event } from './pm2-packets.js';

export interface Pm2Link {
  /** The daemon's process list, parsed; rejects PM2_ERROR (also when the daemon does not answer in time). */
  list(): Promise<ManagedProcess[]>;
  /**
   * Asks a process to send its `zkit:register` message again. Resolves once PM2 has passed the request on (not
   * when the app answers: one that does not listen just ignores it); rejects PM2_ERROR when PM2 cannot (the
   * process is gone or offline, it has no IPC channel, the daemon does not answer in time).
   */
  askToAnnounce(pmId: number): Promise<void>;
  /** Disconnects from the daemon (the daemon and its apps carry on). */
  close(): Promise<void>;
}

export interface Pm2LinkOptions {
  /**
   * How long `list()` waits for the daemon, which queues calls while it is unreachable.
   * @default DEFAULTS.listTimeout (5000)
   */
  readonly listTimeout?: number;
}

/** What the plugin uses of pm2's API. pm2's own types give the bus as `any` and `disconnect` no callback. */
interface Pm2Api {
  connect(callback: (error: unknown) => void): void;
  list(callback: (error: unknown, list: unknown) => void): void;
  launchBus(callback: (error: unknown, bus: unknown, socket: unknown) => void): void;
  sendDataToProcessId(pmId: number, packet: AnnounceRequest, callback: (error: unknown) => void): void;
  disconnect(callback: (error: unknown) => void): void;
}

/** PM2 requires `topic` and `data`, adds `id`, and hands the whole packet to the process as its message. */
export interface AnnounceRequest {
  readonly type: typeof ANNOUNCE_REQUEST_TYPE;
  readonly topic: typeof ANNOUNCE_REQUEST_TYPE;
  readonly data: Record<string, never>;
}

interface Emitter {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
}

/**
 * pm2's API reads PM2_HOME (and creates its folders) when first imported: imported on first connect, so that
 * importing pm2-zkit touches nothing and PM2_HOME may be set up to the moment of connecting.
 */
async function loadPm2(): Promise<Pm2Api> {
  const { default: pm2 } = await import('pm2');
  return pm2 as unknown as Pm2Api;
}

/**
 * Connects to the PM2 daemon of `PM2_HOME` (PM2 sets it for its processes; else ~/.pm2) and subscribes to its
 * bus. Events reach `onEvent` in the bus's order.
 */
export async function connectPm2(
  onEvent: (event: Pm2Event) => void,
  options: Pm2LinkOptions = {},
): Promise<Pm2Link> {
  const listTimeout = options.listTimeout ?? DEFAULTS.listTimeout;
  const api = await loadPm2();
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
    askToAnnounce: (pmId) =>
      withTimeout(
        callback<void>(
          (done) =>
            // A fresh packet each time: PM2 writes the pm_id into it.
            api.sendDataToProcessId(pmId, announceRequest(), (error) => done(error, undefined)),
          `ask process ${pmId} to announce`,
        ),
        listTimeout,
        `pass the announce request to process ${pmId} on`,
      ),
    close: () =>
      callback<void>((done) => api.disconnect((error) => done(error, undefined)), 'disconnect from PM2'),
  };
}

function announceRequest(): AnnounceRequest {
  return { type: ANNOUNCE_REQUEST_TYPE, topic: ANNOUNCE_REQUEST_TYPE, data: {} };
}

function emit(onEvent: (event: Pm2Event) => void, event: Pm2Event | undefined): void {
  if (event !== undefined) onEvent(event);
}

function isEmitter(value: unknown): value is Emitter {
  return typeof value === 'object' && value !== null && typeof (value as Partial<Emitter>).on === 'function';
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
