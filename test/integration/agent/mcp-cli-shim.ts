/**
 * Stands in for the Baton CLI entry in tests of batonMcpServersViaCli: `<shim> mcp-server` runs
 * the same CliCommand the real command table registers.
 */
import { Readable } from 'node:stream';
import { mcpServerCommand } from '../../../src/mcp/launch';

if (process.argv[2] !== 'mcp-server') {
  process.stderr.write(`expected the mcp-server command, got ${process.argv[2] ?? 'nothing'}\n`);
  process.exit(2);
}
const code = await mcpServerCommand.run(process.argv.slice(3), {
  stdout: (t) => process.stderr.write(t),
  stderr: (t) => process.stderr.write(t),
  cwd: process.cwd(),
  env: process.env,
  isTTY: false,
  stdin: Readable.from([]),
});
process.exit(code);
