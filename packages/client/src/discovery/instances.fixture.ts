import type { Instance } from './instance.js';

/** A frozen instance of service `orders` for the providers' tests: only `id` and `enabled` matter to them. */
export function testInstance(id: string, enabled = true): Instance {
  return Object.freeze({
    id,
    name: 'orders',
    address: '10.0.0.1',
    port: 8080,
    sslPort: null,
    data: {},
    enabled,
    uriSpec: null,
    registrationTime: null,
  });
}
