import type { BuildOptions } from 'esbuild';
export function webviewApps(repo?: string): string[];
export function webviewBundleOptions(options: { repo?: string; outdir: string; minify: boolean }): BuildOptions;
