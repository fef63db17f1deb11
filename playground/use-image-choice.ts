import { onBeforeUnmount, shallowRef } from 'vue'
import { makeSampleImage } from './sample-image'

/**
 * The image the form uploads: the sample picture until a file is chosen (and again when the choice is cleared), its
 * preview URL (revoked when replaced) and its size (the Scale preset needs it).
 */
export function useImageChoice() {
  const file = shallowRef<File | null>(null)
  const fileUrl = shallowRef<string | null>(null)
  const imageSize = shallowRef<{ width: number, height: number } | null>(null)
  const isSample = shallowRef(false)
  const error = shallowRef<string | null>(null)
  let sample: Promise<File> | undefined
  let disposed = false
  let choice = 0

  async function use(picked: File | null, fromSample: boolean): Promise<void> {
    const mine = ++choice
    if (fileUrl.value)
      URL.revokeObjectURL(fileUrl.value)
    file.value = picked
    isSample.value = fromSample
    fileUrl.value = picked ? URL.createObjectURL(picked) : null
    imageSize.value = null
    error.value = null
    if (!picked)
      return
    try {
      const bitmap = await createImageBitmap(picked)
      if (mine === choice)
        imageSize.value = { width: bitmap.width, height: bitmap.height }
      bitmap.close()
    }
    catch {
      if (mine === choice)
        error.value = `"${picked.name}" could not be read as an image.`
    }
  }

  async function useSample(): Promise<void> {
    const mine = choice
    try {
      const picked = await (sample ??= makeSampleImage())
      // Not if the page went away or a file was chosen while it was drawn.
      if (!disposed && mine === choice)
        await use(picked, true)
    }
    catch (e) {
      error.value = e instanceof Error ? e.message : String(e)
    }
  }

  /** The file input's change: the chosen file, or the sample again when the choice was cleared. */
  async function onFile(event: Event): Promise<void> {
    const picked = (event.target as HTMLInputElement).files?.[0] ?? null
    if (picked)
      await use(picked, false)
    else
      await useSample()
  }

  void useSample()
  onBeforeUnmount(() => {
    disposed = true
    if (fileUrl.value)
      URL.revokeObjectURL(fileUrl.value)
  })

  return { file, fileUrl, imageSize, isSample, error, onFile }
}
