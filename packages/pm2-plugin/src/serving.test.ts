import { describe, expect, it } from 'vitest';
import { proc } from './process.fixture.js';
import type { ManagedProcess } from './reconcile.js';
import { onlineByPmId, servingProcesses } from './serving.js';

const none = new Map<number, ManagedProcess>();

describe('servingProcesses', () => {
  it('holds the last online process through a fork-mode restart (stopping, then launching with pid 0)', () => {
    const before = proc({ pmId: 1, name: 'api', pid: 100, envPort: 80 });
    const last = onlineByPmId(servingProcesses([before], none));

    for (const passing of [
      { ...before, status: 'stopping' },
      { ...before, status: 'launching', pid: 0 },
    ]) {
      expect(servingProcesses([passing], last)).toEqual([before]);
    }
    const after = { ...before, pid: 200, restarts: 1 };
    expect(servingProcesses([after], last)).toEqual([after]);
  });

  it('lets the node go once the process is stopped, errored or waiting for a restart', () => {
    const before = proc({ pmId: 1, name: 'api', pid: 100 });
    const last = onlineByPmId([before]);
    for (const status of ['stopped', 'errored', 'waiting restart']) {
      const [serving] = servingProcesses([{ ...before, status, pid: 0 }], last);
      expect(serving).toMatchObject({ status, pid: 0 });
    }
  });

  it('does not hold a process for another app that took the pm_id', () => {
    const last = onlineByPmId([proc({ pmId: 1, name: 'old-app', pid: 100 })]);
    const [serving] = servingProcesses(
      [proc({ pmId: 1, name: 'new-app', status: 'launching', pid: 0 })],
      last,
    );
    expect(serving).toMatchObject({ name: 'new-app', pid: 0 });
  });

  it("serves from a reload's parked _old_ instance until its successor is online", () => {
    const old = proc({ pmId: 3, name: 'web', pid: 300, execMode: 'cluster', replaced: true });
    const next = proc({ pmId: 3, name: 'web', pid: 0, status: 'launching', execMode: 'cluster' });
    expect(servingProcesses([next, old], none)).toEqual([old]);

    const online = { ...next, pid: 301, status: 'online' };
    expect(servingProcesses([online, { ...old, status: 'stopping' }], onlineByPmId([old]))).toEqual([online]);
  });

  it('holds through a parked instance stopping before its successor is online', () => {
    const old = proc({ pmId: 3, name: 'web', pid: 300, replaced: true });
    const last = onlineByPmId(servingProcesses([old], none));
    const serving = servingProcesses(
      [{ ...old, status: 'stopping' }, proc({ pmId: 3, name: 'web', pid: 0, status: 'launching' })],
      last,
    );
    expect(serving).toEqual([old]);
  });

  it('gives one entry per pm_id, in list order', () => {
    const listed = [proc({ pmId: 2, name: 'b' }), proc({ pmId: 1, name: 'a' })];
    expect(servingProcesses(listed, none).map((p) => p.pmId)).toEqual([2, 1]);
  });
});
