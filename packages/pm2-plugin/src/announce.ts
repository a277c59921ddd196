// The app side of the announcement protocol, free of dependencies so that an app can import it alone
// (`pm2-zkit/announce`) without loading the plugin, pino or pm2:
//
//   app    --process.send({ type: 'zkit:register', data: { port, ...extra } })--> PM2 --bus--> plugin
//   plugin --pm2.sendDataToProcessId(pm_id, { type: 'zkit:announce', topic: 'zkit:announce', data: {} })--> app
//   app    --the same zkit:register message again--> ...
//
// The plugin asks when it has just subscribed to PM2's bus (it starts, or reconnects to a restarted daemon): an
// app that announced before that was not heard.

/** The message an app sends: `{ type: 'zkit:register', data: { port, path?, ...extra } }`. */
export const ANNOUNCE_TYPE = 'zkit:register';

/** The request the plugin sends an app through PM2 (`sendDataToProcessId`): announce again. */
export const ANNOUNCE_REQUEST_TYPE = 'zkit:announce';

/** Stops answering the plugin's requests. `stop()` twice is harmless. */
export interface AnnounceHandle extends Disposable {
  stop(): void;
}

/** Is this IPC message the plugin's request to announce again? PM2 delivers `{ type, topic, data, id }`. */
export function isAnnounceRequest(message: unknown): boolean {
  if (typeof message !== 'object' || message === null) return false;
  const { type, topic } = message as { type?: unknown; topic?: unknown };
  return type === ANNOUNCE_REQUEST_TYPE || topic === ANNOUNCE_REQUEST_TYPE;
}

/** What announcePort uses of `process`; tests pass an EventEmitter. */
export interface IpcProcess {
  readonly connected?: boolean;
  send?: ((message: unknown, callback: (error: Error | null) => void) => boolean) | undefined;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  off(event: 'message', listener: (message: unknown) => void): unknown;
  readonly channel?: unknown;
}

/**
 * Node's IPC channel keeps a process alive while it has a 'message' listener (it counts them). These two calls,
 * on the channel of `process.channel` in Node 14 and later, adjust that count, so the listener keeps nothing alive.
 */
interface RefCountedChannel {
  refCounted(): void;
  unrefCounted(): void;
}

/** The answering handle of each process, so that a new call replaces the old one. */
const current = new WeakMap<object, AnnounceHandle>();

/**
 * Tells pm2-zkit the port this process serves on, now and whenever the plugin asks again (after it starts or
 * reconnects to PM2). Does nothing without an IPC channel (a plain `node` run). The listener it adds keeps no
 * event loop alive: a process that closes its servers on SIGINT/SIGTERM still exits by itself. A later call
 * replaces the earlier one (one announcement per process). A `port` that is not an integer 1-65535 throws a
 * RangeError with `code` 'INVALID_PORT', inside PM2 or not, and sends nothing (an earlier announcement stays).
 *
 * ```js
 * server.listen(0, () => announcePort(server.address().port, { version: '1.2.3' }));
 * ```
 */
export function announcePort(
  port: number,
  extra: Readonly<Record<string, unknown>> = {},
  target: IpcProcess = process as unknown as IpcProcess,
): AnnounceHandle {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw invalidPort(port);
  current.get(target)?.stop();
  const handle = answerRequests(target, { type: ANNOUNCE_TYPE, data: { ...extra, port } });
  current.set(target, handle);
  return handle;
}

/** Built here, not a PluginError: this module loads nothing else. */
function invalidPort(port: unknown): RangeError & { readonly code: 'INVALID_PORT' } {
  return Object.assign(
    new RangeError(
      `announcePort: ${typeof port === 'string' ? JSON.stringify(port) : String(port)} is not a port number (an integer 1-65535)`,
    ),
    { code: 'INVALID_PORT' } as const,
  );
}

/** Sends `message` now and again on each announce request, until stopped. */
function answerRequests(target: IpcProcess, message: unknown): AnnounceHandle {
  const send = () => {
    if (target.send === undefined || target.connected === false) return;
    try {
      // With a callback, a channel closed meanwhile is reported to it rather than as an 'error' event.
      target.send(message, () => {});
    } catch {
      // The parent went away between the check and the send: nothing to tell any more.
    }
  };
  send();
  if (target.send === undefined) return { stop() {}, [Symbol.dispose]() {} };
  const listener = (received: unknown) => {
    if (isAnnounceRequest(received)) send();
  };
  // Kept from now on: process.channel is null once disconnected, yet the count must be put back on stop().
  const channel = refCounted(target.channel);
  target.on('message', listener);
  channel?.unrefCounted();
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    channel?.refCounted();
    target.off('message', listener);
    if (current.get(target) === handle) current.delete(target);
  };
  const handle: AnnounceHandle = { stop, [Symbol.dispose]: stop };
  return handle;
}

function refCounted(channel: unknown): RefCountedChannel | undefined {
  if (typeof channel !== 'object' || channel === null) return undefined;
  const { refCounted, unrefCounted } = channel as Partial<RefCountedChannel>;
  return typeof refCounted === 'function' && typeof unrefCounted === 'function'
    ? (channel as RefCountedChannel)
    : undefined;
}
