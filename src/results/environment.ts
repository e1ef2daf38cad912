import { harnessVersion } from '../util/version.ts';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

import { PROJECT_ROOT } from '../util/paths.ts';

/** Packages whose versions can change a result. */
// The CLIP BPE vocabulary ships in the repository (pinned by SHA-256 in src/model/tokenizer/vocab.ts), so gitCommit covers it.
const RECORDED_PACKAGES = ['onnxruntime-node', 'sharp', 'ml-logistic-regression', 'csv-parse'];

function packageVersion(name: string): string {
  try {
    return JSON.parse(readFileSync(join(PROJECT_ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return 'missing';
  }
}

function gitCommit(): string | null {
  try {
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    return dirty ? `${head}-dirty` : head;
  } catch {
    return null;
  }
}

export function recordEnvironment() {
  const cpu = cpus();
  return {
    node: process.versions.node,
    platform: process.platform,
    arch: process.arch,
    cpus: cpu.length,
    cpuModel: cpu[0]?.model?.trim() ?? 'unknown',
    packages: { 'clip-bench': harnessVersion(), ...Object.fromEntries(RECORDED_PACKAGES.map((p) => [p, packageVersion(p)])) },
    gitCommit: gitCommit(),
  };
}
