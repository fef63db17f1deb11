/** A canonical lowercase UUID v4 (ComfyUI ≥ 0.25 rejects any other client prompt id). */
export function mintUuid(): string {
  const c = globalThis.crypto
  if (typeof c?.randomUUID === 'function')
    return c.randomUUID()
  // crypto.randomUUID needs a secure context; plain-http pages on a LAN IP do not have one.
  const bytes = new Uint8Array(16)
  c.getRandomValues(bytes)
  bytes[6] = ((bytes[6] ?? 0) & 0x0F) | 0x40
  bytes[8] = ((bytes[8] ?? 0) & 0x3F) | 0x80
  const hex = Array.from(bytes, b => b.toString(16).padStart(2, '0')).join('')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

/** A client id in ComfyUI's own format: 32 lowercase hex characters. */
export function mintClientId(): string {
  return mintUuid().replace(/-/g, '')
}
