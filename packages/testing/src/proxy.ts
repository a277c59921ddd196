import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { TestingError } from './errors.js';

/**
 * A TCP proxy on 127.0.0.1 in front of one ZooKeeper server, for network faults a real server cannot stage on
 * demand: connect a client through `connectString`, then drop its connection or partition it.
 *
 *   client ──▶ proxy (127.0.0.1:port) ──▶ target
 *          ◀──                        ◀──
 *
 * Each accepted connection gets its own upstream connection; bytes are forwarded as they come, both ways.
 */
export interface ProxyHandle extends AsyncDisposable {
  /** `127.0.0.1:<port>`: give this to the client instead of the server's address. */
  readonly connectString: string;
  readonly port: number;
  /** Client connections open now. */
  readonly connections: number;
  /** Client connections accepted since the start (a reconnect adds one). */
  readonly accepted: number;
  /** True between `pause()` and `resume()`. */
  readonly paused: boolean;
  /**
   * Resets every open connection, both ends, at once: the client sees its connection lost (and reconnects,
   * through the proxy again), the server sees the client go. New connections are accepted as before.
   */
  dropConnections(): void;
  /**
   * A network partition: nothing is forwarded either way, and nothing is closed. Bytes sent meanwhile wait in the
   * socket buffers (TCP flow control bounds them) and flow on `resume()`, as after a healed partition; a close
   * from either side waits too. Connections accepted while paused are held the same way.
   */
  pause(): void;
  resume(): void;
  /** Stops listening and resets every connection. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts a proxy to `target` (`host:port`) on a free port of 127.0.0.1. It never keeps the process alive on its
 * own (its server and sockets are unref'd), and `close()` leaves nothing open.
 */
export async function startProxy(target: string): Promise<ProxyHandle> {
  const upstream = parseTarget(target);
  const proxy = new TcpProxy(upstream);
  await proxy.listen();
  return proxy;
}

interface Target {
  readonly host: string;
  readonly port: number;
}

function parseTarget(target: string): Target {
  const match = /^\[?([^\],/]+?)\]?:(\d{1,5})$/.exec(target);
  const port = Number(match?.[2]);
  if (!match?.[1] || !Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new TestingError(
      'INVALID_OPTIONS',
      `startProxy needs one host:port, not ${JSON.stringify(target)}`,
    );
  }
  return { host: match[1], port };
}

/** One client connection and its upstream twin. */
class Pair {
  constructor(
    readonly client: Socket,
    readonly server: Socket,
  ) {}

  /** Forwards with backpressure: a side whose peer's buffer is full stops reading until it drains. */
  forward(isPaused: () => boolean): void {
    for (const [from, to] of [
      [this.client, this.server],
      [this.server, this.client],
    ] as const) {
      from.on('data', (chunk: Buffer) => {
        if (!to.write(chunk)) from.pause();
      });
      to.on('drain', () => {
        if (!isPaused()) from.resume();
      });
    }
  }

  pause(): void {
    this.client.pause();
    this.server.pause();
  }

  resume(): void {
    this.client.resume();
    this.server.resume();
  }

  reset(): void {
    for (const socket of [this.client, this.server]) {
      if (socket.destroyed) continue;
      // RST, as a dead link or a killed peer sends; a socket still connecting has nothing to reset.
      if (socket.connecting) socket.destroy();
      else socket.resetAndDestroy();
    }
  }

  /** One side closed: an error is passed on as a reset, an orderly close as an orderly one (its last bytes flush). */
  passOnClose(closed: Socket, hadError: boolean): void {
    const other = closed === this.client ? this.server : this.client;
    if (other.destroyed) return;
    if (hadError) {
      this.reset();
      return;
    }
    other.end();
    // Bounded: a peer that never answers the FIN is cut off.
    setTimeout(() => other.destroy(), CLOSE_GRACE_MS).unref();
  }
}

/** How long a connection whose twin closed may take to close in turn. */
const CLOSE_GRACE_MS = 2000;

class TcpProxy implements ProxyHandle {
  readonly #server: Server;
  readonly #pairs = new Set<Pair>();
  /** Closes that happened during a partition, passed on when it heals. */
  #held: (() => void)[] = [];
  #port = 0;
  #accepted = 0;
  #paused = false;
  #closing: Promise<void> | undefined;

  constructor(private readonly target: Target) {
    this.#server = createServer({ pauseOnConnect: true }, (socket) => this.#accept(socket));
    this.#server.unref();
  }

  get connectString(): string {
    return `127.0.0.1:${this.#port}`;
  }

  get port(): number {
    return this.#port;
  }

  get connections(): number {
    let open = 0;
    for (const pair of this.#pairs) if (!pair.client.destroyed) open++;
    return open;
  }

  get accepted(): number {
    return this.#accepted;
  }

  get paused(): boolean {
    return this.#paused;
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen({ host: '127.0.0.1', port: 0 }, () => {
        this.#server.off('error', reject);
        const address = this.#server.address();
        if (address !== null && typeof address === 'object') this.#port = address.port;
        resolve();
      });
    });
  }

  dropConnections(): void {
    for (const pair of [...this.#pairs]) pair.reset();
  }

  pause(): void {
    this.#paused = true;
    for (const pair of this.#pairs) pair.pause();
  }

  resume(): void {
    this.#paused = false;
    for (const pair of this.#pairs) pair.resume();
    const held = this.#held;
    this.#held = [];
    for (const passOn of held) passOn();
  }

  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#held = [];
      this.dropConnections();
    });
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #whenForwarding(action: () => void): void {
    if (this.#paused) this.#held.push(action);
    else action();
  }

  #accept(client: Socket): void {
    if (this.#closing) {
      client.destroy();
      return;
    }
    this.#accepted++;
    const server = tcpConnect({ host: this.target.host, port: this.target.port });
    const pair = new Pair(client, server);
    this.#pairs.add(pair);
    for (const socket of [client, server]) {
      socket.unref();
      socket.setNoDelay(true);
      // 'close' follows every 'error' and passes it on as a reset; this listener only keeps it from throwing.
      socket.on('error', () => {});
      // Either side closing closes the other: the proxy is invisible, so each side sees what the other did. A
      // paused stream still reports its end (once its buffer is empty), so while partitioned the close waits.
      socket.on('close', (hadError) => {
        if (client.destroyed && server.destroyed) this.#pairs.delete(pair);
        this.#whenForwarding(() => pair.passOnClose(socket, hadError));
      });
    }
    pair.forward(() => this.#paused);
    // pauseOnConnect held the client until now; the upstream socket starts flowing once it has a 'data' listener.
    if (this.#paused) pair.pause();
    else client.resume();
  }
}
