// A PM2 fleet of the examples, with the pm2-zkit plugin run as an ordinary app.
//
//   npx turbo run build                                        (from the repository root)
//   ZK_CONNECT=127.0.0.1:2181 node packages/examples/dist/configure.js
//   ZK_CONNECT=127.0.0.1:2181 npx pm2 start packages/examples/ecosystem.config.cjs
//
// What registers where:
//   - each http-service registers itself (with zkit) under /fooservice/servers, which the load balancer watches;
//   - the plugin registers every PM2 process under /services/<app name>/servers, with its pid, pm_id and restarts,
//     using the port each app announces (the `zkit:register` message the examples send once they listen);
//   - the database server registers as a provider of /databases/foomain.
// PM2 restarts a crashed process; its nodes come back with it. `npx pm2 delete all` ends it all.
//
// Settings come from the environment of the `pm2 start` command (defaults in brackets):
//   ZK_CONNECT [127.0.0.1:2181]   ZKIT_EXAMPLE_LB_PORT [8080]   ZKIT_EXAMPLE_DATA [<tmp>/zkit-foomain.json]
const os = require('node:os');
const path = require('node:path');

const zkConnect = process.env.ZK_CONNECT || '127.0.0.1:2181';
const dist = path.join(__dirname, 'dist');
// Everything listens on loopback, so the plugin must advertise loopback too. On a real network, start the
// examples with `--host <this machine's address>` and drop ZKIT_HOST (the plugin then finds the address itself).
const host = '127.0.0.1';
const env = { ZK_CONNECT: zkConnect };

module.exports = {
  apps: [
    {
      name: 'pm2-zkit',
      script: path.join(__dirname, '..', 'pm2-plugin', 'dist', 'main.js'),
      env: { ...env, ZKIT_HOST: host, ZKIT_ROOT: '/services' },
    },
    {
      name: 'foomain-db',
      script: path.join(dist, 'database-server.js'),
      args: [
        '--name',
        'foomain',
        '--host',
        host,
        '--data',
        process.env.ZKIT_EXAMPLE_DATA || path.join(os.tmpdir(), 'zkit-foomain.json'),
      ],
      env,
    },
    {
      // Three instances in fork mode: each listens on a free port of its own and registers it.
      name: 'fooservice',
      script: path.join(dist, 'http-service.js'),
      args: ['--host', host],
      instances: 3,
      exec_mode: 'fork',
      // Time to unregister and drain on SIGINT (PM2's stop signal) before PM2 resorts to SIGKILL.
      kill_timeout: 15000,
      env,
    },
    {
      name: 'load-balancer',
      script: path.join(dist, 'load-balancer.js'),
      args: ['--host', host, '--port', process.env.ZKIT_EXAMPLE_LB_PORT || '8080'],
      kill_timeout: 15000,
      env,
    },
  ],
};
