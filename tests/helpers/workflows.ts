import { PNG } from 'pngjs'
import type { ComfyWorkflow } from '../../src/index'

/** EmptyImage → SaveImage: needs no upload. */
export function emptyImageWorkflow(color = 0x336699, prefix = 'tether'): ComfyWorkflow {
  return {
    1: { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color } },
    2: { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: prefix } },
  }
}

/** LoadImage → ImageInvert → SaveImage; the image goes to node "1". */
export function invertWorkflow(): ComfyWorkflow {
  return {
    1: { class_type: 'LoadImage', inputs: { image: 'placeholder.png' } },
    2: { class_type: 'ImageInvert', inputs: { image: ['1', 0] } },
    3: { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: 'inverted' } },
  }
}

function slow(steps: number, seconds: number, color: number, preview: boolean): ComfyWorkflow {
  return {
    1: { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color } },
    2: { class_type: 'TestSlowProgress', inputs: { image: ['1', 0], steps, seconds, preview, progress_text: false } },
    3: { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: 'slow' } },
  }
}

/** EmptyImage → TestSlowProgress → SaveImage: runs `seconds` with progress frames and previews. */
export function slowWorkflow(steps = 6, seconds = 1.2, color = 0x808080): ComfyWorkflow {
  return slow(steps, seconds, color, true)
}

/** {@link slowWorkflow} without previews: text frames only, as the Node client's tests run it. */
export function slowWorkflowWithoutPreviews(steps = 6, seconds = 1.2): ComfyWorkflow {
  return slow(steps, seconds, 0x808080, false)
}

/** EmptyImage → TestFail → SaveImage. */
export function failingWorkflow(message = 'deliberate failure'): ComfyWorkflow {
  return {
    1: { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: 0 } },
    2: { class_type: 'TestFail', inputs: { image: ['1', 0], message } },
    3: { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: 'never' } },
  }
}

/** A small PNG with a known pattern, as a Blob. */
export function pngBlob(width = 4, height = 4): { blob: Blob, pixels: Uint8Array } {
  const png = new PNG({ width, height })
  for (let i = 0; i < width * height; i++) {
    png.data[i * 4] = (i * 37) % 256
    png.data[i * 4 + 1] = (i * 91) % 256
    png.data[i * 4 + 2] = (i * 13) % 256
    png.data[i * 4 + 3] = 255
  }
  const bytes = PNG.sync.write(png)
  return { blob: new Blob([new Uint8Array(bytes)], { type: 'image/png' }), pixels: new Uint8Array(png.data) }
}
