// `npm start`: try Baton in a real VS Code without installing anything by hand.
// Builds and packages the VSIX, installs code-server once into ~/.cache/baton (see
// code-server.mjs), installs the VSIX into a private profile, and serves VS Code with the demo
// workspace on 127.0.0.1. Ctrl+C stops it.
//
//   npm start [-- --port 8080] [--workspace DIR] [--data-dir DIR]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureCodeServer } from './code-server.mjs';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function option(name, fallback) {
  const index = process.argv.indexOf(`--${name}`);
  if (index === -1) return fallback;
  const value = process.argv[index + 1];
  if (!value || value.startsWith('--')) fail(`--${name} needs a value`);
  return value;
}

function fail(message) {
  console.error(`npm start: ${message}`);
  process.exit(1);
}

function step(message) {
  console.log(`\n> ${message}`);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', cwd: projectRoot, ...options });
  if (result.status !== 0) fail(`${command} ${args.join(' ')} exited with ${result.status ?? result.signal}`);
}

function portIsFree(port) {
  return new Promise((resolvePort) => {
    const server = createServer();
    server.once('error', () => resolvePort(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolvePort(true)));
  });
}

async function choosePort(requested) {
  if (requested !== undefined) {
    const port = Number(requested);
    if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`--port ${requested} is not a port number`);
    if (!(await portIsFree(port))) fail(`port ${port} is in use on 127.0.0.1; pick another with --port`);
    return port;
  }
  for (let port = 8080; port < 8100; port++) if (await portIsFree(port)) return port;
  fail('no free port between 8080 and 8099; pick one with --port');
}

const workspace = resolve(option('workspace', join(projectRoot, 'demo')));
const dataDir = resolve(option('data-dir', join(homedir(), '.cache', 'baton', 'start')));
const port = await choosePort(option('port', process.env.PORT));
if (!existsSync(workspace)) fail(`workspace ${workspace} does not exist`);

step('Installing code-server (once; cached in ~/.cache/baton)');
const codeServer = ensureCodeServer();

step('Building and packaging the extension');
const vsix = join(dataDir, 'baton.vsix');
mkdirSync(dataDir, { recursive: true });
run(process.execPath, [join(projectRoot, 'scripts', 'package.mjs'), vsix]);

// A private profile (and config file: code-server would otherwise write ~/.config/code-server).
const profile = ['--user-data-dir', join(dataDir, 'user-data'), '--extensions-dir', join(dataDir, 'extensions')];
step('Installing Baton into the VS Code profile');
run(codeServer.node, [codeServer.entry, ...profile, '--force', '--install-extension', vsix]);

step(`Starting VS Code on http://127.0.0.1:${port}`);
const server = spawn(
  codeServer.node,
  [
    codeServer.entry,
    '--config',
    join(dataDir, 'config.yaml'),
    '--auth',
    'none',
    '--bind-addr',
    `127.0.0.1:${port}`,
    ...profile,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--ignore-last-opened',
    workspace,
  ],
  { stdio: ['ignore', 'pipe', 'inherit'], detached: true },
);

const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`;
let announced = false;
server.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  if (!announced && /HTTP server listening/.test(chunk.toString())) {
    announced = true;
    console.log(`\nBaton is ready. Open this URL in your browser:\n\n  ${url}\n\nPress Ctrl+C to stop.`);
  }
});

function stop() {
  try {
    process.kill(-server.pid, 'SIGTERM');
  } catch {
    // Already stopped.
  }
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
server.on('exit', (code, signal) => {
  process.exit(signal === 'SIGTERM' || code === 0 ? 0 : (code ?? 1));
});
