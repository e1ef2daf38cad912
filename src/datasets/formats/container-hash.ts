/**
 * The SHA-256 of a container file (a webdataset shard, a parquet file), hashed at most once per open:
 * a hash the caller already holds for it (a hub download, checked against the hub's LFS SHA-256 as it
 * landed) is taken when the file's size still matches, so no byte is hashed twice.
 */
import { stat } from 'node:fs/promises';
import { sha256File } from '../../util/hash.ts';
import type { ContainerFile, KnownHashes } from './format.ts';
import type { Split } from '../types.ts';

export async function containerFile(path: string, rel: string, split: Split, known: KnownHashes | undefined): Promise<ContainerFile> {
  const { size } = await stat(path);
  const given = known?.get(rel);
  return { split, rel, size, sha256: given && given.size === size ? given.sha256 : await sha256File(path) };
}
