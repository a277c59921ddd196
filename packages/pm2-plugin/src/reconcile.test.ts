import { describe, expect, it } from 'vitest';
import { proc } from './process.fixture.js';
import {
  type Announcement,
  awaitingAnnouncement,
  type DesiredNode,
  desiredNodes,
  diff,
  type ManagedProcess,
  nodeName,
  type Target,
} from './reconcile.js';

const target: Target = { root: '/services', host: '10.0.0.5', selfPmId: 0, accepts: () => true };

function announced(
  overrides: Partial<Announcement> & Pick<Announcement, 'pmId' | 'name'>,
): Map<number, Announcement> {
  return new Map([[overrides.pmId, { port: undefined, path: undefined, extra: {}, ...overrides }]]);
}

const none = new Map<number, Announcement>();

describe('desiredNodes', () => {
  it('leaves other PM2 modules (pmx_module) out, unless registerModules', () => {
    const processes = [
      proc({ pmId: 1, name: 'api', envPort: 80 }),
      proc({ pmId: 2, name: 'pm2-logrotate', module: true }),
    ];
    expect([...desiredNodes(processes, new Map(), target).nodes.keys()]).toEqual([
      '/services/api/servers/10.0.0.5:80',
    ]);
    const all = desiredNodes(processes, new Map(), { ...target, registerModules: true });
    expect([...all.nodes.keys()]).toEqual([
      '/services/api/servers/10.0.0.5:80',
      '/services/pm2-logrotate/servers/pm2-2@10.0.0.5',
    ]);
  });

  it('registers a fork app at <root>/<name>/servers/HOST:PORT with its pid and PM2 facts', () => {
    const { nodes } = desiredNodes(
      [proc({ pmId: 3, name: 'api', envPort: 8080, restarts: 2 })],
      none,
      target,
    );
    expect([...nodes.keys()]).toEqual(['/services/api/servers/10.0.0.5:8080']);
    const node = nodes.get('/services/api/servers/10.0.0.5:8080')!;
    expect(node.parent).toBe('/services/api/servers');
    expect(node.name).toEqual({ kind: 'address', host: '10.0.0.5', port: 8080 });
    expect(node.pid).toBe(1003);
    expect(node.data).toEqual({
      pid: 1003,
      pm_id: 3,
      name: 'api',
      instance: 0,
      exec_mode: 'fork',
      restarts: 2,
      pids: [1003],
      pm_ids: [3],
    });
  });

  it('gives cluster instances sharing a port one node listing every pid, lowest instance first', () => {
    const processes = [
      proc({ pmId: 5, name: 'web', execMode: 'cluster', instance: 1, envPort: 3000, restarts: 1 }),
      proc({ pmId: 4, name: 'web', execMode: 'cluster', instance: 0, envPort: 3000, restarts: 2 }),
    ];
    const { nodes } = desiredNodes(processes, none, target);
    expect(nodes.size).toBe(1);
    // The node's pid (the one written as `pid`) is the lowest instance's.
    expect(nodes.get('/services/web/servers/10.0.0.5:3000')!.pid).toBe(1004);
    expect(nodes.get('/services/web/servers/10.0.0.5:3000')!.data).toMatchObject({
      pid: 1004,
      pm_id: 4,
      instance: 0,
      exec_mode: 'cluster',
      restarts: 3,
      pids: [1004, 1005],
      pm_ids: [4, 5],
    });
  });

  it('drops a stopped instance from the shared node and the node with the last one', () => {
    const web = (pmId: number, status: string) =>
      proc({ pmId, name: 'web', execMode: 'cluster', instance: pmId - 4, envPort: 3000, status });
    const one = desiredNodes([web(4, 'stopped'), web(5, 'online')], none, target).nodes;
    expect(one.get('/services/web/servers/10.0.0.5:3000')!.data.pids).toEqual([1005]);
    // With instance 0 gone, the node's pid is the lowest live instance's.
    expect(one.get('/services/web/servers/10.0.0.5:3000')!.pid).toBe(1005);
    expect(one.get('/services/web/servers/10.0.0.5:3000')!.data.pid).toBe(1005);
    expect(desiredNodes([web(4, 'stopped'), web(5, 'stopping')], none, target).nodes.size).toBe(0);
  });

  it('registers only online processes with a pid', () => {
    const processes = ['stopped', 'errored', 'launching', 'waiting restart', 'stopping'].map((status, i) =>
      proc({ pmId: i + 1, name: `a${i}`, status, envPort: 9000 }),
    );
    processes.push(proc({ pmId: 9, name: 'nopid', pid: 0, envPort: 9000 }));
    expect(desiredNodes(processes, none, target).nodes.size).toBe(0);
  });

  it('never registers the plugin itself', () => {
    const { nodes } = desiredNodes([proc({ pmId: 0, name: 'pm2-zkit', envPort: 1 })], none, target);
    expect(nodes.size).toBe(0);
  });

  it('applies the app filter', () => {
    const accepts = (name: string) => name !== 'hidden';
    const processes = [
      proc({ pmId: 1, name: 'hidden', envPort: 1 }),
      proc({ pmId: 2, name: 'shown', envPort: 2 }),
    ];
    expect([...desiredNodes(processes, none, { ...target, accepts }).nodes.keys()]).toEqual([
      '/services/shown/servers/10.0.0.5:2',
    ]);
  });

  it('takes the announced port over the env port, with extra data and its own path', () => {
    const announcements = announced({
      pmId: 1,
      name: 'api',
      port: 7000,
      path: '/custom/api',
      extra: { v: '1.2' },
    });
    const { nodes } = desiredNodes([proc({ pmId: 1, name: 'api', envPort: 8080 })], announcements, target);
    const node = nodes.get('/custom/api/10.0.0.5:7000')!;
    expect(node.data).toMatchObject({ v: '1.2', pid: 1001 });
  });

  it('keeps the env port when the announcement has none', () => {
    const announcements = announced({ pmId: 1, name: 'api', extra: { v: 2 } });
    const { nodes } = desiredNodes([proc({ pmId: 1, name: 'api', envPort: 8080 })], announcements, target);
    expect(nodes.get('/services/api/servers/10.0.0.5:8080')!.data.v).toBe(2);
  });

  it('ignores an announcement made by another app under the same pm_id', () => {
    const announcements = announced({ pmId: 1, name: 'old-app', port: 7000 });
    const { nodes } = desiredNodes([proc({ pmId: 1, name: 'api', envPort: 8080 })], announcements, target);
    expect([...nodes.keys()]).toEqual(['/services/api/servers/10.0.0.5:8080']);
  });

  it('never lets extra data override the fields the plugin writes', () => {
    const announcements = announced({
      pmId: 1,
      name: 'api',
      port: 7000,
      extra: { pid: 1, name: 'x', ok: true },
    });
    const { data } = [
      ...desiredNodes([proc({ pmId: 1, name: 'api' })], announcements, target).nodes.values(),
    ][0]!;
    expect(data).toMatchObject({ pid: 1001, name: 'api', ok: true });
  });

  it('names a port-less process pm2-<pm_id>@HOST, one node per process with its own pid', () => {
    const processes = [
      proc({ pmId: 7, name: 'worker', execMode: 'cluster', instance: 0 }),
      proc({ pmId: 8, name: 'worker', execMode: 'cluster', instance: 1 }),
    ];
    const { nodes } = desiredNodes(processes, none, target);
    expect([...nodes.keys()]).toEqual([
      '/services/worker/servers/pm2-7@10.0.0.5',
      '/services/worker/servers/pm2-8@10.0.0.5',
    ]);
    const second = nodes.get('/services/worker/servers/pm2-8@10.0.0.5')!;
    expect(second.name).toEqual({ kind: 'process', host: '10.0.0.5', pmId: 8 });
    expect(second.parent).toBe('/services/worker/servers');
    expect(second.pid).toBe(1008);
    expect(second.data).toMatchObject({ pid: 1008, pids: [1008], pm_id: 8, instance: 1 });
  });

  it('brackets an IPv6 host in node names', () => {
    const v6 = { ...target, host: 'fd00::5' };
    const processes = [proc({ pmId: 1, name: 'a', envPort: 80 }), proc({ pmId: 2, name: 'b' })];
    expect([...desiredNodes(processes, none, v6).nodes.keys()]).toEqual([
      '/services/a/servers/[fd00::5]:80',
      '/services/b/servers/pm2-2@[fd00::5]',
    ]);
  });

  it('skips, and reports, an app whose name cannot be a node name', () => {
    const { nodes, skipped } = desiredNodes([proc({ pmId: 1, name: 'a/b', envPort: 1 })], none, target);
    expect(nodes.size).toBe(0);
    expect(skipped).toEqual([{ pmId: 1, name: 'a/b', reason: 'the app name is not a valid node name' }]);
  });

  it('works under the root /', () => {
    const { nodes } = desiredNodes([proc({ pmId: 1, name: 'a', envPort: 1 })], none, {
      ...target,
      root: '/',
    });
    expect([...nodes.keys()]).toEqual(['/a/servers/10.0.0.5:1']);
  });
});

