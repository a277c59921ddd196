import type { WorkerEvent } from '@zkit/protocol';
import { describe, expect, it } from 'vitest';
import { forwardingLog, LOG_SEVERITY } from './log-forward.js';

describe('forwardingLog', () => {
  it('sends only records at or above the main-thread logger level', () => {
    const sent: WorkerEvent[] = [];
    const log = forwardingLog((event) => sent.push(event), LOG_SEVERITY.info);

    log.debug({ path: '/a' }, 'armed');
    log.info({ path: '/a' }, 'registered');
    log.error({}, 'failed');

    expect(sent.map((event) => (event.type === 'log' ? event.level : event.type))).toEqual(['info', 'error']);
  });

  it("sends nothing for a 'silent' logger", () => {
    const sent: WorkerEvent[] = [];
    const log = forwardingLog((event) => sent.push(event), LOG_SEVERITY.silent);
    log.error({}, 'failed');
    expect(sent).toEqual([]);
  });
});
