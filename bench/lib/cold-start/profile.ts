// Where a cold start's milliseconds go: V8 CPU profiles (`node --cpu-prof`) of the bundled handler, each
// sample charged to the innermost bundle frame on its stack, named by original source through the
// bundle's source map (so the TLS handshake a download starts counts for the downloader), else to the
// Node area, GC or idle it ran in; and the bundle's bytes by source from an esbuild metafile.
import { readdirSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Metafile } from 'esbuild';
import { builtinOfSource } from '../../../tools/node-builtins.js';

interface ProfileNode {
  readonly id: number;
  readonly children?: readonly number[];
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
    readonly columnNumber: number;
  };
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/**
 * `node_modules/@scope/name/...` -> `@scope/name`; a repo file -> its path from the repo root; a built-in the
 * bundle loads (tools/node-builtins.ts) -> `node: <name> (loaded by the bundle)`.
 */
export function sourceGroup(source: string): string {
  const builtin = builtinOfSource(source);
  if (builtin !== undefined) return `node: ${builtin} (loaded by the bundle)`;
  const at = source.lastIndexOf('node_modules/');
  if (at >= 0) {
    const parts = source.slice(at + 'node_modules/'.length).split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  return source.replace(/^(?:\.\.\/)+/, '').replace(/^file:\/\/\/?/, '/');
}

function frameGroup(frame: ProfileNode['callFrame'], bundleUrl: string, map: SourceMap | undefined): string {
  const { url, functionName } = frame;
  if (url === '') {
    if (functionName === '(idle)') return '(idle: waiting on the network)';
    if (functionName === '(garbage collector)') return '(garbage collector)';
    return `(${functionName.replace(/[()]/g, '') || 'native'}: V8 compile and runtime)`;
  }
  if (url === bundleUrl) {
    const entry = map?.findEntry(frame.lineNumber, frame.columnNumber) as
      | { originalSource?: string }
      | undefined;
    return entry?.originalSource ? sourceGroup(entry.originalSource) : 'bundle (unmapped)';
  }
  if (url.startsWith('node:')) {
    const area = url.replace(/^node:(?:internal\/)?/, '').split('/')[0]!;
    return `node: ${area}`;
  }
  return 'bench harness';
}

/** Milliseconds per group (see the file note), averaged over the profiles in `dir`, largest first. */
export function profileBreakdown(dir: string, bundleFile: string): { group: string; ms: number }[] {
  const bundleUrl = pathToFileURL(bundleFile).href;
  let map: SourceMap | undefined;
  try {
    map = new SourceMap(JSON.parse(readFileSync(`${bundleFile}.map`, 'utf8')));
  } catch {
    map = undefined;
  }
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  const totals = new Map<string, number>();
  for (const file of files) {
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
    const parents = new Map<number, ProfileNode>();
    for (const node of profile.nodes) {
      for (const child of node.children ?? []) parents.set(child, node);
    }
    const groups = new Map<number, string>();
    for (const node of profile.nodes) {
      let owner: ProfileNode | undefined = node;
      while (owner && owner.callFrame.url !== bundleUrl) owner = parents.get(owner.id);
      groups.set(node.id, frameGroup((owner ?? node).callFrame, bundleUrl, map));
    }
    profile.samples.forEach((id, i) => {
      const group = groups.get(id) ?? 'unknown';
      totals.set(group, (totals.get(group) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
    });
  }
  return [...totals]
    .map(([group, ms]) => ({ group, ms: ms / Math.max(1, files.length) }))
    .sort((a, b) => b.ms - a.ms);
}

/** Bytes of one bundle output by source group, largest first. */
export function bundleBreakdown(metafile: Metafile): { group: string; bytes: number }[] {
  const totals = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const group = sourceGroup(input);
      totals.set(group, (totals.get(group) ?? 0) + bytesInOutput);
    }
  }
  return [...totals].map(([group, bytes]) => ({ group, bytes })).sort((a, b) => b.bytes - a.bytes);
}
