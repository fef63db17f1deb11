import { optionalPackage } from './optional-deps'

/** An RGB image, 3 bytes per pixel, row-major (ComfyUI's IMAGE tensors hold the same pixels as floats). */
export interface SimImage {
  width: number
  height: number
  data: Uint8Array
}

/** A decoded file: its RGB pixels and the alpha channel, if it had one. */
export interface DecodedImage {
  image: SimImage
  alpha: Uint8Array | null
}

export function createImage(width: number, height: number, rgb: readonly [number, number, number] = [0, 0, 0]): SimImage {
  const data = new Uint8Array(width * height * 3)
  for (let i = 0; i < data.length; i += 3) {
    data[i] = rgb[0]
    data[i + 1] = rgb[1]
    data[i + 2] = rgb[2]
  }
  return { width, height, data }
}

/** Encode as an RGB PNG. */
export function encodePng(image: SimImage, options: { deflateLevel?: number } = {}): Buffer {
  const { PNG } = optionalPackage('pngjs')
  const png = new PNG({ width: image.width, height: image.height })
  const { data } = image
  for (let p = 0, q = 0; p < data.length; p += 3, q += 4) {
    png.data[q] = data[p] ?? 0
    png.data[q + 1] = data[p + 1] ?? 0
    png.data[q + 2] = data[p + 2] ?? 0
    png.data[q + 3] = 255
  }
  return PNG.sync.write(png, { colorType: 2, deflateLevel: options.deflateLevel ?? 6 })
}

/** Is this a PNG (by its signature)? */
export function isPng(bytes: Uint8Array): boolean {
  return bytes.length > 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4E && bytes[3] === 0x47
}

/** Decode a PNG; throws on anything else. */
export function decodePng(bytes: Uint8Array): DecodedImage {
  const png = optionalPackage('pngjs').PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))
  const rgb = new Uint8Array(png.width * png.height * 3)
  const alpha = new Uint8Array(png.width * png.height)
  let opaque = true
  for (let p = 0, q = 0, a = 0; q < png.data.length; p += 3, q += 4, a++) {
    rgb[p] = png.data[q] ?? 0
    rgb[p + 1] = png.data[q + 1] ?? 0
    rgb[p + 2] = png.data[q + 2] ?? 0
    const al = png.data[q + 3] ?? 255
    alpha[a] = al
    if (al !== 255)
      opaque = false
  }
  return { image: { width: png.width, height: png.height, data: rgb }, alpha: opaque ? null : alpha }
}

/**
 * Width and height of a baseline or progressive JPEG, read from its SOF marker (there is no JPEG decoder here).
 * Returns null when the bytes are not a JPEG.
 */
export function jpegSize(bytes: Uint8Array): { width: number, height: number } | null {
  if (bytes.length < 4 || bytes[0] !== 0xFF || bytes[1] !== 0xD8)
    return null
  let i = 2
  while (i + 9 < bytes.length) {
    if (bytes[i] !== 0xFF) {
      i++
      continue
    }
    const marker = bytes[i + 1] ?? 0
    const length = ((bytes[i + 2] ?? 0) << 8) | (bytes[i + 3] ?? 0)
    const isSof = marker >= 0xC0 && marker <= 0xCF && marker !== 0xC4 && marker !== 0xC8 && marker !== 0xCC
    if (isSof) {
      const height = ((bytes[i + 5] ?? 0) << 8) | (bytes[i + 6] ?? 0)
      const width = ((bytes[i + 7] ?? 0) << 8) | (bytes[i + 8] ?? 0)
      return width > 0 && height > 0 ? { width, height } : null
    }
    i += 2 + length
  }
  return null
}

/** 255 - x on every channel (ComfyUI's `1.0 - image`). */
export function invertImage(image: SimImage): SimImage {
  const data = new Uint8Array(image.data.length)
  for (let i = 0; i < data.length; i++)
    data[i] = 255 - (image.data[i] ?? 0)
  return { width: image.width, height: image.height, data }
}

/** Take a sub-rectangle. */
export function cropImage(image: SimImage, x: number, y: number, width: number, height: number): SimImage {
  const data = new Uint8Array(width * height * 3)
  for (let row = 0; row < height; row++) {
    const from = ((y + row) * image.width + x) * 3
    data.set(image.data.subarray(from, from + width * 3), row * width * 3)
  }
  return { width, height, data }
}

/** Nearest-neighbour resize. */
export function resizeNearest(image: SimImage, width: number, height: number): SimImage {
  const data = new Uint8Array(width * height * 3)
  for (let y = 0; y < height; y++) {
    const sy = Math.min(image.height - 1, Math.floor((y + 0.5) * image.height / height))
    for (let x = 0; x < width; x++) {
      const sx = Math.min(image.width - 1, Math.floor((x + 0.5) * image.width / width))
      const from = (sy * image.width + sx) * 3
      const to = (y * width + x) * 3
      data[to] = image.data[from] ?? 0
      data[to + 1] = image.data[from + 1] ?? 0
      data[to + 2] = image.data[from + 2] ?? 0
    }
  }
  return { width, height, data }
}

/** Scale to fit in `max` x `max` (never up), as a small preview. */
export function thumbnail(image: SimImage, max = 64): SimImage {
  const scale = Math.min(1, max / Math.max(image.width, image.height))
  if (scale === 1)
    return image
  return resizeNearest(image, Math.max(1, Math.round(image.width * scale)), Math.max(1, Math.round(image.height * scale)))
}
