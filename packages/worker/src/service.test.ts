import { PROTOCOL_VERSION, type WorkerConfig } from '@zkit/protocol';
import { describe, expect, it } from 'vitest';
import { WorkerService } from './service.js';

describe('WorkerService.start', () => {
  it('refuses a main thread that speaks another protocol version, before it connects anywhere', async () => {
    const service = new WorkerService(() => {});
    const config = { protocolVersion: PROTOCOL_VERSION + 1 } as unknown as WorkerConfig;
    await expect(service.start(config)).rejects.toMatchObject({
      code: 'INVALID_OPTION',
      message: expect.stringContaining(`this worker ${PROTOCOL_VERSION}`),
    });
  });
});
