import type { Installation } from './installation'
import { createHash } from 'node:crypto'

/** ComfyUI's three file folders. */
export type FolderType = 'input' | 'output' | 'temp'

export const FOLDER_TYPES: readonly FolderType[] = ['input', 'output', 'temp']

export function isFolderType(value: unknown): value is FolderType {
  return value === 'input' || value === 'output' || value === 'temp'
}

/**
 * Normalize a relative path like `os.path.normpath`; returns null when it leaves its folder (`..`) or is absolute.
 * `''` and `'.'` give `''`.
 */
export function normalizeRelative(path: string): string | null {
  if (path.startsWith('/') || path.startsWith('\\'))
    return null
  const out: string[] = []
  for (const part of path.split(/[\\/]+/)) {
    if (part === '' || part === '.')
      continue
    if (part === '..') {
      if (out.length === 0)
        return null
      out.pop()
      continue
    }
    out.push(part)
  }
  return out.join('/')
}

/** A file reference as ComfyUI reports it in `images` outputs. */
export interface FileRef {
  filename: string
  subfolder: string
  type: FolderType
}

/** `name.png [output]` => `{ name: 'name.png', type: 'output' }` (ComfyUI's annotated file paths). */
export function parseAnnotated(name: string, defaultType: FolderType): { name: string, type: FolderType } {
  const m = /^(.*?)\s*\[(input|output|temp)\]$/.exec(name)
  return m?.[1] !== undefined && m[2] !== undefined ? { name: m[1], type: m[2] as FolderType } : { name, type: defaultType }
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

/**
 * The input/, output/ and temp/ folders, in memory. Keys are `type/relative/path`.
 * Survives `restart()` (except temp/, which ComfyUI wipes on start).
 */
export class FileStore {
  readonly #files = new Map<string, Uint8Array>()

  /** The installed node types and model files (see `installation.ts`): node types change with a restart, models at once. */
  constructor(public installation: Installation = { nodes: undefined, models: {} }) {}

  /** Which prompt wrote an output or temp file (for the request log). */
  readonly #producers = new Map<string, string>()

  static key(type: FolderType, relPath: string): string {
    return `${type}/${relPath}`
  }

  get(type: FolderType, relPath: string): Uint8Array | undefined {
    return this.#files.get(FileStore.key(type, relPath))
  }

  has(type: FolderType, relPath: string): boolean {
    return this.#files.has(FileStore.key(type, relPath))
  }

  set(type: FolderType, relPath: string, bytes: Uint8Array, producedBy?: string): void {
    const key = FileStore.key(type, relPath)
    this.#files.set(key, bytes)
    if (producedBy !== undefined)
      this.#producers.set(key, producedBy)
  }

  producer(type: FolderType, relPath: string): string | undefined {
    return this.#producers.get(FileStore.key(type, relPath))
  }

  /** File names directly in `type/dir` (no subfolders), sorted. */
  list(type: FolderType, dir = ''): string[] {
    const prefix = `${type}/${dir ? `${dir}/` : ''}`
    const names: string[] = []
    for (const key of this.#files.keys()) {
      if (key.startsWith(prefix) && !key.slice(prefix.length).includes('/'))
        names.push(key.slice(prefix.length))
    }
    return names.sort()
  }

  /** Delete every file of one folder. */
  wipe(type: FolderType): void {
    for (const key of [...this.#files.keys()]) {
      if (key.startsWith(`${type}/`)) {
        this.#files.delete(key)
        this.#producers.delete(key)
      }
    }
  }
}
