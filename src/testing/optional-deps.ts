// `ws` and `pngjs` are optional peer dependencies: an app that only uses the client never installs them. They are
// loaded on first use rather than imported, so importing `comfy-tether/testing` works without them and a simulator
// started without them fails with a MissingDependencyError naming the install command, not ERR_MODULE_NOT_FOUND.
import type * as Pngjs from 'pngjs'
import type * as Ws from 'ws'
import { createRequire } from 'node:module'
import { MissingDependencyError, SIMULATOR_INSTALL_COMMAND } from '../core/missing-dependency-error'

/** The optional packages and their module types. */
interface OptionalPackages {
  ws: typeof Ws
  pngjs: typeof Pngjs
}

/** Loads a package by name, as `require` does (injectable, so a missing package can be simulated). */
export type PackageLoader = (name: string) => unknown

const loaded = new Map<keyof OptionalPackages, unknown>()
let loader: PackageLoader = createRequire(import.meta.url)

/** Replaces how packages are loaded, and forgets those already loaded; returns the undo. For tests. */
export function setPackageLoader(next: PackageLoader): () => void {
  const previous = loader
  loader = next
  loaded.clear()
  return () => {
    loader = previous
    loaded.clear()
  }
}

function isNotFound(error: unknown, name: string): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown, message?: unknown }
  return (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') && typeof message === 'string' && message.includes(`'${name}'`)
}

/** The optional package `name`; throws `MISSING_DEPENDENCY` (naming `npm i -D ws pngjs`) if it is not installed. */
export function optionalPackage<N extends keyof OptionalPackages>(name: N): OptionalPackages[N] {
  if (!loaded.has(name)) {
    try {
      loaded.set(name, loader(name))
    }
    catch (error) {
      if (isNotFound(error, name))
        throw new MissingDependencyError(name, SIMULATOR_INSTALL_COMMAND, 'The ComfyUI simulator (comfy-tether/testing)', { cause: error })
      throw error
    }
  }
  return loaded.get(name) as OptionalPackages[N]
}
