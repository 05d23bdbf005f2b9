/**
 * Whether the trainer may load a checkpoint. A PyTorch checkpoint is a pickle: loading
 * one can run any code it names, and torch's weights-only loader cannot be relied on
 * (older versions have none that reads a checkpoint's floats). So the trainer loads,
 * without asking, only checkpoints in the studio's own folders: the models it ships and
 * the runs it made. Any other, say the .pt next to a model downloaded from the internet,
 * needs the user's confirmation, given as the file's SHA-256 (which the refusal names),
 * so that a confirmation is for that very file and no other.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { StudioError } from '../../api/errors';

/** What a refusal carries, so that a client can ask the user and start again with `trustCheckpoint`. */
export interface UntrustedCheckpoint {
  checkpoint: string;
  sha256: string;
}

async function realOrNull(file: string): Promise<string | null> {
  try {
    return await realpath(file);
  } catch {
    return null;
  }
}

/** SHA-256 of a file, hex. */
export async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Resolves when `checkpoint` lies in one of `trustedFolders` (links resolved), or its
 * SHA-256 is `confirmedSha256`; throws StudioError('forbidden') with UntrustedCheckpoint
 * details otherwise.
 */
export async function requireTrustedCheckpoint(checkpoint: string, trustedFolders: readonly string[], confirmedSha256?: string): Promise<void> {
  const real = await realOrNull(checkpoint);
  if (real === null) throw new StudioError('not-found', `The checkpoint ${checkpoint} cannot be read.`);
  for (const folder of trustedFolders) {
    const realFolder = await realOrNull(folder);
    if (realFolder !== null && (real === realFolder || real.startsWith(realFolder + path.sep))) return;
  }
  const sha256 = await sha256OfFile(real);
  if (confirmedSha256 === sha256) return;
  const details: UntrustedCheckpoint = { checkpoint, sha256 };
  throw new StudioError(
    'forbidden',
    `${checkpoint} was neither shipped with the studio nor made by it. Loading a PyTorch checkpoint can run code hidden in it: ` +
      `fine-tune from it only if you trust where it came from, and confirm it (SHA-256 ${sha256}).`,
    details,
  );
}
