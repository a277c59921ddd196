import { describe, expect, it } from 'vitest';
import { canonical, parseObject } from './truth.js';
import { writeOutcome } from './write-outcome.js';

describe('comparing a view with what ZooKeeper holds', () => {
  it('ignores key order in properties, at every depth', () => {
    expect(canonical({ b: 1, a: { d: 2, c: [3, { f: 1, e: 0 }] } })).toBe(
      canonical({ a: { c: [3, { e: 0, f: 1 }], d: 2 }, b: 1 }),
    );
    expect(canonical({ a: 1 })).not.toBe(canonical({ a: 2 }));
  });

  it('reads node data as zkit shows it: a JSON object, else {}', () => {
    expect(parseObject(Buffer.from('{"a":1}'))).toEqual({ a: 1 });
    expect(parseObject(undefined)).toEqual({});
    expect(parseObject(Buffer.alloc(0))).toEqual({});
    expect(parseObject(Buffer.from('[1]'))).toEqual({});
  });

  it('counts a failed write as not applied only for codes that say it was never sent', () => {
    expect(writeOutcome('NOT_CONNECTED')).toBe('not-applied');
    expect(writeOutcome('ABORTED')).toBe('not-applied');
    for (const code of [
      'CONNECTION_LOSS',
      'SESSION_EXPIRED',
      'WORKER_CRASHED',
      'CLOSED',
      'BAD_VERSION',
      'X',
    ]) {
      expect(writeOutcome(code)).toBe('unknown');
    }
  });
});
