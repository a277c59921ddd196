import { describe, expect, it } from 'vitest';
import { renderJaas } from './jaas.js';

describe('renderJaas', () => {
  it("renders ZooKeeper's Server section with one user_<name> option per user", () => {
    expect(renderJaas({ alice: 'alice-secret', bob: 'b' })).toBe(
      [
        'Server {',
        '  org.apache.zookeeper.server.auth.DigestLoginModule required',
        '  user_alice="alice-secret"',
        '  user_bob="b";',
        '};',
        '',
      ].join('\n'),
    );
  });

  it('escapes quotes and backslashes, which JAAS reads as escapes in a quoted string', () => {
    expect(renderJaas({ bob: 'b"o\\b' })).toContain('user_bob="b\\"o\\\\b";');
  });
});
