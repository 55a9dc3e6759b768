// Entry point of dist/cli.cjs: wires the real process to runCli.
import { describeError } from '../core/errors';
import { ExitCode, runCli } from './main';

// The first Ctrl+C asks long-running commands (worker, run, --follow) to stop cleanly; a
// second one exits at once.
const interrupted = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted.signal.aborted) process.exit(130);
    interrupted.abort();
  });
}

// `baton events --follow | head` closes our stdout early: stop writing, do not crash (a
// followed run keeps executing; its state is in the database, not in this output).
let stdoutOpen = true;
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') stdoutOpen = false;
  else throw error;
});

runCli(process.argv.slice(2), {
  stdout: (t) => {
    if (stdoutOpen) process.stdout.write(t);
  },
  stderr: (t) => process.stderr.write(t),
  cwd: process.cwd(),
  env: process.env,
  isTTY: Boolean(process.stdout.isTTY),
  stdin: process.stdin,
  entry: process.argv[1],
  signal: interrupted.signal,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`baton: internal error: ${describeError(error)}\n`);
    process.exitCode = ExitCode.Internal;
  },
);
