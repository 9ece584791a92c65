// The machine record stored with every bench and load result: absolute figures mean little without the
// Node/V8 version, CPU and core count they were measured on (compare ratios measured in one run: docs/design.md#local-stand-ins).
import { execFileSync } from 'node:child_process';
import os from 'node:os';

export interface EnvironmentRecord {
  readonly node: string;
  readonly v8: string;
  readonly cpuModel: string;
  readonly cores: number;
  readonly totalMemoryBytes: number;
  readonly os: string;
  readonly date: string;
  /** `git rev-parse HEAD` (short), with `-dirty` when the worktree has changes; 'unknown' outside git. */
  readonly commit: string;
}

export interface EnvironmentSources {
  readonly versions: { readonly node: string; readonly v8: string };
  readonly cpus: () => readonly { readonly model: string }[];
  readonly availableParallelism: () => number;
  readonly totalmem: () => number;
  readonly osDescription: () => string;
  readonly now: () => Date;
  readonly git: (args: readonly string[]) => string;
}

const defaultSources: EnvironmentSources = {
  versions: process.versions,
  cpus: () => os.cpus(),
  availableParallelism: () => os.availableParallelism(),
  totalmem: () => os.totalmem(),
  osDescription: () => `${os.type()} ${os.release()} ${os.arch()}`,
  now: () => new Date(),
  git: (args) =>
    execFileSync('git', args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 5000,
    }).trim(),
};

function gitCommit(git: EnvironmentSources['git']): string {
  try {
    const head = git(['rev-parse', '--short=12', 'HEAD']);
    const dirty = git(['status', '--porcelain', '--untracked-files=no']) !== '';
    return dirty ? `${head}-dirty` : head;
  } catch {
    return 'unknown';
  }
}

export function environmentRecord(sources: EnvironmentSources = defaultSources): EnvironmentRecord {
  const cpus = sources.cpus();
  return {
    node: `v${sources.versions.node}`,
    v8: sources.versions.v8,
    cpuModel: cpus[0]?.model.trim().replace(/\s+/g, ' ') || 'unknown',
    // availableParallelism honours cgroup/affinity limits, which is what the benchmark actually gets.
    cores: sources.availableParallelism(),
    totalMemoryBytes: sources.totalmem(),
    os: sources.osDescription(),
    date: sources.now().toISOString(),
    commit: gitCommit(sources.git),
  };
}

/** One line, e.g. `Node v20.20.2 (V8 11.3) · Intel Xeon ... · 2 cores · 23.5 GiB · Linux 6.8 x64 · ...`. */
export function formatEnvironment(env: EnvironmentRecord): string {
  const gib = (env.totalMemoryBytes / 2 ** 30).toFixed(1);
  return [
    `Node ${env.node} (V8 ${env.v8})`,
    env.cpuModel,
    `${env.cores} core${env.cores === 1 ? '' : 's'}`,
    `${gib} GiB RAM`,
    env.os,
    `commit ${env.commit}`,
    env.date,
  ].join(' · ');
}
