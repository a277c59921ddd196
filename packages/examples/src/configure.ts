/**
 * The services' configuration lives in ZooKeeper, as node data (zc.zk's properties). This writes it.
 *
 *   ZK_CONNECT=127.0.0.1:2181 node dist/configure.js                 create /fooservice with the example config
 *   ZK_CONNECT=127.0.0.1:2181 node dist/configure.js greeting=Bonjour threads=4     change it, live
 *
 * Every running http-service applies a change within milliseconds, without a restart. A VALUE is read as JSON when
 * it is JSON (`threads=4` is a number, `database=/databases/fooother` a string).
 */
import { connect, type JsonObject, type JsonValue } from '@zkit/client';
import { COMMON_OPTIONS, intOption, parseCommand, pathOption, UsageError } from './shared/args.js';
import { runMain } from './shared/lifecycle.js';
import { createLogger } from './shared/logging.js';

const USAGE = `usage: configure [--service /fooservice] [--zk HOST:PORT[/chroot]] [KEY=VALUE ...]
  no KEY=VALUE: creates the service node with the example configuration unless it exists
  KEY=VALUE:    updates these keys (other keys stay), e.g. greeting=Bonjour threads=4`;

/** zc.zk's example configuration. */
const EXAMPLE = { threads: 1, greeting: 'Hello', database: '/databases/foomain' } satisfies JsonObject;

// A command: quiet unless something is wrong (LOG_LEVEL=info shows the session's events).
const log = createLogger('configure', 'warn');

runMain(USAGE, log, async () => {
  const { values, positionals } = parseCommand({
    zk: COMMON_OPTIONS.zk,
    'session-timeout': COMMON_OPTIONS['session-timeout'],
    service: { type: 'string', default: '/fooservice' },
  });
  const service = pathOption('service', values.service);
  const changes = Object.fromEntries(positionals.map(parseAssignment));
  await using zk = await connect(values.zk, {
    sessionTimeout: intOption('session-timeout', values['session-timeout'], 1000, 600_000),
    logger: log,
  });
  const created = await zk.ensure(service, EXAMPLE);
  const properties = await zk.properties(service);
  if (positionals.length > 0) await properties.update(changes);
  const action = positionals.length > 0 ? 'updated' : created ? 'created' : 'unchanged (it exists)';
  process.stdout.write(`${service} ${action}: ${JSON.stringify(properties.toJSON())}\n`);
  properties.close();
});

function parseAssignment(argument: string): [string, JsonValue] {
  const equals = argument.indexOf('=');
  if (equals <= 0) throw new UsageError(`expected KEY=VALUE, not ${JSON.stringify(argument)}`);
  const text = argument.slice(equals + 1);
  let value: JsonValue;
  try {
    value = JSON.parse(text) as JsonValue;
  } catch {
    value = text;
  }
  return [argument.slice(0, equals), value];
}
