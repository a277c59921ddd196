import { closedError, type RegisterRequest, type WorkerApi, zkError } from '@zkit/protocol';
import type { Remote } from 'comlink';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { AbortableCalls } from '../thread/abortable.js';
import type { WorkerCall } from '../thread/worker-handle.js';
import { RegistrationList } from './registration-list.js';

/** A worker whose registerServer waits for the test; every call is recorded by name and path. */
function setup() {
  const log: string[] = [];
  const placements: { resolve(): void; reject(error: unknown): void }[] = [];
  /** The JSON each registerServer call carried. */
  const written: unknown[] = [];
  let closed = false;
  const api = {
    registerServer: (request: RegisterRequest) => {
      log.push(`registerServer ${request.path}`);
      written.push(JSON.parse(request.data));
      return new Promise<void>((resolve, reject) => placements.push({ resolve, reject }));
    },
    unregister: async (path: string) => {
      log.push(`unregister ${path}`);
    },
    discardRegistration: async (path: string) => {
      log.push(`discardRegistration ${path}`);
    },
  } as unknown as Remote<WorkerApi>;
  const call: WorkerCall = (invoke) => (closed ? Promise.reject(closedError()) : invoke(api));
  const calls = new AbortableCalls(call, (id) => log.push(`abort ${id}`));
  const registrations = new RegistrationList(calls, call, 10_000, pino({ level: 'silent' }));
  return {
    log,
    placements,
    written,
    registrations,
    close: () => {
      closed = true;
    },
  };
}

describe('RegistrationList', () => {
  it('forgets an aborted registration at once, so a replacement worker does not adopt it', async () => {
    const { registrations, log } = setup();
    const controller = new AbortController();
    const registering = registrations.register('/s/h:1', { signal: controller.signal });
    await expect.poll(() => registrations.requests()).toHaveLength(1);

    controller.abort();

    await expect(registering).rejects.toMatchObject({ code: 'ABORTED' });
    expect(registrations.requests()).toEqual([]);
    expect(log).toEqual(['registerServer /s/h:1', 'abort 1']);
  });

  it('takes back a registration the worker completed before the abort reached it', async () => {
    const { registrations, log, placements } = setup();
    const controller = new AbortController();
    const registering = registrations.register('/s/h:1', { signal: controller.signal });
    await expect.poll(() => placements).toHaveLength(1);
    controller.abort();
    await expect(registering).rejects.toMatchObject({ code: 'ABORTED' });

    placements[0]?.resolve();

    await expect.poll(() => log).toContain('unregister /s/h:1');
    expect(registrations.requests()).toEqual([]);
  });

  it('registers the same path again only after the aborted one was taken back', async () => {
    const { registrations, log, placements } = setup();
    const controller = new AbortController();
    const first = registrations.register('/s/h:1', { signal: controller.signal });
    await expect.poll(() => placements).toHaveLength(1);
    controller.abort();
    await expect(first).rejects.toMatchObject({ code: 'ABORTED' });

    const second = registrations.register('/s/h:1', {});
    placements[0]?.resolve();
    await expect.poll(() => placements).toHaveLength(2);
    placements[1]?.resolve();
    await second;

    expect(log).toEqual(['registerServer /s/h:1', 'abort 1', 'unregister /s/h:1', 'registerServer /s/h:1']);
    expect(registrations.requests().map((r) => r.path)).toEqual(['/s/h:1']);
  });

  it('checks for a half-made node when the worker died under an aborted registration', async () => {
    const { registrations, log, placements } = setup();
    const controller = new AbortController();
    const registering = registrations.register('/s/h:1', { signal: controller.signal });
    await expect.poll(() => placements).toHaveLength(1);
    controller.abort();
    await expect(registering).rejects.toMatchObject({ code: 'ABORTED' });

    placements[0]?.reject(zkError('WORKER_CRASHED', 'died'));

    await expect.poll(() => log).toContain('discardRegistration /s/h:1');
  });

  it('resolves an unregister() made after the client closed: the node goes with the session', async () => {
    const { registrations, placements, close } = setup();
    const registering = registrations.register('/s/h:1', {});
    await expect.poll(() => placements).toHaveLength(1);
    placements[0]?.resolve();
    const registration = await registering;

    close();

    await expect(registration.unregister()).resolves.toBeUndefined();
    await expect(registration[Symbol.asyncDispose]()).resolves.toBeUndefined();
    expect(registrations.requests()).toEqual([]);
  });

  it('gives up waiting for unregister() on abort, but the removal carries on', async () => {
    const { registrations, placements, log } = setup();
    const registering = registrations.register('/s/h:1', {});
    await expect.poll(() => placements).toHaveLength(1);
    placements[0]?.resolve();
    const registration = await registering;

    await expect(registration.unregister({ signal: AbortSignal.abort() })).rejects.toMatchObject({
      code: 'ABORTED',
    });
    expect(log).not.toContain('unregister /s/h:1');
    await registration.unregister();
    expect(log).toContain('unregister /s/h:1');
  });

  it('writes options.data with the pid option, and remembers that pid for update()', async () => {
    const { registrations, placements, written } = setup();
    const registering = registrations.register('/s/h:1', { data: { role: 'web', pid: 1 }, pid: 42 });
    await expect.poll(() => placements).toHaveLength(1);
    placements[0]?.resolve();
    const registration = await registering;

    expect(written).toEqual([{ role: 'web', pid: 42 }]);
    expect(registration.data).toEqual({ role: 'web', pid: 42 });
    expect(Object.isFrozen(registration.data)).toBe(true);
  });

  it('writes just the pid when no options are given', async () => {
    const { registrations, placements, written } = setup();
    const registering = registrations.register('/s/h:1', undefined);
    await expect.poll(() => placements).toHaveLength(1);
    placements[0]?.resolve();
    await registering;

    expect(written).toEqual([{ pid: process.pid }]);
  });

  it('refuses zc.zk-style data in place of the options, registering nothing', async () => {
    const { registrations, log } = setup();

    const refused = registrations.register('/s/h:1', { role: 'web', weight: 2 });

    await expect(refused).rejects.toMatchObject({
      name: 'InvalidInputError',
      code: 'INVALID_OPTION',
      path: '/s/h:1',
      message: expect.stringContaining("pass the node's data as { data: {...} }"),
    });
    await expect(refused).rejects.toThrow(/"role", "weight"/);
    expect(log).toEqual([]);
    expect(registrations.requests()).toEqual([]);
  });

  it('refuses options that are not an object', async () => {
    const { registrations, log } = setup();
    for (const options of ['web', 42, [{ role: 'web' }]]) {
      await expect(registrations.register('/s/h:1', options)).rejects.toMatchObject({
        code: 'INVALID_OPTION',
      });
    }
    await expect(registrations.register('/s/h:1', { data: [1] })).rejects.toMatchObject({
      code: 'INVALID_DATA',
    });
    await expect(registrations.register('/s/h:1', { data: null })).rejects.toMatchObject({
      code: 'INVALID_DATA',
    });
    await expect(registrations.register('/s/h:1', { pid: 0 })).rejects.toMatchObject({
      code: 'INVALID_OPTION',
    });
    expect(log).toEqual([]);
  });
});
