/**
 * Hugging Face hub datasets as a source (not a format): `hf:<owner>/<repo>[@revision]` resolves the
 * revision to its commit through the hub's HTTP API, downloads the files a reader needs into the
 * dataset cache, pinned to that commit, and hands the folder to the format that reads it.
 *   GET {endpoint}/api/datasets/{repo}/revision/{rev}?blobs=true   commit sha + files (LFS files with SHA-256)
 *   GET {endpoint}/datasets/{repo}/resolve/{sha}/{path}            a file (huggingface_hub's hf_hub_url)
 * `HF_ENDPOINT` replaces https://huggingface.co (mirrors), `HF_TOKEN` is sent as a Bearer token, as
 * huggingface_hub does. Files land in <data dir>/hub/datasets/<repo>/<sha>/ whole or not at all (an
 * interrupted transfer stays as <file>.part and the next run resumes it with a Range request); a
 * snapshot.json listing every file with its size and SHA-256 is written last.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic.ts';
import { downloadFile } from '../util/download.ts';
import { UserError } from '../util/errors.ts';
import { sha256File } from '../util/hash.ts';
import type { ProgressOptions } from '../util/progress.ts';
import { SPLITS, type DatasetProvenance } from './types.ts';

export const DEFAULT_HUB_ENDPOINT = 'https://huggingface.co';

export interface HubFile {
  path: string;
  size: number;
  sha256: string;
}

export interface HubSnapshot {
  repo: string;
  /** The revision asked for (branch, tag or commit), and the commit it resolved to. */
  revision: string;
  sha: string;
  endpoint: string;
  /** The local folder holding the files, laid out as in the repository. */
  dir: string;
  /** Which reader opens `dir`: a CLIP_benchmark webdataset or parquet files. */
  layout: 'wds' | 'parquet';
  files: HubFile[];
}

interface Sibling {
  rfilename: string;
  size?: number;
  lfs?: { sha256: string; size: number };
}

const REPO = /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/;

/** `owner/repo[@revision]` (the part after `hf:`). */
export function parseHubRef(ref: string): { repo: string; revision: string } {
  const at = ref.indexOf('@');
  const repo = at < 0 ? ref : ref.slice(0, at);
  const revision = at < 0 ? 'main' : ref.slice(at + 1);
  if (!REPO.test(repo) || revision === '') {
    throw new UserError(`hf:${ref}: expected hf:<owner>/<repo>[@revision], e.g. hf:clip-benchmark/wds_cifar10 or hf:uoft-cs/cifar10@refs/convert/parquet`);
  }
  return { repo, revision };
}

export interface HubOptions {
  dataDir: string;
  env?: NodeJS.ProcessEnv;
  fetchImpl?: typeof fetch;
  progress?: ProgressOptions;
  /** Webdatasets: download only these splits' shards (retrieval reads one split); default every split. */
  splits?: readonly string[];
}

/** Resolve, download (or reuse) and verify the files of a hub dataset; returns where they are. */
export async function fetchHubDataset(ref: string, opts: HubOptions): Promise<HubSnapshot> {
  const { repo, revision } = parseHubRef(ref);
  const env = opts.env ?? process.env;
  const endpoint = (env.HF_ENDPOINT || DEFAULT_HUB_ENDPOINT).replace(/\/+$/, '');
  const headers: Record<string, string> = env.HF_TOKEN ? { Authorization: `Bearer ${env.HF_TOKEN}` } : {};
  const fetchImpl = opts.fetchImpl ?? globalThis.fetch;
  const info = await revisionInfo(endpoint, repo, revision, headers, fetchImpl);
  const { layout, wanted } = pickFiles(`hf:${ref}`, info.siblings, opts.splits);
  const dir = join(opts.dataDir, 'hub', 'datasets', ...repo.split('/'), info.sha);
  const files: HubFile[] = [];
  for (const s of wanted) {
    const dest = join(dir, ...s.rfilename.split('/'));
    const size = s.lfs?.size ?? s.size;
    const present = await stat(dest).catch(() => undefined);
    if (!present || (size !== undefined && present.size !== size)) {
      const url = `${endpoint}/datasets/${repo}/resolve/${info.sha}/${s.rfilename.split('/').map(encodeURIComponent).join('/')}`;
      await downloadFile(url, dest, {
        sha256: s.lfs?.sha256,
        size,
        headers,
        resume: true,
        fetchImpl,
        label: `hf ${repo} ${s.rfilename}`,
        progress: opts.progress,
        offlineHint: `To work offline, copy the repository's files into ${dir}.`,
      });
    }
    const st = await stat(dest);
    files.push({ path: s.rfilename, size: st.size, sha256: s.lfs?.sha256 ?? (await sha256File(dest)) });
  }
  const snapshot: HubSnapshot = { repo, revision, sha: info.sha, endpoint, dir, layout, files };
  await writeFileAtomic(join(dir, 'snapshot.json'), JSON.stringify({ ...snapshot, dir: undefined, fetchedAt: new Date().toISOString() }, null, 2) + '\n');
  return snapshot;
}

