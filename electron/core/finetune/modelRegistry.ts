/**
 * What a user does with a fine-tuned candidate once its numbers are in: make it the
 * model detection uses, or discard it. Both act on the registry; discarding also removes
 * the files the studio made for the model (its run folder), never a file the user
 * brought: a bundled or hand-picked model loses only its registry row.
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { StudioError } from '../../api/errors';
import type { DiscardResult, ModelRecord } from '../../api/types';
import { loadModelFile } from '../detect/modelContract';
import type { Store } from '../store/store';
import { isInside, removeRunFolder } from './runFolder';

/** The PyTorch checkpoint that belongs to a model file: same name, `.pt`. */
export function checkpointOf(modelFile: string): string {
  return modelFile.replace(/\.onnx$/i, '') + '.pt';
}

export interface ModelRegistryOptions {
  store: Store;
  /** Folder of the studio's fine-tune runs: files inside it are the studio's to delete. */
  runsRoot: () => string | null;
  /** Models that must not be discarded now (the parent of a running fine-tune), with why. */
  busy?: (modelId: number) => string | null;
  onModelsChanged?: (models: ModelRecord[]) => void;
}

export class ModelRegistry {
  readonly #options: ModelRegistryOptions;

  constructor(options: ModelRegistryOptions) {
    this.#options = options;
  }

  #model(id: number): ModelRecord {
    const model = this.#options.store.getModel(id);
    if (!model) throw new StudioError('not-found', `Model ${id} does not exist.`);
    return model;
  }

  #changed(): void {
    this.#options.onModelsChanged?.(this.#options.store.listModels());
  }

  /**
   * Makes the model the one detection uses. Its file must still be the file that was
   * registered (same hash) and meet the model-file contract: the user activates the
   * model whose numbers they saw, not whatever now lies at that path.
   */
  async activate(id: number): Promise<ModelRecord> {
    const model = this.#model(id);
    if (!existsSync(model.file)) {
      throw new StudioError('not-found', `The file of model ${id} (${model.name} ${model.version}) is gone: ${model.file}`);
    }
    const { info } = await loadModelFile(model.file);
    if (info.hash !== model.hash) {
      throw new StudioError('conflict', `The file of model ${id} (${model.file}) changed after it was registered; it is not the model that was measured.`);
    }
    const active = this.#options.store.activateModel(id);
    this.#changed();
    return active;
  }

  /**
   * Removes a model from the registry (never the active one) and the files the studio
   * made for it: a fine-tuned model's whole run folder. Files outside the studio's
   * fine-tune folder are left where they are and listed as kept.
   */
  async discard(id: number): Promise<DiscardResult> {
    const model = this.#model(id);
    if (model.active) {
      throw new StudioError('conflict', `Model ${id} (${model.name} ${model.version}) is the active model; activate another one before discarding it.`);
    }
    const busy = this.#options.busy?.(id);
    if (busy) throw new StudioError('conflict', busy);

    const discarded = this.#options.store.models.deleteModel(id);
    this.#changed();

    const files = [model.file, checkpointOf(model.file)].filter((file) => existsSync(file));
    const runsRoot = this.#options.runsRoot();
    const runDir = path.dirname(model.file);
    if (!runsRoot || !isInside(runsRoot, runDir)) return { discarded, removedFiles: [], keptFiles: files };

    // Other models registered from the same folder keep it (and their files).
    const sharing = this.#options.store.listModels().some((other) => path.dirname(other.file) === runDir);
    if (sharing) return { discarded, removedFiles: [], keptFiles: files };
    let removedFiles: string[] = [];
    try {
      removedFiles = (await readdir(runDir)).map((name) => path.join(runDir, name));
    } catch {
      // Already gone.
    }
    if (!(await removeRunFolder(runDir))) return { discarded, removedFiles: [], keptFiles: files };
    return { discarded, removedFiles, keptFiles: [] };
  }
}
