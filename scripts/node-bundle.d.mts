import type { BuildOptions } from 'esbuild';

export function nodeBundleOptions(options: { repo?: string; entry: 'extension' | 'cli'; outdir: string; minify?: boolean; sourcemap?: boolean | 'linked' }): BuildOptions;

export const PREFER_ESM: Record<string, string>;
