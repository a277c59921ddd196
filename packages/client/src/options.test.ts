import { describe, expect, it } from 'vitest';
import { checkConnectionString, resolveOptions } from './options.js';

describe('connection strings', () => {
  it.each(['127.0.0.1:2181', 'a:1,b:2,c:3', 'zk.example.com:2181/chroot/app', '[::1]:2181'])(
    'accepts %s',
    (s) => {
      expect(checkConnectionString(s)).toBe(s);
    },
  );

  it.each(['', 'localhost', 'a:1,', 'a:b', 'a:1/bad/', 'a:1 b:2'])('refuses %j', (s) => {
    expect(() => checkConnectionString(s)).toThrow(
      expect.objectContaining({ code: expect.stringMatching(/INVALID_OPTION|INVALID_PATH/) }),
    );
  });
});

describe('resolveOptions', () => {
  it('fills the documented defaults', () => {
    const resolved = resolveOptions('h:1');
    expect(resolved).toMatchObject({
      sessionTimeout: 10_000,
      connectTimeout: 30_000,
      stallTimeout: 60_000,
      incrementalChildrenFrom: 1000,
      registrationAcl: [{ scheme: 'world', id: 'anyone', perms: ['read'] }],
    });
  });

  it.each([0, 5, Number.POSITIVE_INFINITY])('takes incrementalChildrenFrom %s', (value) => {
    expect(resolveOptions('h:1', { incrementalChildrenFrom: value }).incrementalChildrenFrom).toBe(value);
  });

  it.each([-1, 1.5, Number.NaN, '10'])('refuses incrementalChildrenFrom %j with INVALID_OPTION', (value) => {
    expect(() => resolveOptions('h:1', { incrementalChildrenFrom: value as number })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION' }),
    );
  });

  it('takes ZK_CONNECT when no connection string is given', () => {
    const before = process.env.ZK_CONNECT;
    process.env.ZK_CONNECT = 'envhost:2182';
    try {
      expect(resolveOptions(undefined).connectionString).toBe('envhost:2182');
    } finally {
      if (before === undefined) delete process.env.ZK_CONNECT;
      else process.env.ZK_CONNECT = before;
    }
  });

  it('refuses bad ACLs and timeouts with INVALID_OPTION, without echoing credentials', () => {
    expect(() => resolveOptions('h:1', { stallTimeout: -1 })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION' }),
    );
    expect(() => resolveOptions('h:1', { registrationAcl: [] })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION' }),
    );
    expect(() =>
      resolveOptions('h:1', {
        registrationAcl: [{ scheme: 'world', id: 'anyone', perms: ['fly' as never] }],
      }),
    ).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
    const bad = () => resolveOptions('h:1', { auth: [{ scheme: '', credentials: 'alice:pw' }] });
    expect(bad).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
    expect(bad).not.toThrow(/pw/);
  });
});
