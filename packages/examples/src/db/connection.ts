import { connect, type Socket } from 'node:net';
import type { JsonValue } from '@zkit/client';
import { DbError } from './errors.js';
import { type DbOperation, type DbResponse, lineReader, parseResponse } from './protocol.js';

interface Pending {
  resolve(value: JsonValue): void;
  reject(error: DbError): void;
}

/** How long to wait for a TCP connection to a provider before trying another. */
const CONNECT_TIMEOUT_MS = 2000;

/**
 * One TCP connection to one provider. Requests are matched to answers by id. When the connection ends, calls
 * still waiting reject with CONNECTION_LOST: whether the server applied them is unknown, so they are not resent.
 */
export class ProviderConnection {
  #nextId = 1;
  readonly #pending = new Map<number, Pending>();
  #retiring = false;
  readonly closed: Promise<void>;

  private constructor(
    readonly address: string,
    private readonly socket: Socket,
  ) {
    socket.on(
      'data',
      lineReader(
        (line) => this.#onLine(line),
        () => socket.destroy(),
      ),
    );
    this.closed = new Promise((resolve) => {
      socket.on('close', () => {
        this.#failPending();
        resolve();
      });
    });
    // An 'error' is always followed by 'close', which is where pending calls are failed.
    socket.on('error', () => {});
  }

  /** Connects to `host:port`; rejects with CONNECT_FAILED when it is refused or too slow. */
  static open(address: string): Promise<ProviderConnection> {
    const colon = address.lastIndexOf(':');
    const host = address.slice(0, colon);
    const port = Number(address.slice(colon + 1));
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port, timeout: CONNECT_TIMEOUT_MS });
      const fail = (cause: unknown) => {
        socket.destroy();
        reject(new DbError('CONNECT_FAILED', `cannot connect to provider ${address}`, { cause }));
      };
      socket.once('error', fail);
      socket.once('timeout', () => fail(new Error('connect timeout')));
      socket.once('connect', () => {
        socket.off('error', fail);
        socket.setTimeout(0);
        socket.removeAllListeners('timeout');
        resolve(new ProviderConnection(address, socket));
      });
    });
  }

  get open(): boolean {
    return !this.socket.destroyed && !this.#retiring;
  }

  request(operation: DbOperation): Promise<JsonValue> {
    if (!this.open)
      return Promise.reject(new DbError('CONNECTION_LOST', `connection to ${this.address} is closed`));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.socket.write(`${JSON.stringify({ ...operation, id })}\n`);
    });
  }

  /** Takes no new requests; closes once those in flight are answered, so a switch loses nothing. */
  retire(): void {
    this.#retiring = true;
    if (this.#pending.size === 0) this.socket.end();
  }

  #onLine(line: string): void {
    const response: DbResponse | undefined = parseResponse(line);
    const pending = response && this.#pending.get(response.id);
    if (response === undefined || pending === undefined) {
      this.socket.destroy();
      return;
    }
    this.#pending.delete(response.id);
    if (response.ok) pending.resolve(response.value);
    else pending.reject(new DbError('REMOTE_ERROR', `${this.address}: ${response.error}`));
    if (this.#retiring && this.#pending.size === 0) this.socket.end();
  }

  #failPending(): void {
    for (const pending of this.#pending.values()) {
      pending.reject(new DbError('CONNECTION_LOST', `connection to ${this.address} lost before the answer`));
    }
    this.#pending.clear();
  }
}
