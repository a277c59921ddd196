import type { ZkError } from '@zkit/protocol';
import { describe, expect, it } from 'vitest';
import type { Log } from '../log-forward.js';
import type { TlsFailure } from '../nzc/tls-connect.js';
import { serverCount, TlsFailures } from './tls-failures.js';

function setup(servers: number) {
  const lines: { level: string; msg: string }[] = [];
  const record =
    (level: string) =>
    (_fields: Record<string, unknown>, msg: string): void => {
      lines.push({ level, msg });
    };
  const log: Log = {
    trace: record('trace'),
    debug: record('debug'),
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
  };
  const hopeless: ZkError[] = [];
  const failures: ZkError[] = [];
  const tls = new TlsFailures(servers, log, {
    onHopeless: (error) => hopeless.push(error),
    onFailure: (error) => failures.push(error),
  });
  let up = false;
  let current = true;
  const hooks = tls.hooks({ everUp: () => up, current: () => current });
  return {
    tls,
    hooks,
    lines,
    hopeless,
    failures,
    setUp: () => {
      up = true;
    },
    retire: () => {
      current = false;
    },
  };
}

const badCa = (server: string): TlsFailure => ({
  server,
  stage: 'handshake',
  code: 'SELF_SIGNED_CERT_IN_CHAIN',
  reason: 'self-signed certificate in certificate chain',
});

describe('TlsFailures before the first session', () => {
  it('gives up at once when every server failed its handshake, with the server and node code', () => {
    const t = setup(2);
    t.hooks.onFailure(badCa('zk1:2281'));
    expect(t.hopeless).toEqual([]);
    t.hooks.onFailure(badCa('zk2:2281'));

    expect(t.hopeless).toHaveLength(1);
    expect(t.hopeless[0]).toMatchObject({ code: 'TLS_ERROR', name: 'SessionError' });
    expect(t.hopeless[0]?.message).toContain('zk2:2281');
    expect(t.hopeless[0]?.message).toContain('SELF_SIGNED_CERT_IN_CHAIN');
  });

  it('waits while a server is only unreachable, then names the TLS failure instead of a timeout', () => {
    const t = setup(2);
    t.hooks.onFailure(badCa('zk1:2281'));
    t.hooks.onFailure({ server: 'zk2:2281', stage: 'connect', code: 'ECONNREFUSED', reason: 'refused' });

    expect(t.hopeless).toEqual([]);
    expect(t.tls.error()).toMatchObject({ code: 'TLS_ERROR' });
  });

  it('has no TLS error when no handshake failed (a plain connect timeout), nor after one succeeded', () => {
    const t = setup(1);
    t.hooks.onFailure({ server: 'zk1:2281', stage: 'connect', code: 'ECONNREFUSED', reason: 'refused' });
    expect(t.tls.error()).toBeUndefined();
    t.hooks.onFailure(badCa('zk1:2281'));
    t.hooks.onSecure('zk1:2281');
    expect(t.tls.error()).toBeUndefined();
  });

  it('ignores the hooks of a client the session no longer uses', () => {
    const t = setup(1);
    t.retire();
    t.hooks.onFailure(badCa('zk1:2281'));
    expect(t.hopeless).toEqual([]);
    expect(t.tls.error()).toBeUndefined();
  });
});

describe('TlsFailures once a session was up', () => {
  it('reports the first failure of a run at error, and not its repeats, and never gives up', () => {
    const t = setup(1);
    t.setUp();
    for (let i = 0; i < 5; i++) t.hooks.onFailure(badCa('zk1:2281'));

    expect(t.hopeless).toEqual([]);
    expect(t.failures).toHaveLength(1);
    expect(t.failures[0]).toMatchObject({ code: 'TLS_ERROR' });
    expect(t.lines.filter((line) => line.level === 'error')).toHaveLength(1);
  });

  it('reports again after a handshake succeeded, or when the failure changes', () => {
    const t = setup(1);
    t.setUp();
    t.hooks.onFailure(badCa('zk1:2281'));
    t.hooks.onFailure({ ...badCa('zk1:2281'), code: 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE' });
    t.hooks.onSecure('zk1:2281');
    t.hooks.onFailure(badCa('zk1:2281'));

    expect(t.failures).toHaveLength(3);
    expect(t.lines.some((line) => line.level === 'info')).toBe(true);
  });
});

describe('serverCount', () => {
  it.each([
    ['a:1', 1],
    ['a:1,b:2,c:3', 3],
    ['a:1,b:2/chroot/x', 2],
  ])('counts the servers of %s', (connectionString, count) => {
    expect(serverCount(connectionString)).toBe(count);
  });
});
