import zookeeper from 'node-zookeeper-client';
import { describe, expect, it } from 'vitest';
import { failQueued } from './fail-queued.js';

describe('failQueued', () => {
  it('answers CONNECTION_LOSS to the requests a client queued but never wrote, which the library would keep forever', async () => {
    // Never connected: requests wait in the library's packetQueue, which neither close() nor an expiry empties
    // (cleanupPendingQueue answers only the requests already written).
    const client = zookeeper.createClient('127.0.0.1:1', { retries: 0 });
    client.connect();
    const answer = new Promise<unknown>((resolve) => client.getData('/a', (error) => resolve(error)));
    expect(failQueued(client)).toBe(1);
    const error = await answer;
    expect(error).toBeInstanceOf(zookeeper.Exception);
    expect((error as zookeeper.Exception).getCode()).toBe(zookeeper.Exception.CONNECTION_LOSS);
    // The library's close() throws while it has no socket (it writes its closeSession at once); it stops anyway.
    expect(() => client.close()).toThrow();
  });
});