async function revisionInfo(endpoint: string, repo: string, revision: string, headers: Record<string, string>, fetchImpl: typeof fetch): Promise<{ sha: string; siblings: Sibling[] }> {
  const url = `${endpoint}/api/datasets/${repo}/revision/${encodeURIComponent(revision)}?blobs=true`;
  let res: Response;
  try {
    res = await fetchImpl(url, { headers });
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message;
    throw new UserError(`cannot reach the hub at ${endpoint} for hf:${repo}: ${cause} (offline? set HF_ENDPOINT for a mirror)`);
  }
  if (res.status === 404 || res.status === 401 || res.status === 403) {
    await res.body?.cancel();
    const rev = revision === 'main' ? '' : ` at revision "${revision}"`;
    throw new UserError(
      `hf:${repo}: no dataset repository ${repo}${rev} on ${endpoint} (HTTP ${res.status}); check the name (e.g. clip-benchmark/wds_cifar10)${rev ? ' and the revision' : ''}, or set HF_TOKEN if it is private or gated`,
    );
  }
  if (!res.ok) throw new UserError(`hf:${repo}: the hub answered HTTP ${res.status} ${res.statusText} for ${url}; try again later`);
  const body = (await res.json().catch(() => undefined)) as { sha?: unknown; siblings?: unknown } | undefined;
  if (!body || typeof body.sha !== 'string' || !/^[0-9a-f]{40}$/.test(body.sha) || !Array.isArray(body.siblings)) {
    throw new UserError(`hf:${repo}: ${url} did not answer with a commit sha and a file list; is ${endpoint} a hub (or HF_ENDPOINT a mirror of one)?`);
  }
  return { sha: body.sha, siblings: body.siblings as Sibling[] };
}

/** The files a reader needs: a CLIP_benchmark webdataset's metadata and shards, or every parquet file and the dataset card. */
function pickFiles(arg: string, siblings: Sibling[], splits: readonly string[] = SPLITS): { layout: HubSnapshot['layout']; wanted: Sibling[] } {
  const names = new Set(siblings.map((s) => s.rfilename));
  if (SPLITS.some((s) => names.has(`${s}/nshards.txt`))) {
    const top = ['classnames.txt', 'zeroshot_classification_templates.txt', 'dataset_type.txt'];
    const shard = new RegExp(`^(${splits.join('|')})/(nshards\\.txt|\\d+\\.tar)$`);
    return { layout: 'wds', wanted: siblings.filter((s) => top.includes(s.rfilename) || shard.test(s.rfilename)) };
  }
  if (siblings.some((s) => s.rfilename.endsWith('.parquet'))) {
    const meta = ['README.md', 'dataset_infos.json'];
    return { layout: 'parquet', wanted: siblings.filter((s) => s.rfilename.endsWith('.parquet') || meta.includes(s.rfilename)) };
  }
  throw new UserError(`${arg} holds neither a CLIP_benchmark webdataset (<split>/nshards.txt and .tar shards) nor parquet files; try the revision refs/convert/parquet (hf:<repo>@refs/convert/parquet)`);
}

/** A dataset's provenance as opened from a hub snapshot: the repository at its commit, every file with its size and SHA-256. */
export function hubProvenance(provenance: DatasetProvenance, snap: HubSnapshot): DatasetProvenance {
  const via = snap.endpoint === DEFAULT_HUB_ENDPOINT ? '' : ` via ${snap.endpoint}`;
  return { ...provenance, source: `hf:${snap.repo}@${snap.sha}`, files: snap.files, notes: [`revision ${snap.revision}${via}`, provenance.notes].filter(Boolean).join('; ') };
}
