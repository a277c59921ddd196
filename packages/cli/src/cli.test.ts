import { AuthError, InvalidInputError, NodeError, SessionError } from '@zkit/client';
import { describe, expect, it } from 'vitest';
import { parseAcl } from './commands/import.js';
import { parseAssignments } from './commands/set.js';
import { parseAuth, withTlsHint } from './connection.js';
import { errorLine, exitCodeOf, UsageError } from './exit-codes.js';
import { renderTree, type TreeEntry } from './tree-listing.js';

describe('arguments', () => {
  it('key=JSON: values are JSON, keys may be anything before the first =', () => {
    expect(parseAssignments(['threads=3', 'name="a=b"', 'tags=[1]', '__proto__={}'])).toEqual(
      JSON.parse('{"threads":3,"name":"a=b","tags":[1],"__proto__":{}}'),
    );
    expect(() => parseAssignments(['name=api'])).toThrow(UsageError);
    expect(() => parseAssignments(['=3'])).toThrow(/expected key=JSON/);
  });

  it('--acl scheme:id:perms, the id may hold colons; sasl and x509 for secure ensembles', () => {
    expect(parseAcl('world:anyone:r')).toEqual({ scheme: 'world', id: 'anyone', perms: ['read'] });
    expect(parseAcl('digest:ops:hash=:rwcda')).toEqual({
      scheme: 'digest',
      id: 'ops:hash=',
      perms: ['read', 'write', 'create', 'delete', 'admin'],
    });
    expect(() => parseAcl('world:anyone:x')).toThrow(UsageError);
    expect(parseAcl('sasl:alice:rw')).toEqual({ scheme: 'sasl', id: 'alice', perms: ['read', 'write'] });
    expect(parseAcl('x509:CN=zkit-client,O=ops:r')).toEqual({
      scheme: 'x509',
      id: 'CN=zkit-client,O=ops',
      perms: ['read'],
    });
    expect(() => parseAcl('kerberos:x:r')).toThrow(UsageError);
  });

  it('--auth scheme:credentials splits at the first colon', () => {
    expect(parseAuth('digest:ops:secret')).toEqual({ scheme: 'digest', credentials: 'ops:secret' });
    expect(() => parseAuth('digest')).toThrow(UsageError);
  });
});

describe('errors', () => {
  it('one line, the code first, the path when the message lacks it; usage exits 2, the rest 1', () => {
    const missing = new NodeError('NO_NODE', 'the node does not exist', { path: '/x' });
    expect(errorLine(missing)).toBe('zkit: NO_NODE: the node does not exist (/x)');
    expect(errorLine(new Error('first\nsecond'))).toBe('zkit: first');
    expect(exitCodeOf(missing)).toBe(1);
    expect(exitCodeOf(new UsageError('bad'))).toBe(2);
  });

  it('TLS_ERROR exits 3, AUTH_FAILED 4, an option connect() refuses 2: retrying cannot help those', () => {
    expect(exitCodeOf(new SessionError('TLS_ERROR', 'handshake failed'))).toBe(3);
    expect(exitCodeOf(new AuthError('AUTH_FAILED', 'refused'))).toBe(4);
    expect(exitCodeOf(new InvalidInputError('INVALID_OPTION', 'option tls cannot be loaded'))).toBe(2);
    expect(exitCodeOf(new AuthError('NO_AUTH', 'not allowed', { path: '/x' }))).toBe(1);
    expect(exitCodeOf(new SessionError('CONNECT_TIMEOUT', 'no answer'))).toBe(1);
  });
});

describe('TLS_ERROR hints', () => {
  const failure = new SessionError(
    'TLS_ERROR',
    'TLS connection to 127.0.0.1:2281 failed: alert bad certificate',
  );
  const hinted = (tls: Parameters<typeof withTlsHint>[1]) => (withTlsHint(failure, tls) as Error).message;

  it('say what the command line left out: TLS altogether, or the client certificate', () => {
    expect(hinted(undefined)).toMatch(/failed: alert bad certificate \(zkit connected without TLS: --tls/);
    expect(hinted({ ca: { path: 'ca.pem' } })).toMatch(
      /\(no client certificate was given: --tls-cert and --tls-key/,
    );
    expect(withTlsHint(failure, { ca: { path: 'ca.pem' } })).toMatchObject({
      code: 'TLS_ERROR',
      cause: failure,
    });
  });

  it('leave other errors, and TLS errors with a certificate given, as they are', () => {
    const withCert = { cert: { path: 'c.pem' }, key: { path: 'k.pem' } };
    expect(withTlsHint(failure, withCert)).toBe(failure);
    const timeout = new SessionError('CONNECT_TIMEOUT', 'no answer');
    expect(withTlsHint(timeout, undefined)).toBe(timeout);
  });
});

describe('renderTree', () => {
  it('draws the tree as tree(1) does, ephemeral nodes with their session and pid', () => {
    const leaf = (name: string, path: string, pid?: number): TreeEntry => ({
      name,
      path,
      ephemeral: pid === undefined ? { session: '0100ab' } : { session: '0100ab', pid },
      children: [],
    });
    const tree: TreeEntry = {
      name: '/',
      path: '/',
      children: [
        { name: 'a', path: '/a', children: [leaf('x:1', '/a/x:1', 7), leaf('y:2', '/a/y:2')] },
        { name: 'b', path: '/b', children: [] },
      ],
    };
    expect(renderTree(tree)).toBe(
      [
        '/',
        '├── a',
        '│   ├── x:1  [ephemeral session 0x0100ab pid 7]',
        '│   └── y:2  [ephemeral session 0x0100ab]',
        '└── b',
      ].join('\n'),
    );
  });
});
