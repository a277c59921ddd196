import { describe, expect, it } from 'vitest';
import { proc } from './process.fixture.js';
import type { ManagedProcess } from './reconcile.js';
import { type Served, servingProcesses } from './serving.js';

const GRACE = 500;
const none = new Map<number, Served>();
const serve = (listed: ManagedProcess[], last = none, now = 0) => servingProcesses(listed, last, now, GRACE);

describe('servingProcesses', () => {
  it('holds the last online process through a fork-mode restart (stopping, stopped, launching with pid 0)', () => {
    const before = proc({ pmId: 1, name: 'api', pid: 100, envPort: 80 });
    let last = serve([before]).next;
    for (const passing of [
      { ...before, status: 'stopping' },
      { ...before, status: 'stopping', pid: 0 },
      { ...before, status: 'stopped', pid: 0 },
      { ...before, status: 'launching', pid: 0 },
    ]) {
      const step = serve([passing], last, 100);
      expect(step.serving).toEqual([before]);
      last = step.next;
    }
    expect(serve([{ ...before, status: 'launching', pid: 0 }], last, 100).held).toEqual(new Set([1]));
    const after = { ...before, pid: 200, restarts: 1 };
    expect(serve([after], last, 200)).toMatchObject({ serving: [after], held: new Set() });
  });

  it('lets a stopped process go once the grace is over, telling when that is', () => {
    const before = proc({ pmId: 1, name: 'api', pid: 100 });
    const stopped = { ...before, status: 'stopped', pid: 0 };
    const first = serve([stopped], serve([before]).next, 1000);
    expect(first).toMatchObject({ serving: [before], holdEndsIn: GRACE });
    const second = serve([stopped], first.next, 1300);
    expect(second).toMatchObject({ serving: [before], holdEndsIn: 200 });
    const third = serve([stopped], second.next, 1500);
    expect(third).toMatchObject({ serving: [stopped], holdEndsIn: undefined });
    expect(third.next.size).toBe(0);
  });

  it('holds nothing through a crash (errored, waiting restart)', () => {
    const before = proc({ pmId: 1, name: 'api', pid: 100 });
    for (const status of ['errored', 'waiting restart']) {
      expect(serve([{ ...before, status, pid: 0 }], serve([before]).next).serving).toMatchObject([
        { status },
      ]);
    }
  });

  it('does not hold a process for another app that took the pm_id', () => {
    const last = serve([proc({ pmId: 1, name: 'old-app', pid: 100 })]).next;
    const [serving] = serve([proc({ pmId: 1, name: 'new-app', status: 'launching', pid: 0 })], last).serving;
    expect(serving).toMatchObject({ name: 'new-app', pid: 0 });
  });

  it("serves from a reload's parked _old_ instance until its successor is online", () => {
    const old = proc({ pmId: 3, name: 'web', pid: 300, execMode: 'cluster', replaced: true });
    const next = proc({ pmId: 3, name: 'web', pid: 0, status: 'launching', execMode: 'cluster' });
    const during = serve([next, old]);
    expect(during.serving).toEqual([old]);

    const online = { ...next, pid: 301, status: 'online' };
    expect(serve([online, { ...old, status: 'stopping' }], during.next).serving).toEqual([online]);
  });

  it('holds through a parked instance stopping before its successor is online', () => {
    const old = proc({ pmId: 3, name: 'web', pid: 300, replaced: true });
    const { next } = serve([old]);
    const launching = proc({ pmId: 3, name: 'web', pid: 0, status: 'launching' });
    expect(serve([{ ...old, status: 'stopping' }, launching], next).serving).toEqual([old]);
  });

  it('gives one entry per pm_id, in list order', () => {
    const listed = [proc({ pmId: 2, name: 'b' }), proc({ pmId: 1, name: 'a' })];
    expect(serve(listed).serving.map((p) => p.pmId)).toEqual([2, 1]);
  });
});