describe('nodeName', () => {
  it('never gives a port-less name that ends in :digits', () => {
    for (const host of ['10.0.0.5', 'fd00::1', 'host.example']) {
      expect(nodeName({ kind: 'process', host, pmId: 12 })).not.toMatch(/:\d+$/);
    }
  });
});

describe('diff', () => {
  const node = (path: string, pid: number): DesiredNode => ({
    path,
    parent: '/s',
    name: { kind: 'address', host: 'h', port: 1 },
    pid,
    data: { pid, pids: [pid] },
  });

  it('removes what is no longer desired, adds what is new, updates what changed, leaves the rest', () => {
    const held = (pid: number) => ({ name: node('/', pid).name, data: { pid, pids: [pid] } });
    const current = new Map([
      ['/s/gone', held(1)],
      ['/s/same', { name: node('/', 2).name, data: { pids: [2], pid: 2 } }],
      ['/s/changed', held(3)],
    ]);
    const desired = new Map([
      ['/s/same', node('/s/same', 2)],
      ['/s/changed', node('/s/changed', 33)],
      ['/s/new', node('/s/new', 4)],
    ]);
    const plan = diff(current, desired);
    expect(plan.remove).toEqual(['/s/gone']);
    expect(plan.update.map((n) => n.path)).toEqual(['/s/changed']);
    expect(plan.add.map((n) => n.path)).toEqual(['/s/new']);
  });
});

