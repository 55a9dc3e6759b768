import assert from 'node:assert/strict';
import { request } from 'node:http';
import { signWebhookBody, TriggerHost } from '../../../src/triggers';
import { runStep, template, waitUntil } from '../../support/engine-fixtures';
import { createTriggerEnv, type TriggerEnv } from './harness';

const everySecond = template('tick', [runStep('go', 'ok')], {
  on: { manual: true, file: [], event: [], schedule: [{ cron: '* * * * * *', catchup: 'none', overlap: 'allow' }] },
});
const onSave = template('on-save', [runStep('go', 'ok')], {
  on: { manual: true, schedule: [], event: [], file: [{ paths: ['*.md'], events: ['save'], debounceMs: 30 }] },
});
const hook = template('hook', [runStep('go', 'ok')], { on: { manual: true, schedule: [], file: [], event: [], webhook: {} } });
const afterHook = template('after-hook', [runStep('go', 'ok')], {
  on: { manual: true, schedule: [], file: [], event: [{ type: 'run.created', if: "trigger.run.templateId == 'hook'" }] },
});

function postSigned(port: number, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/hooks/hook',
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'X-Baton-Signature-256': signWebhookBody('k', body),
          'X-Baton-Delivery': 'host-1',
        },
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('TriggerHost (real clock, real HTTP)', () => {
  let env: TriggerEnv;
  let host: TriggerHost;
  afterEach(async () => {
    await host?.stop();
    env?.close();
  });

  it('runs every trigger kind from its ports and stops cleanly', async () => {
    env = createTriggerEnv({ templates: [onSave, hook, afterHook] });
    env.secrets.set('webhook:hook', 'k');
    host = new TriggerHost(env.ports, { workspaceDir: env.dir, webhookPort: 0, eventPollMs: 50 });
    await host.start();

    // file: through the FileEventSource port
    env.fileEvents.fire({ path: 'notes.md', kind: 'save' });
    await waitUntil('file run', () => env.engine.listRuns({ templateId: 'on-save' }).length === 1, 3000);

    // webhook, then the event trigger reacting to the webhook's run
    assert.equal(await postSigned(host.webhooks.port!, '{"a":1}'), 202);
    await waitUntil('event-triggered run', () => env.engine.listRuns({ templateId: 'after-hook' }).length === 1, 3000);

    // schedule: a template added while running is picked up from the registry's change event
    env.templates.set([onSave, hook, afterHook, everySecond]);
    await waitUntil('scheduled run', () => env.engine.listRuns({ templateId: 'tick' }).length >= 1, 3000);
    assert.ok(host.nextRunAt('tick')! > Date.now() - 1000);

    await host.stop();
    assert.equal(host.webhooks.port, undefined);
    const after = env.runCount();
    env.fileEvents.fire({ path: 'notes.md', kind: 'save' });
    await new Promise((r) => setTimeout(r, 1300));
    assert.equal(env.runCount(), after, 'a stopped host starts nothing');
  });

  it('a held tick (untrusted) is looked at about once a second, not in a busy loop', async () => {
    env = createTriggerEnv({ templates: [everySecond] });
    env.trust.verdict = { trusted: false, reason: 'Restricted Mode' };
    let reads = 0;
    const store = new Proxy(env.opened.store, {
      get(target, property) {
        if (property === 'listSchedules') reads++;
        const value = Reflect.get(target, property) as unknown;
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    host = new TriggerHost({ ...env.ports, store }, { workspaceDir: env.dir });
    await host.start();
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(env.runCount(), 0);
    assert.ok(reads < 30, `listSchedules was read ${reads} times in 2.5 s`);
    env.trust.verdict = { trusted: true };
    await waitUntil('the held tick to fire once trusted', () => env.runCount() >= 1, 3000);
  });

  it('a stop() while start() is opening the listener leaves nothing listening, and a stopped host stays stopped', async () => {
    env = createTriggerEnv({ templates: [hook] });
    host = new TriggerHost(env.ports, { workspaceDir: env.dir, webhookPort: 0 });
    const starting = host.start();
    await host.stop();
    await starting;
    assert.equal(host.webhooks.port, undefined);
    await host.start();
    assert.equal(host.webhooks.port, undefined, 'start after stop does nothing');
  });
});
