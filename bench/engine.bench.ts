/**
 * Engine throughput against a raw node:sqlite baseline measured in the same process and run.
 * Every figure is printed beside its baseline as a ratio, so a slower or faster machine does
 * not change the verdict.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { performance } from 'node:perf_hooks';
import { Engine, Worker } from '../src/core/engine';
import type { StepExecutionContext, StepExecutionResult, StepExecutor } from '../src/core/ports';
import { parseTemplateText } from '../src/core/template';
import type { TemplateDefinition } from '../src/core/template/types';
import { ScriptExecutor } from '../src/executors/script';
import { openStore } from '../src/store';

export interface BenchLine {
  name: string;
  value: string;
  baseline?: string;
  ratio?: number;
  target?: string;
  ok?: boolean;
}

/** A `run:` executor that does nothing: measures the engine's own cost per step. */
class NoopExecutor implements StepExecutor {
  readonly kind = 'run';
  readonly stamps: number[] = [];
  async execute(_ctx: StepExecutionContext): Promise<StepExecutionResult> {
    this.stamps.push(performance.now());
    return { kind: 'succeeded', outputs: {} };
  }
}

function template(yaml: string): TemplateDefinition {
  const { definition, problems } = parseTemplateText(yaml, 'bench.yml');
  if (!definition) throw new Error(`bench template invalid: ${problems.map((p) => p.message).join('; ')}`);
  return definition;
}

function chainTemplate(n: number): TemplateDefinition {
  const steps = [];
  for (let i = 0; i < n; i++) steps.push(`  - id: s${i}\n    run: noop\n${i > 0 ? `    needs: [s${i - 1}]\n` : ''}`);
  return template(`id: chain\nname: Chain\nsteps:\n${steps.join('')}`);
}

function foreachTemplate(n: number): TemplateDefinition {
  return template(
    `id: fan\nname: Fan-out\ninputs:\n  properties:\n    n: { type: integer, default: ${n} }\nsteps:\n` +
      `  - id: each\n    foreach: \${{ fromJSON(format('[{0}]', join(fromJSON('${JSON.stringify(
        Array.from({ length: n }, (_, i) => i),
      )}'), ','))) }}\n    max_parallel: 16\n    run: noop\n`,
  );
}

function tenStepTemplate(): TemplateDefinition {
  const steps = [];
  for (let i = 0; i < 10; i++) steps.push(`  - id: s${i}\n    run: noop\n${i > 0 ? `    needs: [s${i - 1}]\n` : ''}`);
  return template(`id: ten\nname: Ten\nsteps:\n${steps.join('')}`);
}

function withTemp<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'baton-bench-'));
  return fn(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}

function dbBytes(path: string): number {
  let total = 0;
  for (const suffix of ['', '-wal']) if (existsSync(path + suffix)) total += statSync(path + suffix).size;
  return total;
}

/** Runs every run started by `start` to completion with one in-process worker; returns seconds. */
async function drive(
  dir: string,
  executor: StepExecutor,
  start: (engine: Engine) => void,
  concurrency = 16,
): Promise<{ seconds: number; dbPath: string }> {
  const dbPath = join(dir, '.baton', 'baton.db');
  const opened = openStore(dbPath);
  try {
    const engine = new Engine({ store: opened.store, files: opened.files, workspaceDir: dir, executors: [executor] });
    start(engine);
    const worker = new Worker(engine, { maxConcurrency: concurrency, pollMs: 5 });
    const t0 = performance.now();
    await worker.run({ untilIdle: true });
    const seconds = (performance.now() - t0) / 1000;
    const unfinished = engine.listRuns({ limit: 100000 }).filter((r) => r.status !== 'succeeded');
    if (unfinished.length > 0) throw new Error(`bench: ${unfinished.length} runs did not succeed (${unfinished[0]!.status})`);
    return { seconds, dbPath };
  } finally {
    opened.close();
  }
}

/**
 * The same durable writes done by hand with node:sqlite: per step one commit to claim it
 * (status, lease, attempt row, event) and one to record it (status, outputs, attempt, event,
 * next step ready). What Baton adds on top of this is the engine's own cost.
 */
function rawBaseline(dir: string, steps: number): number {
  const db = new DatabaseSync(join(dir, 'raw.db'));
  db.exec(`pragma journal_mode=wal; pragma synchronous=normal; pragma busy_timeout=5000;
    create table steps(id integer primary key, status text, lease text, outputs text, needs_remaining int);
    create table attempts(id integer primary key, step int, status text, started int, finished int);
    create table events(id integer primary key autoincrement, type text, step int, payload text, at int);`);
  const insertStep = db.prepare('insert into steps(id,status,needs_remaining) values (?,?,?)');
  db.exec('begin immediate');
  for (let i = 0; i < steps; i++) insertStep.run(i, i === 0 ? 'ready' : 'pending', i === 0 ? 0 : 1);
  db.exec('commit');
  const claim = db.prepare("select id from steps where status='ready' order by id limit 1");
  const setRunning = db.prepare("update steps set status='running', lease=? where id=?");
  const insertAttempt = db.prepare("insert into attempts(step,status,started) values (?, 'running', ?)");
  const insertEvent = db.prepare('insert into events(type,step,payload,at) values (?,?,?,?)');
  const setDone = db.prepare("update steps set status='succeeded', outputs=? where id=?");
  const finishAttempt = db.prepare("update attempts set status='succeeded', finished=? where id=?");
  const readyNext = db.prepare("update steps set needs_remaining=needs_remaining-1, status='ready' where id=?");
  const t0 = performance.now();
  for (;;) {
    db.exec('begin immediate');
    const row = claim.get() as { id: number } | undefined;
    if (!row) {
      db.exec('commit');
      break;
    }
    setRunning.run('bench', row.id);
    const attempt = insertAttempt.run(row.id, Date.now()).lastInsertRowid;
    insertEvent.run('step.started', row.id, '{}', Date.now());
    db.exec('commit');
    db.exec('begin immediate');
    setDone.run('{}', row.id);
    finishAttempt.run(Date.now(), attempt);
    insertEvent.run('step.succeeded', row.id, '{}', Date.now());
    if (row.id + 1 < steps) {
      readyNext.run(row.id + 1);
      insertEvent.run('step.ready', row.id + 1, '{}', Date.now());
    }
    db.exec('commit');
  }
  const seconds = (performance.now() - t0) / 1000;
  db.close();
  return steps / seconds;
}

