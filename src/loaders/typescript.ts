/**
 * TypeScript templates (`.baton/templates/*.ts`): bundled in memory with esbuild and
 * evaluated, so the core loader gets the default export to check like a YAML template.
 * Lives outside src/core because it runs user code. Only load TypeScript templates from
 * trusted workspaces.
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type { TypeScriptTemplateEvaluator } from '../core/template/load';

/** What `import { defineWorkflow } from 'baton'` resolves to inside a bundled template. */
const SDK_RUNTIME = 'export function defineWorkflow(spec) { return spec; }\n';

/** An error at a place in the template source (1-based), e.g. a TypeScript syntax error. */
export class TypeScriptTemplateError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
    this.name = 'TypeScriptTemplateError';
  }
}

interface EsbuildMessage {
  text: string;
  location: { line: number; column: number } | null;
}

/** Drops `undefined` members (absent in YAML terms) so optional fields left undefined are not errors. */
function withoutUndefined(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutUndefined);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, member] of Object.entries(value)) if (member !== undefined) out[key] = withoutUndefined(member);
    return out;
  }
  return value;
}

/** Bundles and evaluates a TypeScript template; returns its default export (undefined if none). */
export const evaluateTypeScriptTemplate: TypeScriptTemplateEvaluator = async (path, source) => {
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch {
    // The VS Code package ships without esbuild's native binary: single-file templates still work.
    return evaluateTypeScriptTemplateWithoutBundler(path, source);
  }
  try {
    return await bundleAndEvaluate(esbuild, path);
  } catch (error) {
    if (error instanceof TypeScriptTemplateError) throw error;
    // esbuild is present but cannot start (e.g. bundled without its binary).
    return evaluateTypeScriptTemplateWithoutBundler(path, source);
  }
};

async function bundleAndEvaluate(esbuild: typeof import('esbuild'), path: string): Promise<unknown> {
  let code: string;
  try {
    const result = await esbuild.build({
      entryPoints: [path],
      bundle: true,
      write: false,
      platform: 'node',
      format: 'cjs',
      target: 'node22',
      logLevel: 'silent',
      plugins: [
        {
          name: 'baton-sdk',
          setup(build) {
            build.onResolve({ filter: /^baton(\/sdk)?$/ }, () => ({ path: 'baton-sdk', namespace: 'baton' }));
            build.onLoad({ filter: /.*/, namespace: 'baton' }, () => ({ contents: SDK_RUNTIME, loader: 'js' }));
          },
        },
      ],
    });
    code = result.outputFiles[0]?.text ?? '';
  } catch (error) {
    const first = (error as { errors?: EsbuildMessage[] }).errors?.[0];
    if (first) {
      throw new TypeScriptTemplateError(first.text, first.location?.line ?? 1, (first.location?.column ?? 0) + 1);
    }
    throw error;
  }
  const module = { exports: {} as Record<string, unknown> };
  try {
    // The template is the user's own code, like a build script; Workspace Trust gates it.
    const evaluate = new Function('module', 'exports', 'require', '__filename', '__dirname', code) as (
      ...args: unknown[]
    ) => void;
    evaluate(module, module.exports, createRequire(path), path, dirname(path));
  } catch (error) {
    throw new TypeScriptTemplateError(`evaluating the template threw: ${error instanceof Error ? error.message : String(error)}`, 1, 1);
  }
  const exported = module.exports;
  return 'default' in exported ? withoutUndefined(exported.default) : undefined;
}

/**
 * Without esbuild: Node's own type stripping (22.13+) and an ES module import. Supports a
 * template that imports only `baton` (and `node:` modules); other imports need esbuild.
 */
export async function evaluateTypeScriptTemplateWithoutBundler(path: string, source: string): Promise<unknown> {
  const { stripTypeScriptTypes } = (await import('node:module')) as { stripTypeScriptTypes?: (code: string) => string };
  if (!stripTypeScriptTypes) {
    throw new TypeScriptTemplateError('TypeScript templates need esbuild or Node 22.13 or later', 1, 1);
  }
  let code: string;
  try {
    code = stripTypeScriptTypes(source);
  } catch (error) {
    throw new TypeScriptTemplateError(error instanceof Error ? error.message : String(error), 1, 1);
  }
  const sdkUrl = `data:text/javascript;base64,${Buffer.from(SDK_RUNTIME).toString('base64')}`;
  code = code.replace(/(\bfrom\s*)(['"])baton(?:\/sdk)?\2/g, `$1'${sdkUrl}'`);
  const otherImport = /\bfrom\s*['"](?!data:|node:)([^'"]+)['"]/.exec(code);
  if (otherImport) {
    throw new TypeScriptTemplateError(
      `${path} imports "${otherImport[1]}": templates that import other modules need esbuild (npm install esbuild)`,
      1,
      1,
    );
  }
  let module: { default?: unknown };
  try {
    module = (await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`)) as { default?: unknown };
  } catch (error) {
    throw new TypeScriptTemplateError(`evaluating the template threw: ${error instanceof Error ? error.message : String(error)}`, 1, 1);
  }
  return 'default' in module ? withoutUndefined(module.default) : undefined;
}
