// Installs the real agent CLIs (Claude Code, Codex, Gemini CLI) once into per-version cache folders
// outside the clone, so agent steps can be tested end to end against a mock model server.
//
//   node scripts/install-agent-clis.mjs [install] [claude|codex|gemini ...]   install missing ones, print paths
//   node scripts/install-agent-clis.mjs path                                  print installed paths (exit 1 if none)
//
// Why not project dependencies: together they are ~740 MB of node_modules and carry native binaries;
// the project's node_modules is shared and must stay lean.
// Why the claude dance: npm 11 may skip install scripts that were not approved, and Claude Code's
// postinstall is what links the native binary (from @anthropic-ai/claude-code-linux-x64) to bin/claude.exe.
// We install with --foreground-scripts and, if the link is still missing, resolve the platform
// package's binary directly. Runs on Node 20 or 24.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withInstallLock } from './install-lock.mjs';

/** Pinned versions: bump deliberately, the parser fixtures were captured from these. */
export const AGENT_CLI_VERSIONS = {
  claude: { pkg: '@anthropic-ai/claude-code', version: '2.1.330' },
  codex: { pkg: '@openai/codex', version: '0.169.0' },
  gemini: { pkg: '@google/gemini-cli', version: '0.61.0' },
};

const cacheRoot = process.env.BATON_CACHE_DIR ?? join(homedir(), '.cache', 'baton');
const installedMarker = '.baton-installed';

function log(message) {
  process.stderr.write(`[agent-clis] ${message}\n`);
}

/** The cache folder of one CLI at its pinned version. */
export function agentCliDir(name) {
  const spec = AGENT_CLI_VERSIONS[name];
  if (!spec) throw new Error(`unknown agent CLI "${name}" (known: ${Object.keys(AGENT_CLI_VERSIONS).join(', ')})`);
  return join(cacheRoot, `${name}-${spec.version}`);
}

function packageDir(name) {
  return join(agentCliDir(name), 'node_modules', ...AGENT_CLI_VERSIONS[name].pkg.split('/'));
}

function platformTag() {
  return `${process.platform}-${process.arch}`;
}

/**
 * The native claude binary: bin/claude.exe when postinstall linked it, else the binary inside the
 * platform package (the same file postinstall would have linked).
 */
function claudeBinary() {
  const linked = join(packageDir('claude'), 'bin', 'claude.exe');
  if (isNativeExecutable(linked)) return linked;
  const platformPkg = join(agentCliDir('claude'), 'node_modules', '@anthropic-ai', `claude-code-${platformTag()}`);
  for (const candidate of ['claude', 'claude.exe', join('bin', 'claude'), join('bin', 'claude.exe')]) {
    const file = join(platformPkg, candidate);
    if (existsSync(file) && statSync(file).isFile()) return file;
  }
  return undefined;
}

/** True when the file exists and is not the small placeholder script npm ships before postinstall. */
function isNativeExecutable(file) {
  const stat = statSync(file, { throwIfNoEntry: false });
  return Boolean(stat?.isFile() && stat.size > 1_000_000);
}

function binaryPath(name) {
  if (name === 'claude') return claudeBinary();
  const bin = join(agentCliDir(name), 'node_modules', '.bin', name);
  return existsSync(bin) ? bin : undefined;
}

/** Binary path of one CLI when it is completely installed, else undefined. */
export function installedAgentCli(name) {
  if (!existsSync(join(agentCliDir(name), installedMarker))) return undefined;
  return binaryPath(name);
}

/** Paths of every installed CLI, keyed by name. */
export function installedAgentClis() {
  const found = {};
  for (const name of Object.keys(AGENT_CLI_VERSIONS)) {
    const bin = installedAgentCli(name);
    if (bin) found[name] = bin;
  }
  return found;
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.error) throw new Error(`${command} ${args.join(' ')} failed to start: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${result.status ?? result.signal}`);
  return result;
}

function dirSizeMb(dir) {
  const du = spawnSync('du', ['-sm', dir], { encoding: 'utf8' });
  return du.status === 0 ? Number(du.stdout.split(/\s/)[0]) : NaN;
}

function versionOf(name, bin) {
  const result = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
  return { ok: result.status === 0, text: `${result.stdout ?? ''}${result.stderr ?? ''}`.trim() };
}

/** Installs one CLI into its cache folder unless already there; returns its binary path. */
export function ensureAgentCli(name) {
  const already = installedAgentCli(name);
  if (already) return already;
  return withInstallLock(`${agentCliDir(name)}.lock`, name, log, () => {
    const again = installedAgentCli(name);
    if (again) return again;
    const { pkg, version } = AGENT_CLI_VERSIONS[name];
    const dir = agentCliDir(name);
    log(`installing ${pkg}@${version} into ${dir}`);
    const started = Date.now();
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `baton-${name}-cli`, private: true }, null, 2));
    const env = {
      ...process.env,
      npm_config_audit: 'false',
      npm_config_fund: 'false',
      npm_config_update_notifier: 'false',
    };
    run('npm', ['install', '--no-save', '--loglevel=error', '--foreground-scripts', `${pkg}@${version}`], { cwd: dir, env });
    const bin = binaryPath(name);
    if (!bin) throw new Error(`${pkg}@${version} installed but its binary was not found under ${dir}`);
    if (name === 'claude') chmodSync(bin, 0o755);
    const reported = versionOf(name, bin);
    if (!reported.ok || !reported.text.includes(version)) {
      throw new Error(`installed ${name} does not run (${bin} --version): ${reported.text}`);
    }
    writeFileSync(join(dir, installedMarker), `${new Date().toISOString()}\n`);
    log(`${name} ${version} installed in ${Math.round((Date.now() - started) / 1000)} s, ${dirSizeMb(dir)} MB`);
    return bin;
  });
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const [command = 'install', ...rest] = process.argv.slice(2);
  const names = rest.length > 0 ? rest : Object.keys(AGENT_CLI_VERSIONS);
  try {
    if (command === 'install') {
      for (const name of names) console.log(`${name}\t${ensureAgentCli(name)}`);
    } else if (command === 'path') {
      const found = installedAgentClis();
      const missing = names.filter((n) => !found[n]);
      for (const name of names) if (found[name]) console.log(`${name}\t${found[name]}`);
      if (missing.length > 0) {
        console.error(`not installed: ${missing.join(', ')}; run: node scripts/install-agent-clis.mjs install`);
        process.exit(1);
      }
    } else {
      console.error('usage: node scripts/install-agent-clis.mjs [install|path] [claude|codex|gemini ...]');
      process.exit(2);
    }
  } catch (error) {
    console.error(`[agent-clis] ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
