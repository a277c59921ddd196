// Test data: a PM2 process as `parseProcess` gives it, online, with what a test does not care about filled in.
import type { ManagedProcess } from './reconcile.js';

export function proc(
  overrides: Partial<ManagedProcess> & Pick<ManagedProcess, 'pmId' | 'name'>,
): ManagedProcess {
  return {
    pid: 1000 + overrides.pmId,
    status: 'online',
    execMode: 'fork',
    instance: 0,
    restarts: 0,
    envPort: undefined,
    module: false,
    replaced: false,
    ...overrides,
  };
}
