// `uploadImage()` of the app's own images: a chunk of its own, loaded on its first call (with the image checks).
import type { Engine } from './engine'
import type { createPlacement } from './placement'
import { assertImage } from '../core/validate-input'

/** Options of `uploadImage()`. */
export interface UploadImageOptions {
  filename?: string
  subfolder?: string
  type?: 'input' | 'temp' | 'output'
  overwrite?: boolean
}

/** Uploads an image of the app's own to the locked server (or the one a new task would use). */
export async function uploadImage(engine: Engine, placement: ReturnType<typeof createPlacement>, file: Blob, uploadOptions: UploadImageOptions = {}): Promise<{ name: string, subfolder: string, type: string, server: string }> {
  assertImage('upload', file, { upload: { class_type: 'LoadImage', inputs: {} } })
  let server = engine.sessionMode ? await placement.sessionServer() : await placement.taskServer()
  while (server === undefined) // a shared choice made for a workflow that fits nowhere; choose again
    server = await placement.sessionServer()
  const filename = uploadOptions.filename ?? (file instanceof File && file.name ? file.name : `comfy-tether-${engine.now()}.png`)
  try {
    const result = await engine.api.uploadImage({ server, file, filename, subfolder: uploadOptions.subfolder, type: uploadOptions.type, overwrite: uploadOptions.overwrite })
    return { ...result, server }
  }
  finally {
    engine.scheduleRelease(server)
  }
}
