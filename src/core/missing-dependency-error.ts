import { ComfyTetherError } from './errors'

/** The install command for every optional package the simulator (`comfy-tether/testing`) needs. */
export const SIMULATOR_INSTALL_COMMAND = 'npm i -D ws pngjs'

/** An optional peer dependency (`ws` or `pngjs`, for `comfy-tether/testing`) is not installed. */
export class MissingDependencyError extends ComfyTetherError {
  override readonly name = 'MissingDependencyError'
  declare readonly code: 'MISSING_DEPENDENCY'
  constructor(readonly packageName: string, readonly installCommand: string, readonly neededBy: string, options?: { cause?: unknown }) {
    super('MISSING_DEPENDENCY', `${neededBy} needs the optional package "${packageName}", which is not installed. Install it with: ${installCommand}`, options)
  }
}
