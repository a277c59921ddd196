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
      heartbeatInterval: 1000,
      incrementalChildrenFrom: 1000,
      maxDataBytes: 1024 * 1024 - 4096,
      offlineCalls: 'queue',
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

  it.each([
    ['an empty scheme', { scheme: '', credentials: 'alice:pw' }],
    ['an upper-case scheme', { scheme: 'Digest', credentials: 'alice:pw' }],
    ['a scheme with a space', { scheme: 'di gest', credentials: 'alice:pw' }],
    ['digest credentials without a colon', { scheme: 'digest', credentials: 'alicepw' }],
    ['digest credentials without a user', { scheme: 'digest', credentials: ':pw' }],
    ['digest credentials without a password', { scheme: 'digest', credentials: 'alice:' }],
    ['non-string credentials', { scheme: 'digest', credentials: 42 }],
  ])('refuses auth with %s (INVALID_OPTION), never echoing the credentials', (_, entry) => {
    const bad = () => resolveOptions('h:1', { auth: [entry as never] });
    expect(bad).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
    expect(bad).not.toThrow(/pw/);
  });

  it.each([
    { scheme: 'digest', credentials: 'alice:pass:with:colons' },
    { scheme: 'ip', credentials: '127.0.0.1' },
    { scheme: 'x509', credentials: 'anything' },
  ])('takes auth %j', (entry) => {
    expect(resolveOptions('h:1', { auth: [entry] }).auth).toEqual([entry]);
  });

  it('takes SASL credentials, DIGEST-MD5 by default, copied', () => {
    const sasl = { username: 'svc', password: 's3cret' };
    const resolved = resolveOptions('h:1', { sasl });
    expect(resolved.sasl).toEqual({ mechanism: 'DIGEST-MD5', username: 'svc', password: 's3cret' });
    expect(resolved.sasl).not.toBe(sasl);
    expect(resolveOptions('h:1').sasl).toBeUndefined();
  });

  it.each([
    ['null', null],
    ['a string', 'svc:s3cret'],
    ['another mechanism', { mechanism: 'PLAIN', username: 'svc', password: 's3cret' }],
    ['no username', { password: 's3cret' }],
    ['an empty username', { username: '', password: 's3cret' }],
    ['no password', { username: 'svc' }],
    ['an empty password', { username: 'svc', password: '' }],
    ['a password that is not a string', { username: 'svc', password: Buffer.from('s3cret') }],
  ])('refuses sasl with %s (INVALID_OPTION), never echoing the password', (_, sasl) => {
    const bad = () => resolveOptions('h:1', { sasl: sasl as never });
    expect(bad).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringMatching(/^option sasl/) }),
    );
    expect(bad).not.toThrow(/s3cret/);
  });

  it('takes sasl:<user> ACL ids', () => {
    const acl = [{ scheme: 'sasl', id: 'alice', perms: ['read', 'write'] }] as const;
    expect(resolveOptions('h:1', { registrationAcl: acl, parentAcl: acl }).registrationAcl).toEqual(acl);
  });

  it("queues offline calls by default, takes 'reject', refuses anything else", () => {
    expect(resolveOptions('h:1').offlineCalls).toBe('queue');
    expect(resolveOptions('h:1', { offlineCalls: 'reject' }).offlineCalls).toBe('reject');
    expect(() => resolveOptions('h:1', { offlineCalls: 'drop' as never })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION' }),
    );
  });

  it('refuses a signal that is not an AbortSignal, and keeps none in the resolved options', () => {
    expect(() => resolveOptions('h:1', { signal: 'soon' as never })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION' }),
    );
    expect(resolveOptions('h:1', { signal: new AbortController().signal })).not.toHaveProperty('signal');
  });

  it('takes a session to resume (id and 16-byte password, copied) and refuses anything else', () => {
    const password = new Uint8Array(16).fill(7);
    const { resume } = resolveOptions('h:1', { resume: { id: '0123456789abcdef', password } });
    expect(resume).toEqual({ id: '0123456789abcdef', password });
    expect(resume?.password).not.toBe(password);
    expect(resolveOptions('h:1').resume).toBeUndefined();
    for (const bad of [
      { id: '0123', password },
      { id: '0123456789ABCDEF', password },
      { id: '0123456789abcdef', password: new Uint8Array(15) },
      { id: '0123456789abcdef', password: 'secret' },
      null,
    ]) {
      expect(() => resolveOptions('h:1', { resume: bad as never })).toThrow(
        expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringMatching(/^option resume/) }),
      );
    }
  });
});

describe('TLS options', () => {
  it('accepts x509 ACL ids (mutual TLS identities) for registrations and parents', () => {
    const acl = [{ scheme: 'x509' as const, id: 'CN=svc-a', perms: ['read' as const, 'write' as const] }];
    expect(resolveOptions('h:2281', { registrationAcl: acl, parentAcl: acl })).toMatchObject({
      registrationAcl: acl,
      parentAcl: acl,
    });
  });

  it('takes tls: true as TLS with default CAs, and refuses a tls of the wrong type with INVALID_OPTION', () => {
    expect(resolveOptions('h:2281', { tls: true }).tls).toEqual({});
    expect(() => resolveOptions('h:2281', { tls: 'yes' as never })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION' }),
    );
  });
});
