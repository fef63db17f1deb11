/** One field of a `multipart/form-data` body. */
export interface FormPart {
  name: string
  /** Present for file fields. */
  filename?: string
  contentType?: string
  data: Buffer
}

function param(header: string, key: string): string | undefined {
  const star = new RegExp(`(?:^|;)\\s*${key}\\*=(?:UTF-8|utf-8)''([^;]*)`).exec(header)
  if (star?.[1] !== undefined)
    return decodeURIComponent(star[1])
  const m = new RegExp(`(?:^|;)\\s*${key}=(?:"((?:[^"\\\\]|\\\\.)*)"|([^;]*))`, 'i').exec(header)
  if (!m)
    return undefined
  return m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]?.trim()
}

/**
 * Parse a `multipart/form-data` body (the first field of each name wins, as aiohttp's `post().get()` does).
 * Returns null when the body is not multipart (another content type, no boundary, or no parts).
 */
export function parseMultipart(body: Buffer, contentType: string | undefined): Map<string, FormPart> | null {
  if (!contentType || !/^multipart\/form-data/i.test(contentType.trim()))
    return null
  const boundary = param(contentType, 'boundary')
  if (!boundary)
    return null
  const delimiter = Buffer.from(`--${boundary}`)
  const fields = new Map<string, FormPart>()
  let pos = body.indexOf(delimiter)
  if (pos < 0)
    return null
  while (pos >= 0) {
    pos += delimiter.length
    if (body[pos] === 0x2D && body[pos + 1] === 0x2D)
      break
    if (body[pos] === 0x0D && body[pos + 1] === 0x0A)
      pos += 2
    const headerEnd = body.indexOf('\r\n\r\n', pos)
    if (headerEnd < 0)
      return fields.size > 0 ? fields : null
    const headers = new Map<string, string>()
    for (const line of body.subarray(pos, headerEnd).toString('utf8').split('\r\n')) {
      const colon = line.indexOf(':')
      if (colon > 0)
        headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim())
    }
    const start = headerEnd + 4
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), start)
    if (next < 0)
      return fields.size > 0 ? fields : null
    const disposition = headers.get('content-disposition') ?? ''
    const name = param(disposition, 'name')
    if (name !== undefined && !fields.has(name)) {
      const filename = param(disposition, 'filename')
      fields.set(name, { name, filename, contentType: headers.get('content-type'), data: body.subarray(start, next) })
    }
    pos = next + 2
  }
  return fields
}
