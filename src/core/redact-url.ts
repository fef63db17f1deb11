/** What stands in for a secret in messages, logs and JSON. */
export const REDACTED = '[redacted]'

/**
 * A URL fit for logs and messages: userinfo and the value of every query parameter but `clientId` replaced by
 * `[redacted]`, the fragment dropped. Works on strings that do not parse, too.
 */
export function redactUrl(url: string): string {
  const hash = url.indexOf('#')
  const withoutHash = hash === -1 ? url : url.slice(0, hash)
  return withoutHash
    .replace(/^([a-z][a-z\d+.-]*:\/*)[^/?#@]*@/i, `$1${REDACTED}@`)
    .replace(/([?&])([^=&]*)=([^&]*)/g, (match, sep: string, name: string) => (name === 'clientId' ? match : `${sep}${name}=${REDACTED}`))
}
