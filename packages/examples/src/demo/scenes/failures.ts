import { waitFor } from '@zkit/testing';
import { delay } from '../../shared/http.js';
import { field, httpJson } from '../../shared/http-client.js';
import { balancerOf, type Demo, SERVERS } from '../context.js';
import type { Member } from '../fleet.js';
import { seconds } from '../terminal.js';
import { printRouting, printTotals } from './routing.js';
import { startService } from './start-up.js';

function service(demo: Demo, name: string): Member {
  const member = demo.services.get(name);
  if (member === undefined) throw new Error(`service ${name} is not running`);
  return member;
}

/** How many refused connections the balancer has retried elsewhere so far. */
async function retried(demo: Demo): Promise<number> {
  const { body } = await httpJson(`${balancerOf(demo).url}_status`);
  return Number(field(body, 'retried') ?? 0);
}

export async function killNine(demo: Demo): Promise<void> {
  const b = service(demo, 'b');
  demo.out.heading(
    `4. kill -9 b (pid ${b.pid}) under steady traffic: its node stays until its session expires`,
  );
  const window = balancerOf(demo).traffic.window();
  const retriedBefore = await retried(demo);
  const killed = Date.now();
  b.signal('SIGKILL');
  await b.exited;
  demo.services.delete('b');
  demo.out.event(`${'kill -9'.padEnd(10)}${'b'.padEnd(11)}${b.address}  process gone; node still there`);
  await waitFor(() => demo.servers.get(b.address) === undefined, {
    timeout: 30_000,
    interval: 10,
    message: "b's node to expire",
  });
  demo.out.detail(
    `b's node went ${seconds(Date.now() - killed)} after the kill (session timeout ${seconds(demo.sessionTimeout)})`,
  );
  const refused = (await retried(demo)) - retriedBefore;
  printRouting(demo, window.close(), `; ${refused} refused connections to b retried on another server`);
}

export async function newServer(demo: Demo): Promise<void> {
  demo.out.heading('5. A new service d registers: traffic reaches it without touching the balancer');
  const window = balancerOf(demo).traffic.window();
  const d = await startService(demo, 'd');
  const registeredAt = Date.now();
  await waitFor(() => (window.stats.perBackend.get(d.address) ?? 0) > 0, { timeout: 10_000, interval: 5 });
  demo.out.event(
    `${'routed'.padEnd(10)}${'d'.padEnd(11)}first request ${Date.now() - registeredAt} ms after it registered`,
  );
  await delay(500); // a little more traffic, to show d taking its share
  printRouting(demo, window.close());
}

export async function gracefulStop(demo: Demo): Promise<void> {
  const c = service(demo, 'c');
  demo.out.heading(`6. Graceful stop: SIGTERM to c (pid ${c.pid}): unregister, drain, exit`);
  const window = balancerOf(demo).traffic.window();
  const signalled = Date.now();
  c.signal('SIGTERM');
  await waitFor(() => demo.servers.get(c.address) === undefined, {
    timeout: 10_000,
    interval: 2,
    message: "c's node to go",
  });
  demo.out.detail(
    `c's node went ${Date.now() - signalled} ms after SIGTERM: no waiting for a session timeout`,
  );
  const { code } = await c.exited;
  demo.services.delete('c');
  demo.out.event(
    `${'exited'.padEnd(10)}${'c'.padEnd(11)}code ${code}, ${Date.now() - signalled} ms after SIGTERM, requests in flight answered`,
  );
  printTotals(demo, window.close());
}

export async function stall(demo: Demo): Promise<void> {
  const a = service(demo, 'a');
  const ms = 2 * demo.sessionTimeout;
  demo.out.heading(
    `7. Main-thread stall: a blocks its event loop for ${seconds(ms)} (2 × its session timeout)`,
  );
  const node = `${SERVERS}/${a.address}`;
  const owner = (await demo.observer.exists(node))?.ephemeralOwner;
  const window = balancerOf(demo).traffic.window();
  const stalled = httpJson(`http://${a.address}/debug/stall?ms=${ms}`, {
    method: 'POST',
    timeoutMs: ms + 10_000,
  });
  let checks = 0;
  let done = false;
  void stalled.finally(() => {
    done = true;
  });
  // Look at the node from an independent session all through the stall: same node, same owning session.
  while (!done) {
    const stat = await demo.observer.exists(node);
    if (stat?.ephemeralOwner !== owner)
      throw new Error(`a's registration changed during the stall: ${stat?.ephemeralOwner}`);
    checks++;
    await delay(200);
  }
  await stalled;
  demo.out.event(
    `${'stalled'.padEnd(10)}${'a'.padEnd(11)}registered throughout: session 0x${owner} seen ${checks} times`,
  );
  const stats = window.close();
  printTotals(demo, stats, `; slowest ${seconds(stats.slowestMs)} (requests to a waited out the stall)`);
}
