import { waitFor } from '@zkit/testing';
import { describe, expect, it } from 'vitest';
import { http, steadyTraffic } from './fixtures/examples/http.js';
import { chroot, type ExampleProcess, startExample, writeConfig } from './fixtures/examples/processes.js';

const SESSION_TIMEOUT = ['--session-timeout', '2000'];

async function fleet(name: string, services: number) {
  const { connectionString, observer } = await chroot(name);
  await writeConfig(observer, { threads: 4, greeting: 'Hello' });
  const started = await Promise.all(
    Array.from({ length: services }, () =>
      startExample('http-service.js', SESSION_TIMEOUT, connectionString),
    ),
  );
  const balancer = await startExample('load-balancer.js', [], connectionString);
  await untilBackends(balancer, started);
  return { connectionString, observer, services: started, balancer };
}

/** Waits until the balancer's GET /_status lists exactly these services. */
async function untilBackends(balancer: ExampleProcess, services: readonly ExampleProcess[]) {
  const expected = services.map((s) => s.address).sort();
  await waitFor(
    async () => {
      const { body } = await http(`${balancer.url}_status`);
      const listed = (body.backends as { address: string }[]).map((b) => b.address).sort();
      return JSON.stringify(listed) === JSON.stringify(expected);
    },
    { timeout: 10_000, message: `the balancer to list ${expected.join(', ')}` },
  );
}

/** Requests the services are working on or have queued, from their GET /status. */
async function inProgress(services: readonly ExampleProcess[]): Promise<number> {
  const statuses = await Promise.all(services.map((service) => http(`${service.url}status`)));
  return statuses.reduce((sum, { body }) => sum + Number(body.active) + Number(body.queued), 0);
}

describe('load-balancer example', () => {
  it('spreads requests round robin and lists its backends on GET /_status', async () => {
    const { services, balancer } = await fleet('lb-round-robin', 3);

    const answers = [];
    for (let i = 0; i < 9; i++) answers.push(await http(balancer.url));

    const counts = new Map<string, number>();
    for (const { status, headers, body } of answers) {
      expect(status).toBe(200);
      expect(body.server).toBe(headers['x-backend']);
      counts.set(String(body.server), (counts.get(String(body.server)) ?? 0) + 1);
    }
    expect([...counts.values()]).toEqual([3, 3, 3]);
    const { body } = await http(`${balancer.url}_status`);
    expect((body.backends as { address: string }[]).map((b) => b.address).sort()).toEqual(
      services.map((s) => s.address).sort(),
    );
  });

  it('loses no request while a service stops gracefully (SIGTERM) under steady traffic', async () => {
    const { observer, services, balancer } = await fleet('lb-graceful', 3);
    const [, leaving] = services as [ExampleProcess, ExampleProcess, ExampleProcess];
    // POSTs that take a moment: some are in flight at the SIGTERM, and a POST cut off would not be retried (only
    // refused connections are), so a service that did not drain would show up here as failures.
    const traffic = steadyTraffic(`${balancer.url}?ms=20`, { method: 'POST' });
    await waitFor(() => (traffic.perBackend.get(leaving.address) ?? 0) >= 10, {
      message: 'traffic to all three',
    });

    leaving.signal('SIGTERM');
    const exit = await leaving.exited;
    const okAtExit = traffic.ok();
    await waitFor(() => traffic.ok() >= okAtExit + 100, { message: '100 more answers after it exited' });
    await traffic.stop();

    expect(traffic.failures).toEqual([]);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(await observer.getChildren('/fooservice/servers')).not.toContain(leaving.address);
  });

  it('answers the requests in flight when it is stopped (SIGTERM), then exits 0 and accepts no more', async () => {
    const { services, balancer } = await fleet('lb-drain', 2);
    // Slow requests, all in flight when the signal arrives: a balancer that did not drain would cut them off.
    const inFlight = Array.from({ length: 6 }, () => http(`${balancer.url}?ms=1000`, 'POST'));
    await waitFor(async () => (await inProgress(services)) === 6, {
      message: 'the 6 requests to reach the services',
    });

    balancer.signal('SIGTERM');
    const answers = await Promise.allSettled(inFlight);
    const exit = await balancer.exited;

    expect(answers.map((a) => (a.status === 'fulfilled' ? a.value.status : String(a.reason)))).toEqual(
      Array(6).fill(200),
    );
    expect(exit).toEqual({ code: 0, signal: null });
    await expect(http(balancer.url)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('skips a killed service whose node has not expired yet: requests are retried on another one', async () => {
    const { observer, services, balancer } = await fleet('lb-kill', 2);
    const [killed, survivor] = services as [ExampleProcess, ExampleProcess];

    killed.signal('SIGKILL');
    await killed.exited;
    // The node stays until the session times out: the balancer still routes to it, and is refused.
    expect(await observer.getChildren('/fooservice/servers')).toContain(killed.address);
    const answers = await Promise.all(Array.from({ length: 10 }, () => http(balancer.url)));

    expect(answers.map((a) => [a.status, a.body.server])).toEqual(Array(10).fill([200, survivor.address]));
    const { body } = await http(`${balancer.url}_status`);
    expect(body.retried).toBeGreaterThan(0);
  });

  it('sends requests to a newly registered service within a second', async () => {
    const { connectionString, observer, balancer } = await fleet('lb-join', 1);

    const joining = await startExample('http-service.js', SESSION_TIMEOUT, connectionString);
    // startExample resolves after registerServer did: the node exists now.
    expect(await observer.getChildren('/fooservice/servers')).toContain(joining.address);

    await waitFor(async () => (await http(balancer.url)).body.server === joining.address, {
      timeout: 1000,
      interval: 0,
      message: 'a request to reach the new service',
    });
  });
});
