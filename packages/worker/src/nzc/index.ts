// node-zookeeper-client (1.1.3) as zkit needs it: what the library does not do by itself, in one place.
export { closeClient } from './close.js';
export { toZkError } from './exceptions.js';
