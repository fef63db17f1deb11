/** The name the sample image is uploaded under. */
export const SAMPLE_NAME = 'comfy-tether-sample.png'

/**
 * A small picture drawn here, so the image presets run before anyone picks a file: a sky, a sun and two hills, whose
 * inversion is plain to see. Always the same pixels, so a second run on the same server is answered from ComfyUI's cache.
 */
export async function makeSampleImage(size = 96): Promise<File> {
  const canvas = document.createElement('canvas')
  canvas.width = size
  canvas.height = size
  const g = canvas.getContext('2d')
  if (!g)
    throw new Error('This browser cannot draw on a canvas, so there is no sample image: choose a file.')
  const sky = g.createLinearGradient(0, 0, 0, size)
  sky.addColorStop(0, '#1c3f94')
  sky.addColorStop(0.65, '#f28c38')
  g.fillStyle = sky
  g.fillRect(0, 0, size, size)
  g.fillStyle = '#ffe066'
  g.beginPath()
  g.arc(size * 0.66, size * 0.42, size * 0.15, 0, Math.PI * 2)
  g.fill()
  g.fillStyle = '#2e6b34'
  g.beginPath()
  g.ellipse(size * 0.25, size, size * 0.55, size * 0.32, 0, 0, Math.PI * 2)
  g.fill()
  g.fillStyle = '#1f4d25'
  g.beginPath()
  g.ellipse(size * 0.9, size * 1.02, size * 0.5, size * 0.25, 0, 0, Math.PI * 2)
  g.fill()
  const blob = await new Promise<Blob | null>(resolve => canvas.toBlob(resolve, 'image/png'))
  if (!blob)
    throw new Error('The sample image could not be encoded as PNG: choose a file.')
  return new File([blob], SAMPLE_NAME, { type: 'image/png' })
}
