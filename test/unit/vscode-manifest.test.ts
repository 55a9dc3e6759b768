import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { parseTemplateText } from '../../src/core/template';
import { BATON_COMMANDS, COMMAND_CATEGORY } from '../../src/vscode/commandIds';
import { templateIdProblem, templateScaffold } from '../../src/vscode/templateScaffold';

interface ManifestCommand {
  command: string;
  title: string;
  category?: string;
  icon?: string;
}
interface MenuItem {
  command: string;
  when?: string;
}

const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as {
  activationEvents: string[];
  capabilities?: { untrustedWorkspaces?: { supported: boolean | 'limited'; description?: string } };
  contributes: {
    commands: ManifestCommand[];
    menus?: Record<string, MenuItem[]>;
    views: Record<string, { id: string; name: string }[]>;
    viewsContainers: { activitybar: { id: string; title: string; icon: string }[] };
    viewsWelcome?: { view: string; contents: string }[];
  };
};

describe('VS Code manifest and command table', () => {
  const table = Object.values(BATON_COMMANDS);
  const contributed = manifest.contributes.commands;

  it('contributes exactly the commands of the table, with the same titles and icons', () => {
    const fromTable = table.map((c) => ({ command: c.id, title: c.title, icon: 'icon' in c ? c.icon : undefined })).sort((a, b) => a.command.localeCompare(b.command));
    const fromManifest = contributed.map((c) => ({ command: c.command, title: c.title, icon: c.icon })).sort((a, b) => a.command.localeCompare(b.command));
    assert.deepEqual(fromManifest, fromTable);
  });

  it('puts every command in the Baton category under a baton.* id', () => {
    for (const command of contributed) {
      assert.equal(command.category, COMMAND_CATEGORY, `${command.command} category`);
      assert.match(command.command, /^baton\.[a-zA-Z]+$/);
    }
    assert.equal(new Set(table.map((c) => c.id)).size, table.length, 'command ids are unique');
  });

  it('only references known commands and views from menus and welcome content', () => {
    const ids = new Set<string>(table.map((c) => c.id));
    const viewIds = new Set(Object.values(manifest.contributes.views).flat().map((v) => v.id));
    for (const [menu, items] of Object.entries(manifest.contributes.menus ?? {})) {
      for (const item of items) assert.ok(ids.has(item.command), `${menu} references unknown ${item.command}`);
    }
    for (const welcome of manifest.contributes.viewsWelcome ?? []) {
      assert.ok(viewIds.has(welcome.view), `welcome for unknown view ${welcome.view}`);
      for (const [, command] of welcome.contents.matchAll(/\(command:([\w.]+)\)/g)) {
        assert.ok(ids.has(command!), `welcome links unknown ${command}`);
      }
    }
  });

  it('has a Baton activity-bar container holding the Runs and Templates views, with an icon that exists', () => {
    const container = manifest.contributes.viewsContainers.activitybar.find((c) => c.id === 'baton');
    assert.ok(container, 'activity-bar container baton');
    assert.equal(container.title, 'Baton');
    assert.ok(existsSync(container.icon), `${container.icon} exists`);
    assert.deepEqual(
      manifest.contributes.views.baton?.map((v) => [v.id, v.name]),
      [
        ['baton.runs', 'Runs'],
        ['baton.templates', 'Templates'],
      ],
    );
  });

  it('activates lazily and declares how it behaves in untrusted workspaces', () => {
    assert.ok(manifest.activationEvents.includes('workspaceContains:.baton'));
    assert.ok(!manifest.activationEvents.includes('*'), 'no eager activation');
    assert.ok(!manifest.activationEvents.includes('onStartupFinished'), 'no eager activation');
    assert.equal(manifest.capabilities?.untrustedWorkspaces?.supported, 'limited');
    assert.ok(manifest.capabilities?.untrustedWorkspaces?.description);
  });
});

describe('New Template scaffold', () => {
  it('accepts dashed lower-case ids and explains what is wrong with others', () => {
    assert.equal(templateIdProblem('fix-tests'), undefined);
    assert.match(templateIdProblem('') ?? '', /Enter an id/);
    assert.match(templateIdProblem('Fix Tests') ?? '', /Lower-case/);
    assert.match(templateIdProblem('fix--tests') ?? '', /single dashes/);
    assert.match(templateIdProblem('a'.repeat(65)) ?? '', /64/);
  });

  it('writes the id into the template and a readable name', () => {
    const text = templateScaffold('nightly-check');
    assert.match(text, /^id: nightly-check$/m);
    assert.match(text, /^name: Nightly Check$/m);
  });
});

describe('demo workspace and scaffold pass the template checker', () => {
  const check = (text: string, file: string) => {
    const result = parseTemplateText(text, file);
    const errors = result.problems.filter((p) => p.severity === 'error');
    assert.ok(result.definition && errors.length === 0, errors.map((p) => `${p.file}:${p.line}:${p.column} ${p.path} ${p.message}`).join('\n'));
    return result.definition;
  };

  for (const file of readdirSync('demo/.baton/templates')) {
    it(`demo template ${file} loads without problems`, () => {
      const path = `demo/.baton/templates/${file}`;
      check(readFileSync(path, 'utf8'), path);
    });
  }

  it('the New Template scaffold loads without problems and asks for its input', () => {
    const definition = check(templateScaffold('my-flow'), 'my-flow.yml');
    assert.equal(definition.id, 'my-flow');
    assert.deepEqual(Object.keys(definition.inputs.properties), ['target']);
    assert.deepEqual(definition.steps.map((s) => s.id), ['list-files', 'report']);
  });
});