describe('desiredNodes, format curator', () => {
  const curator: Target = { ...target, format: 'curator' };

  it('makes each process an instance of <root>/<app>, id pm2-<pm_id>@HOST, with its port and PM2 facts', () => {
    const processes = [
      proc({ pmId: 4, name: 'web', execMode: 'cluster', instance: 0, envPort: 3000, restarts: 2 }),
      proc({ pmId: 5, name: 'web', execMode: 'cluster', instance: 1, envPort: 3000 }),
    ];
    const { nodes, skipped } = desiredNodes(processes, none, curator);
    expect(skipped).toEqual([]);
    // One instance per process, though they share a port: Curator's readers balance over instances.
    expect([...nodes.keys()]).toEqual(['/services/web/pm2-4@10.0.0.5', '/services/web/pm2-5@10.0.0.5']);
    const first = nodes.get('/services/web/pm2-4@10.0.0.5')!;
    expect(first.parent).toBe('/services/web');
    expect(first.name).toEqual({ kind: 'instance', host: '10.0.0.5', port: 3000, pmId: 4 });
    expect(first.data).toEqual({
      pid: 1004,
      pm_id: 4,
      name: 'web',
      instance: 0,
      exec_mode: 'cluster',
      restarts: 2,
      pids: [1004],
      pm_ids: [4],
    });
  });

  it('takes an announced port and service path, and skips a process with no port', () => {
    const announcements = announced({
      pmId: 2,
      name: 'api',
      port: 8080,
      path: '/other/api-v2',
      extra: { v: 1 },
    });
    const { nodes, skipped } = desiredNodes(
      [proc({ pmId: 2, name: 'api', envPort: 9000 }), proc({ pmId: 3, name: 'jobs' })],
      announcements,
      curator,
    );
    expect([...nodes.keys()]).toEqual(['/other/api-v2/pm2-2@10.0.0.5']);
    expect(nodes.get('/other/api-v2/pm2-2@10.0.0.5')).toMatchObject({
      parent: '/other/api-v2',
      name: { kind: 'instance', port: 8080 },
      data: { pid: 1002, v: 1 },
    });
    expect(skipped).toEqual([{ pmId: 3, name: 'jobs', reason: expect.stringMatching(/no port/) }]);
  });

  it('keeps the instance at its path when its port changes: the plan updates it', () => {
    const before = desiredNodes([proc({ pmId: 2, name: 'api', envPort: 80 })], none, curator).nodes;
    const after = desiredNodes([proc({ pmId: 2, name: 'api', envPort: 81 })], none, curator).nodes;
    expect([...after.keys()]).toEqual([...before.keys()]);
    const plan = diff(before, after);
    expect(plan.update.map((n) => n.name)).toEqual([
      { kind: 'instance', host: '10.0.0.5', port: 81, pmId: 2 },
    ]);
    expect([plan.add, plan.remove]).toEqual([[], []]);
  });
});

describe('awaitingAnnouncement', () => {
  const ids = (processes: readonly ManagedProcess[]) => processes.map((process) => process.pmId);

  it('asks every live process it would register that it has not heard since subscribing', () => {
    const processes = [
      proc({ pmId: 1, name: 'api' }),
      proc({ pmId: 2, name: 'api', instance: 1 }),
      proc({ pmId: 3, name: 'jobs', envPort: 9000 }),
    ];
    expect(ids(awaitingAnnouncement(processes, new Map(), target))).toEqual([1, 2, 3]);
    expect(ids(awaitingAnnouncement(processes, new Map([[2, 'api']]), target))).toEqual([1, 3]);
  });

  it('asks again a pm_id heard under another app name (reused by another app)', () => {
    const processes = [proc({ pmId: 4, name: 'web' })];
    expect(ids(awaitingAnnouncement(processes, new Map([[4, 'api']]), target))).toEqual([4]);
  });

  it('leaves out itself, stopped or pid-less processes, filtered apps and unusable names', () => {
    const processes = [
      proc({ pmId: 0, name: 'pm2-zkit' }),
      proc({ pmId: 1, name: 'stopped', status: 'stopped', pid: 0 }),
      proc({ pmId: 2, name: 'launching', status: 'launching', pid: 0 }),
      proc({ pmId: 3, name: 'pm2-logrotate' }),
      proc({ pmId: 4, name: 'a/b' }),
      proc({ pmId: 5, name: 'api' }),
    ];
    const filtered: Target = { ...target, accepts: (name) => name !== 'pm2-logrotate' };
    expect(ids(awaitingAnnouncement(processes, new Map(), filtered))).toEqual([5]);
  });
});
