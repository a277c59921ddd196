// Entry point, the same file whether PM2 runs it as a module (`pm2 install pm2-zkit`) or as an app
// (`pm2 start node_modules/pm2-zkit/dist/main.js --name pm2-zkit`).
import { pino } from 'pino';
import { DEFAULTS, loadConfig } from './config.js';
import { isPluginError } from './errors.js';
import { type Plugin, startPlugin } from './plugin.js';

async function main(): Promise<void> {
  let loaded: ReturnType<typeof loadConfig>;
  try {
    loaded = loadConfig();
  } catch (error) {
    // A bad setting is fixed with `pm2 set`, which restarts the plugin; retrying it here would change nothing.
    pino({ name: 'pm2-zkit' }).fatal(
      { err: error, code: isPluginError(error) ? error.code : undefined },
      'bad settings',
    );
    process.exit(78); // EX_CONFIG
  }
  const { config, unknownKeys } = loaded;
  const log = pino({ name: 'pm2-zkit', level: config.logLevel });
  if (unknownKeys.length > 0) log.warn({ unknownKeys }, 'ignoring unknown module conf keys');
  // A bug must not take the registrations of the whole host down with it; log it and carry on.
  process.on('unhandledRejection', (reason) => log.error({ err: reason }, 'unhandled rejection'));

  let plugin: Plugin;
  try {
    plugin = await startPlugin({ config, logger: log });
  } catch (error) {
    log.fatal({ err: error }, 'cannot start: PM2 is unreachable');
    process.exit(1);
  }
  const stop = (signal: NodeJS.Signals): void => {
    log.info({ signal }, 'stopping');
    setTimeout(() => process.exit(0), DEFAULTS.closeBudget).unref();
    plugin.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'close failed');
        process.exit(0);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

await main();
