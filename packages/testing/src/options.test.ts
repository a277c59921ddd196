import { describe, expect, it } from 'vitest';
import { extraJvmFlags, resolveStartOptions } from './options.js';

describe('resolveStartOptions', () => {
  it('defaults to one server, a 500 ms tick, sessions of 2 to 20 ticks and 30 s to start', () => {
    expect(resolveStartOptions()).toEqual({
      servers: 1,
      tickTime: 500,
      minSessionTimeout: 1000,
      maxSessionTimeout: 10000,
      provider: 'auto',
      jvm: 'test',
      startTimeout: 30000,
      env: process.env,
    });
  });

  it('derives session bounds from tickTime unless given', () => {
    expect(resolveStartOptions({ tickTime: 200 })).toMatchObject({
      minSessionTimeout: 400,
      maxSessionTimeout: 4000,
    });
    expect(resolveStartOptions({ minSessionTimeout: 300 })).toMatchObject({ minSessionTimeout: 300 });
  });

  it('rejects what ZooKeeper could not honour, naming every problem', () => {
    expect(() => resolveStartOptions({ servers: 2 as 1, tickTime: 0 })).toThrow(
      expect.objectContaining({
        code: 'INVALID_OPTIONS',
        message: expect.stringMatching(/servers must be 1 or 3.*tickTime must be a positive integer/),
      }),
    );
    expect(() => resolveStartOptions({ minSessionTimeout: 5000, maxSessionTimeout: 4000 })).toThrow(
      /minSessionTimeout 5000 > maxSessionTimeout 4000/,
    );
    expect(() => resolveStartOptions({ jvm: 'fast' as 'test' })).toThrow(
      expect.objectContaining({
        code: 'INVALID_OPTIONS',
        message: expect.stringMatching(/unknown jvm profile 'fast'/),
      }),
    );
    expect(() => resolveStartOptions({ containerCheckInterval: 0 })).toThrow(/containerCheckInterval/);
  });

  it('passes a container check interval to the JVM only when asked', () => {
    expect(extraJvmFlags(resolveStartOptions())).toEqual([]);
    expect(extraJvmFlags(resolveStartOptions({ containerCheckInterval: 200 }))).toEqual([
      '-Dznode.container.checkIntervalMs=200',
    ]);
  });

  it('fills in TLS defaults: mutual TLS on a TLS-only port', () => {
    expect(resolveStartOptions({ tls: true }).tls).toEqual({
      clientAuth: 'need',
      portUnification: false,
      plainPort: false,
    });
    expect(resolveStartOptions({ tls: { clientAuth: 'none', plainPort: true } }).tls).toEqual({
      clientAuth: 'none',
      portUnification: false,
      plainPort: true,
    });
    expect(resolveStartOptions({ tls: false })).not.toHaveProperty('tls');
    expect(resolveStartOptions()).not.toHaveProperty('sasl');
  });

  it('rejects TLS and SASL options ZooKeeper could not honour, never quoting a password', () => {
    expect(() => resolveStartOptions({ tls: { portUnification: true, plainPort: true } })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTIONS', message: expect.stringContaining('plainPort') }),
    );
    expect(() => resolveStartOptions({ tls: { clientAuth: 'always' as 'need' } })).toThrow(/clientAuth/);
    expect(() => resolveStartOptions({ sasl: { users: {} } })).toThrow(/names no user/);
    const bad = () => resolveStartOptions({ sasl: { users: { 'al ice': 'x', bob: 'two\nlines-secret' } } });
    expect(bad).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTIONS', message: expect.stringMatching(/"al ice".*"bob"/) }),
    );
    expect(bad).not.toThrow(/lines-secret/);
  });
});
