/** An `mcp` step through `baton run`: the CLI reads the workspace's .baton/mcp.json. */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Workspace } from '../cli/harness';

const require = createRequire(import.meta.url);
const EVERYTHING = join(dirname(require.resolve('@modelcontextprotocol/server-everything/package.json')), 'dist', 'index.js');

describe('mcp steps through baton run', function () {
  this.timeout(30_000);
  let ws: Workspace;
  beforeEach(() => {
    ws = new Workspace('baton-mcp-cli-');
  });
  afterEach(() => ws.cleanup());

  it('calls the tool on the configured server and hands its text to the next step', async () => {
    writeFileSync(join(ws.dir, '.baton', 'mcp.json'), JSON.stringify({ mcpServers: { everything: { command: process.execPath, args: [EVERYTHING, 'stdio'] } } }));
    ws.template(
      'sum.yml',
      `id: sum
steps:
  - id: add
    mcp:
      server: everything
      tool: get-sum
      args: { a: 19, b: 23 }
  - id: show
    needs: add
    run: echo "tool said \${{ steps.add.outputs.text }}"
`,
    );
    const result = await ws.baton(['run', 'sum']);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /show \| tool said .*42/);
  });
});
