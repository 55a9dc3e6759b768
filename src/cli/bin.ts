// Entry point of dist/cli.cjs: wires the real process to runCli.
import { describeError } from '../core/errors';
import { ExitCode, runCli } from './main';

runCli(process.argv.slice(2), {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  cwd: process.cwd(),
  env: process.env,
  isTTY: Boolean(process.stdout.isTTY),
  stdin: process.stdin,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`baton: internal error: ${describeError(error)}\n`);
    process.exitCode = ExitCode.Internal;
  },
);