function spawnTrue(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', 'true'], { stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', () => resolve());
  });
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

export async function benchEngine(): Promise<BenchLine[]> {
  const lines: BenchLine[] = [];

  const baselinePerSec = await withTemp(async (dir) => rawBaseline(dir, 1000));

  // 1. A 1,000-step chain: every step waits for the previous one, so nothing overlaps.
  await withTemp(async (dir) => {
    const noop = new NoopExecutor();
    const def = chainTemplate(1000);
    const rssBefore = process.memoryUsage().rss;
    let peakRss = rssBefore;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
    const { seconds, dbPath } = await drive(dir, noop, (e) => e.startRun(def), 1);
    clearInterval(sampler);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    const perSec = 1000 / seconds;
    lines.push({
      name: '1,000-step chain (no-op steps/s)',
      value: fmt(perSec),
      baseline: `${fmt(baselinePerSec)} raw node:sqlite`,
      ratio: baselinePerSec / perSec,
      target: '>= 5,000/s and within 2x of raw',
      ok: perSec >= 5000 && baselinePerSec / perSec <= 2,
    });
    const gaps = noop.stamps.slice(1).map((t, i) => t - noop.stamps[i]!);
    const first = gaps.slice(0, 100).reduce((a, b) => a + b, 0) / 100;
    const last = gaps.slice(-100).reduce((a, b) => a + b, 0) / 100;
    lines.push({
      name: 'per-step time, first vs last 100 steps (ms)',
      value: `${fmt(first, 3)} / ${fmt(last, 3)}`,
      ratio: last / first,
      target: 'flat (last/first <= 1.5)',
      ok: last / first <= 1.5,
    });
    lines.push({ name: 'peak RSS during the chain (MiB)', value: fmt(peakRss / 2 ** 20, 1), baseline: `${fmt(rssBefore / 2 ** 20, 1)} before` });
    lines.push({ name: 'database size per 1,000 steps (KiB)', value: fmt(dbBytes(dbPath) / 1024, 0) });
  });

  // 2. A 1,000-item foreach with max_parallel 16.
  await withTemp(async (dir) => {
    const def = foreachTemplate(1000);
    const { seconds } = await drive(dir, new NoopExecutor(), (e) => e.startRun(def), 16);
    const perSec = 1000 / seconds;
    lines.push({
      name: '1,000-item foreach, max_parallel 16 (items/s)',
      value: fmt(perSec),
      baseline: `${fmt(baselinePerSec)} raw`,
      ratio: baselinePerSec / perSec,
      target: '>= 5,000/s',
      ok: perSec >= 5000,
    });
  });

  // 3. 100 runs x 10 steps, all started up front.
  await withTemp(async (dir) => {
    const def = tenStepTemplate();
    const { seconds } = await drive(
      dir,
      new NoopExecutor(),
      (e) => {
        for (let i = 0; i < 100; i++) e.startRun(def);
      },
      16,
    );
    const perSec = 1000 / seconds;
    lines.push({
      name: '100 runs x 10 steps (steps/s)',
      value: fmt(perSec),
      baseline: `${fmt(baselinePerSec)} raw`,
      ratio: baselinePerSec / perSec,
      target: '>= 5,000/s',
      ok: perSec >= 5000,
    });
  });

  // 4. Script steps against bare child_process.spawn of the same shell.
  await withTemp(async (dir) => {
    const n = 100;
    for (let i = 0; i < 5; i++) await spawnTrue(); // warm up
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await spawnTrue();
    const bareMs = (performance.now() - t0) / n;
    const steps = [];
    for (let i = 0; i < n; i++) steps.push(`  - id: s${i}\n    run: 'true'\n${i > 0 ? `    needs: [s${i - 1}]\n` : ''}`);
    const def = template(`id: scripts\nname: Scripts\nsteps:\n${steps.join('')}`);
    const { seconds } = await drive(dir, new ScriptExecutor(), (e) => e.startRun(def), 1);
    const stepMs = (seconds * 1000) / n;
    lines.push({
      name: 'script step `true` (ms per step)',
      value: fmt(stepMs, 2),
      baseline: `${fmt(bareMs, 2)} bare spawn`,
      ratio: stepMs / bareMs,
      target: 'within 1.3x of bare spawn',
      ok: stepMs / bareMs <= 1.3,
    });
  });

  return lines;
}
