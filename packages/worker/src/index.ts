// The worker package's public face: where its entry is. What crosses to it is @zkit/protocol's.
export { workerEntryUrl } from './entry.js';
