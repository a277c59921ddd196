import { createHash } from 'node:crypto';
import { isZkError } from '@zkit/protocol';
import { describe, expect, it } from 'vitest';
import { checkRspauth, digestResponse, parseDirectives } from './sasl-digest-md5.js';

/** RFC 2831 section 4, the IMAP example: user chris, password secret. */
const RFC_CHALLENGE =
  'realm="elwood.innosoft.com",nonce="OA6MG9tEQGm2hh",qop="auth",algorithm=md5-sess,charset=utf-8';
const RFC_OPTIONS = {
  username: 'chris',
  password: 'secret',
  digestUri: 'imap/elwood.innosoft.com',
  cnonce: 'OA6MHXh6VqTrRk',
};

/** The challenge ZooKeeper 3.8's DigestMD5Server sends (observed, nonce shortened). */
const ZK_CHALLENGE = 'realm="zk-sasl-md5",nonce="ovm6VHaKxyz",charset=utf-8,algorithm=md5-sess';
const ZK_OPTIONS = {
  username: 'alice',
  password: 'alicesecret',
  digestUri: 'zookeeper/zk-sasl-md5',
  realm: 'zk-sasl-md5',
  cnonce: 'fixed-cnonce',
};

const md5hex = (data: Buffer | string) => createHash('md5').update(data).digest('hex');

function rejection(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('did not throw');
}

describe('digestResponse', () => {
  it('gives the response and rspauth of the RFC 2831 example', () => {
    const { token, rspauth } = digestResponse(RFC_CHALLENGE, RFC_OPTIONS);
    expect(token).toBe(
      'charset=utf-8,username="chris",realm="elwood.innosoft.com",nonce="OA6MG9tEQGm2hh",nc=00000001,' +
        'cnonce="OA6MHXh6VqTrRk",digest-uri="imap/elwood.innosoft.com",response=d388dad90d4bbd760a152321f2143af7,qop=auth',
    );
    expect(rspauth).toBe('ea40f60335c427b5527b84dbabcdfffd');
  });

  it('answers ZooKeeper in its realm with the digest computed as RFC 2831 2.1.2.1 says', () => {
    const { token, rspauth } = digestResponse(ZK_CHALLENGE, ZK_OPTIONS);
    const fields = parseDirectives(token);
    expect(Object.fromEntries([...fields].map(([key, [value]]) => [key, value]))).toEqual({
      charset: 'utf-8',
      username: 'alice',
      realm: 'zk-sasl-md5',
      nonce: 'ovm6VHaKxyz',
      nc: '00000001',
      cnonce: 'fixed-cnonce',
      'digest-uri': 'zookeeper/zk-sasl-md5',
      response: expect.stringMatching(/^[0-9a-f]{32}$/),
      qop: 'auth',
    });
    // Independently: A1 = H(user:realm:pass) as 16 raw bytes, then ":nonce:cnonce".
    const secret = createHash('md5').update('alice:zk-sasl-md5:alicesecret').digest();
    const ha1 = md5hex(Buffer.concat([secret, Buffer.from(':ovm6VHaKxyz:fixed-cnonce')]));
    const kd = (a2: string) => md5hex(`${ha1}:ovm6VHaKxyz:00000001:fixed-cnonce:auth:${md5hex(a2)}`);
    expect(fields.get('response')).toEqual([kd('AUTHENTICATE:zookeeper/zk-sasl-md5')]);
    expect(rspauth).toBe(kd(':zookeeper/zk-sasl-md5'));
  });

  it('never puts the password in the token', () => {
    const { token } = digestResponse(ZK_CHALLENGE, { ...ZK_OPTIONS, password: 'alicesecret' });
    expect(token).not.toContain('alicesecret');
  });

  it('makes a fresh cnonce for every response unless one is given', () => {
    const { cnonce: _fixed, ...random } = ZK_OPTIONS;
    const first = parseDirectives(digestResponse(ZK_CHALLENGE, random).token).get('cnonce');
    const second = parseDirectives(digestResponse(ZK_CHALLENGE, random).token).get('cnonce');
    expect(first?.[0]).toMatch(/^[A-Za-z0-9+/=]{16,}$/);
    expect(first).not.toEqual(second);
  });

  it('hashes ISO 8859-1 names in ISO 8859-1 and others in UTF-8 (RFC 2831 2.1.2.1)', () => {
    const latin = digestResponse(ZK_CHALLENGE, { ...ZK_OPTIONS, password: 'pässword' }).token;
    const utf8Only = digestResponse(ZK_CHALLENGE, { ...ZK_OPTIONS, password: 'pass→word' }).token;
    const secretOf = (password: Buffer) =>
      createHash('md5')
        .update(Buffer.concat([Buffer.from('alice:zk-sasl-md5:'), password]))
        .digest();
    const responseOf = (secret: Buffer) => {
      const ha1 = md5hex(Buffer.concat([secret, Buffer.from(':ovm6VHaKxyz:fixed-cnonce')]));
      return md5hex(
        `${ha1}:ovm6VHaKxyz:00000001:fixed-cnonce:auth:${md5hex('AUTHENTICATE:zookeeper/zk-sasl-md5')}`,
      );
    };
    expect(parseDirectives(latin).get('response')).toEqual([
      responseOf(secretOf(Buffer.from('pässword', 'latin1'))),
    ]);
    expect(parseDirectives(utf8Only).get('response')).toEqual([
      responseOf(secretOf(Buffer.from('pass→word', 'utf8'))),
    ]);
  });

  it('answers in the preferred realm when offered, else in the first offered', () => {
    const two = 'realm="a",realm="zk-sasl-md5",nonce="n",algorithm=md5-sess';
    expect(parseDirectives(digestResponse(two, ZK_OPTIONS).token).get('realm')).toEqual(['zk-sasl-md5']);
    const other = 'realm="b",nonce="n",algorithm=md5-sess';
    expect(parseDirectives(digestResponse(other, ZK_OPTIONS).token).get('realm')).toEqual(['b']);
    const none = 'nonce="n",algorithm=md5-sess';
    expect(parseDirectives(digestResponse(none, ZK_OPTIONS).token).get('realm')).toEqual(['zk-sasl-md5']);
  });

  it.each([
    ['no nonce', 'realm="r",algorithm=md5-sess'],
    ['two nonces', 'nonce="a",nonce="b",algorithm=md5-sess'],
    ['no algorithm', 'nonce="a"'],
    ['another algorithm', 'nonce="a",algorithm=md5'],
    ['no qop=auth', 'nonce="a",qop="auth-conf",algorithm=md5-sess'],
    ['an unterminated quote', 'nonce="a,algorithm=md5-sess'],
    ['garbage', '=,='],
  ])('refuses a challenge with %s as AUTH_FAILED, without the password', (_, challenge) => {
    const error = rejection(() => digestResponse(challenge, ZK_OPTIONS));
    expect(isZkError(error, 'AUTH_FAILED')).toBe(true);
    expect((error as Error).message).not.toContain('alicesecret');
  });
});

