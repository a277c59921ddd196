import { createServer } from 'node:net';
import zookeeper from 'node-zookeeper-client';
import { expect, it } from 'vitest';
import { closeClient } from './close.js';
import { onSocketErrors } from './socket-errors.js';

/** A port nobody listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

it('tells the listener why a connection failed, which the library itself keeps to itself', async () => {
  const port = await closedPort();
  const client = zookeeper.createClient(`127.0.0.1:${port}`, { spinDelay: 50, retries: 0 });
  const errors: Error[] = [];
  expect(onSocketErrors(client, (error) => errors.push(error))).toBe(true);
  client.connect();
  await expect.poll(() => errors.length, { timeout: 5000 }).toBeGreaterThan(1);
  await closeClient(client, 0);
  expect(errors[0]).toMatchObject({ code: 'ECONNREFUSED', port });
});

it('refuses an object that is not a node-zookeeper-client client', () => {
  expect(onSocketErrors({}, () => {})).toBe(false);
});
