import type { RegisterRequest, WorkerApi } from '@zkit/protocol';
import type { Remote } from 'comlink';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { RegistrationList } from '../registrations/registration-list.js';
import { AbortableCalls } from '../thread/abortable.js';
import type { WorkerCall } from '../thread/worker-handle.js';
import { parseCuratorInstance } from './curator-format.js';
import { registerInstance } from './register-instance.js';

/** A worker that accepts every registration and update at once, recording the requests. */
function setup(maxDataBytes = 10_000) {
  const requests: RegisterRequest[] = [];
  const api = {
    registerServer: async (request: RegisterRequest) => {
      requests.push(request);
    },
    updateRegistration: async (request: RegisterRequest) => {
      requests.push(request);
    },
  } as unknown as Remote<WorkerApi>;
  const call: WorkerCall = (invoke) => invoke(api);
  const calls = new AbortableCalls(call, () => {});
  const list = new RegistrationList(calls, call, maxDataBytes, pino({ level: 'silent' }));
  return { list, requests };
}

const service = { base: '/services', name: 'orders' };

describe('registerInstance', () => {
  it("writes Curator's JSON at base/name/id, with container parents", async () => {
    const { list, requests } = setup();

    const registration = await registerInstance(list, service, {
      id: 'i-1',
      address: '10.0.0.2',
      port: 8082,
      sslPort: 8443,
      data: { zone: 'b', weight: 2 },
      uriSpec: '{scheme}://{address}:{port}/api',
    });

    expect(registration.path).toBe('/services/orders/i-1');
    expect(registration.data).toEqual({ zone: 'b', weight: 2 });
    const [request] = requests;
    expect(request?.parents).toBe('container');
    const time = JSON.parse(request?.data ?? '').registrationTimeUTC as number;
    expect(request?.data).toBe(
      `{"name":"orders","id":"i-1","address":"10.0.0.2","port":8082,"sslPort":8443,"payload":{"@class":"java.util.LinkedHashMap","zone":"b","weight":2},"registrationTimeUTC":${time},"serviceType":"DYNAMIC","uriSpec":{"parts":[{"value":"scheme","variable":true},{"value":"://","variable":false},{"value":"address","variable":true},{"value":":","variable":false},{"value":"port","variable":true},{"value":"/api","variable":false}]}}`,
    );
    expect(list.requests()).toEqual([request]);
  });

  it('defaults: a UUID id, null payload, sslPort and uriSpec; a machine address', async () => {
    const { list, requests } = setup();

    const registration = await registerInstance(list, service, { port: 1 });

    const written = JSON.parse(requests[0]?.data ?? '');
    expect(written.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(registration.path).toBe(`/services/orders/${written.id}`);
    expect(written).toMatchObject({
      payload: null,
      sslPort: null,
      uriSpec: null,
      address: expect.any(String),
    });
    expect(registration.data).toEqual({});
  });

  it('update() rewrites the payload only: same id, time and class; what a replacement worker restores', async () => {
    const { list, requests } = setup();
    const registration = await registerInstance(list, service, {
      id: 'i-1',
      port: 80,
      data: { v: 1 },
      payloadClass: 'org.springframework.cloud.zookeeper.discovery.ZookeeperInstance',
    });

    await registration.update({ v: 2 });

    const [first, second] = requests.map((request) => JSON.parse(request.data));
    expect(second).toEqual({ ...first, payload: { ...first.payload, v: 2 } });
    expect(second.payload['@class']).toBe('org.springframework.cloud.zookeeper.discovery.ZookeeperInstance');
    expect(registration.data).toEqual({ v: 2 });
    expect(list.requests()).toEqual([requests[1]]);
    expect(requests[1]?.parents).toBe('container');
    expect(parseCuratorInstance('i-1', second)).toMatchObject({ instance: { data: { v: 2 } } });
  });

  it.each<[string, unknown, string]>([
    ['no options', undefined, 'INVALID_OPTION'],
    ['no port', { address: 'h' }, 'INVALID_OPTION'],
    ['an unknown option', { port: 1, pid: 3 }, 'INVALID_OPTION'],
    ['a port out of range', { port: 70_000 }, 'INVALID_ADDRESS'],
    ['a fractional sslPort', { sslPort: 1.5 }, 'INVALID_ADDRESS'],
    ['an address with a space', { port: 1, address: 'a b' }, 'INVALID_ADDRESS'],
    ['an empty address', { port: 1, address: '' }, 'INVALID_ADDRESS'],
    ['an id with a slash', { port: 1, id: 'a/b' }, 'INVALID_PATH'],
    ['data that is a list', { port: 1, data: [1] }, 'INVALID_DATA'],
    ['data null', { port: 1, data: null }, 'INVALID_DATA'],
    ['data with a Date', { port: 1, data: { at: new Date() } }, 'INVALID_DATA'],
    ['a payload class that is no class name', { port: 1, payloadClass: 'not a class' }, 'INVALID_OPTION'],
    ['a malformed uriSpec', { port: 1, uriSpec: '{open' }, 'INVALID_OPTION'],
  ])('refuses %s, registering nothing', async (_what, options, code) => {
    const { list, requests } = setup();
    await expect(registerInstance(list, service, options)).rejects.toMatchObject({ code });
    expect(requests).toEqual([]);
  });

  it('refuses a service name that is not one segment, and data over the size limit', async () => {
    const { list } = setup(300);
    await expect(registerInstance(list, { base: '/s', name: 'a/b' }, { port: 1 })).rejects.toMatchObject({
      code: 'INVALID_PATH',
    });
    await expect(registerInstance(list, { base: 's', name: 'a' }, { port: 1 })).rejects.toMatchObject({
      code: 'INVALID_PATH',
    });
    await expect(
      registerInstance(list, service, { port: 1, data: { big: 'x'.repeat(200) } }),
    ).rejects.toMatchObject({ code: 'DATA_TOO_LARGE' });
  });
});