describe('parseDirectives', () => {
  it('reads tokens, quoted strings with escapes, spaces and empty elements', () => {
    const directives = parseDirectives(' a=1 , b="x,\\"y\\"\\\\" ,, Qop="auth,auth-int",c=');
    expect([...directives]).toEqual([
      ['a', ['1']],
      ['b', ['x,"y"\\']],
      ['qop', ['auth,auth-int']],
      ['c', ['']],
    ]);
  });

  it('quotes what it writes so that it reads back the same', () => {
    const { token } = digestResponse(ZK_CHALLENGE, { ...ZK_OPTIONS, username: 'a"b\\c' });
    expect(parseDirectives(token).get('username')).toEqual(['a"b\\c']);
  });
});

describe('checkRspauth', () => {
  it('accepts the rspauth of the RFC 2831 example', () => {
    const { rspauth } = digestResponse(RFC_CHALLENGE, RFC_OPTIONS);
    expect(() => checkRspauth('rspauth=ea40f60335c427b5527b84dbabcdfffd', rspauth)).not.toThrow();
  });

  it.each([
    ['another digest', 'rspauth=00000000000000000000000000000000'],
    ['a short one', 'rspauth=ea40'],
    ['none', ''],
  ])('refuses %s as AUTH_FAILED', (_, final) => {
    const error = rejection(() => checkRspauth(final, 'ea40f60335c427b5527b84dbabcdfffd'));
    expect(isZkError(error, 'AUTH_FAILED')).toBe(true);
  });
});
