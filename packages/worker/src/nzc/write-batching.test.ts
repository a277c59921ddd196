import { EventEmitter, once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { Client } from 'node-zookeeper-client';
import zookeeper from 'node-zookeeper-client';
import { afterEach, describe, expect, it } from 'vitest';
import { batchWritesPerTurn } from './write-batching.js';

/**
 * A stand-in for node-zookeeper-client's ConnectionManager, as far as batchWritesPerTurn sees it: a packet queue
 * whose own 'readable' listener writes each packet to the socket at once. The socket and its server are real.
 */
class FakeManager {
  readonly packetQueue = new EventEmitter();
  readonly corkedAtWrite: number[] = [];
  readonly #pending: Buffer[] = [];

  constructor(public socket: Socket | undefined) {
    this.packetQueue.on('readable', () => {
      for (let packet = this.#pending.shift(); packet; packet = this.#pending.shift()) {
        this.corkedAtWrite.push(this.socket?.writableCorked ?? -1);
        this.socket?.write(packet);
      }
    });
  }

  queue(packet: string): void {
    this.#pending.push(Buffer.from(packet));
    this.packetQueue.emit('readable');
  }

  asClient(): Client {
    return { connectionManager: this } as unknown as Client;
  }
}

const servers: Server[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

/** A loopback connection and every chunk its server side reads. */
async function connection(): Promise<{ socket: Socket; chunks: string[] }> {
  const chunks: string[] = [];
  const server = createServer((peer) => peer.on('data', (data) => chunks.push(data.toString())));
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  const socket = connect(address.port, '127.0.0.1');
  sockets.push(socket);
  await once(socket, 'connect');
  return { socket, chunks };
}

async function received(chunks: string[], text: string): Promise<void> {
  for (let i = 0; i < 100 && chunks.join('') !== text; i++) await new Promise((r) => setTimeout(r, 10));
  expect(chunks.join('')).toBe(text);
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(() => setImmediate(resolve)));

describe('batchWritesPerTurn', () => {
  it('corks the socket for the rest of the turn in which a request is queued', async () => {
    const { socket, chunks } = await connection();
    const manager = new FakeManager(socket);
    expect(batchWritesPerTurn(manager.asClient())).toBe(true);

    manager.queue('a');
    manager.queue('b');
    await Promise.resolve(); // a microtask later is still the same turn
    manager.queue('c');
    expect(manager.corkedAtWrite).toEqual([1, 1, 1]);
    expect(socket.writableLength).toBe(3); // held back, not yet written

    await nextTurn();
    expect(socket.writableCorked).toBe(0);
    await received(chunks, 'abc');
  });

  it('corks again in a later turn, once per turn', async () => {
    const { socket, chunks } = await connection();
    const manager = new FakeManager(socket);
    batchWritesPerTurn(manager.asClient());
    manager.queue('a');
    await nextTurn();
    manager.queue('b');
    manager.queue('c');
    expect(manager.corkedAtWrite).toEqual([1, 1, 1]);
    await nextTurn();
    expect(socket.writableCorked).toBe(0);
    await received(chunks, 'abc');
  });

  it('follows the client to the socket of its next connection', async () => {
    const first = await connection();
    const second = await connection();
    const manager = new FakeManager(first.socket);
    batchWritesPerTurn(manager.asClient());
    manager.queue('a');
    manager.socket = second.socket; // reconnected within the turn
    manager.queue('b');
    expect(manager.corkedAtWrite).toEqual([1, 1]);
    await nextTurn();
    expect([first.socket.writableCorked, second.socket.writableCorked]).toEqual([0, 0]);
    await received(first.chunks, 'a');
    await received(second.chunks, 'b');
  });

  it('leaves a destroyed socket, or none, alone', async () => {
    const { socket } = await connection();
    socket.destroy();
    const manager = new FakeManager(socket);
    batchWritesPerTurn(manager.asClient());
    manager.queue('a');
    manager.socket = undefined;
    manager.queue('b');
    expect(manager.corkedAtWrite).toEqual([0, -1]);
  });

  it('finds the internals it needs in the node-zookeeper-client we ship with', () => {
    const client = zookeeper.createClient('127.0.0.1:1'); // never connected
    expect(batchWritesPerTurn(client)).toBe(true);
  });

  it('changes nothing when the client has no such internals', () => {
    expect(batchWritesPerTurn({} as Client)).toBe(false);
    expect(batchWritesPerTurn({ connectionManager: {} } as unknown as Client)).toBe(false);
  });
});
