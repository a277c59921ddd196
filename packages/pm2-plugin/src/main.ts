// Entry point, the same file whether PM2 runs it as a module (`pm2 install pm2-zkit`) or as an app
// (`pm2 start node_modules/pm2-zkit/dist/main.js --name pm2-zkit`).
import { pino } from 'pino';
import { DEFAULTS, loadConfig, moduleConfOf } from './config.js';
import { isPluginError } from './errors.js';
import { startMonitor } from './monitor.js';
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
  // A rejection nobody handles is a bug that may have left the plugin half-working: end it, and PM2 starts a fresh
  // one, which resumes the session (session-file.ts), so the nodes stay in place meanwhile (pino writes to stdout
  // synchronously: the line is out before the exit).
  process.on('unhandledRejection', (reason) => {
    log.fatal({ err: reason }, 'unhandled rejection; exiting for PM2 to restart the plugin');
    process.exit(1);
  });

  let plugin: Plugin;
  try {
    plugin = await startPlugin({ config, logger: log });
  } catch (error) {
    log.fatal({ err: error }, 'cannot start: PM2 is unreachable');
    process.exit(1);
  }
  // Metrics and actions for `pm2 show`/`pm2 monit`/`pm2 trigger`; never the reason the plugin stops working.
  try {
    startMonitor(plugin, { conf: moduleConfOf(config), log });
  } catch (error) {
    log.error({ err: error }, 'cannot publish metrics and actions to PM2; carrying on without them');
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
