/**
 * What is installed on one simulated ComfyUI: which node types (as if custom nodes were missing) and which model
 * files, by folder. Part of the simulator's "disk", so it survives `restart()`.
 */
export interface Installation {
  /** Installed node types; `undefined` = every type the simulator knows. */
  readonly nodes: ReadonlySet<string> | undefined
  /** Model files by folder (`upscale_models`, `checkpoints`, …). */
  readonly models: Readonly<Record<string, readonly string[]>>
}

/** The folder names of ComfyUI's `folder_paths` (what `GET /models` lists), before any configured extra folder. */
export const MODEL_FOLDERS: readonly string[] = [
  'checkpoints',
  'configs',
  'loras',
  'vae',
  'text_encoders',
  'diffusion_models',
  'clip_vision',
  'style_models',
  'embeddings',
  'diffusers',
  'vae_approx',
  'controlnet',
  'gligen',
  'upscale_models',
  'latent_upscale_models',
  'custom_nodes',
  'hypernetworks',
  'photomaker',
  'classifiers',
  'model_patches',
  'audio_encoders',
]

/** Validates the simulator's `nodes`/`models` options against the node types it knows. */
export function createInstallation(known: Iterable<string>, nodes?: readonly string[], models: Readonly<Record<string, readonly string[]>> = {}): Installation {
  const knownSet = new Set(known)
  if (nodes !== undefined) {
    const unknown = nodes.filter(n => !knownSet.has(n))
    if (unknown.length > 0)
      throw new RangeError(`[comfy-tether] createComfySimulator: nodes ${unknown.map(n => JSON.stringify(n)).join(', ')} are not node types the simulator can run (it knows ${[...knownSet].join(', ')})`)
  }
  for (const [folder, files] of Object.entries(models)) {
    if (!Array.isArray(files) || files.some(f => typeof f !== 'string' || f === ''))
      throw new RangeError(`[comfy-tether] createComfySimulator: models.${folder} must be a list of file names`)
  }
  return { nodes: nodes === undefined ? undefined : new Set(nodes), models: Object.fromEntries(Object.entries(models).map(([k, v]) => [k, [...v].sort()])) }
}

/** Is node type `name` installed? */
export function isInstalled(installation: Installation, name: string): boolean {
  return installation.nodes === undefined || installation.nodes.has(name)
}

/** The folders `GET /models` lists: ComfyUI's own plus any configured one. */
export function modelFolders(installation: Installation): string[] {
  return [...new Set([...MODEL_FOLDERS, ...Object.keys(installation.models)])]
}
