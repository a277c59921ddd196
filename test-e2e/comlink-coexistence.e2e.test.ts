import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import { isZkError, NodeError } from '@zkit/client';
import { type Endpoint, expose, wrap } from 'comlink';
import { afterEach, describe, expect, it } from 'vitest';
import { client, root } from './support/harness.js';

/** comlink's Node adapter, in a few lines (its module ships no types). */
function endpointOf(port: MessagePort | Worker): Endpoint {
  const listeners = new Map<unknown, (data: unknown) => void>();
  return {
    postMessage: (message: unknown) => port.postMessage(message),
    addEventListener: (_type, handler) => {
      const listener = (data: unknown): void => {
        const event = { data } as MessageEvent;
        if (typeof handler === 'function') handler(event);
        else handler.handleEvent(event);
      };
      listeners.set(handler, listener);
      port.on('message', listener);
    },
    removeEventListener: (_type, handler) => {
      const listener = listeners.get(handler);
      if (listener) port.off('message', listener);
      listeners.delete(handler);
    },
  };
}

interface AppWorker {
  fail(message: string): void;
  callFailingMain(
    message: string,
  ): { threw: false } | { threw: true; isError: boolean; message: unknown; name: unknown };
}

const workers: Worker[] = [];
afterEach(async () => {
  await Promise.all(workers.splice(0).map((worker) => worker.terminate()));
});

/** The application's own comlink worker, with a main-thread API it can call back through a second port. */
function appWorker() {
  const { port1, port2 } = new MessageChannel();
  expose(
    {
      fail(message: string): never {
        throw new Error(message);
      },
    },
    endpointOf(port1),
  );
  const worker = new Worker(new URL('./fixtures/comlink-worker.mjs', import.meta.url), {
    workerData: { port: port2 },
    transferList: [port2],
  });
  workers.push(worker);
  port1.unref();
  return wrap<AppWorker>(endpointOf(worker));
}

describe('zkit beside an application that uses comlink itself', () => {
  it("leaves comlink's own error transfer alone: the app's errors cross both ways as they were thrown", async () => {
    const zk = await client();
    await zk.ensure(root('comlink-coexistence'));
    const api = appWorker();

    const fromWorker = await api.fail('x').then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(fromWorker).toBeInstanceOf(Error);
    expect(fromWorker).toMatchObject({ message: 'x' });
    expect(isZkError(fromWorker)).toBe(false);

    expect(await api.callFailingMain('y')).toEqual({
      threw: true,
      isError: true,
      message: 'y',
      name: 'Error',
    });
  });

  it('still carries zkit errors across with their class and code', async () => {
    const zk = await client();
    appWorker();

    const error = await zk.children(root('comlink-missing')).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(NodeError);
    expect(error).toMatchObject({ code: 'NO_NODE' });
  });
});
