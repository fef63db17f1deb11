import { InvalidServerUrlError } from './errors'
import { PREFIX, redactMessage } from './safe-error'

/**
 * A request target that cannot be resolved to a URL the adapter would send (a scheme-relative URL with no page to
 * resolve it against, userinfo, another scheme): refused before anything is sent. Its code is `INVALID_SERVER_URL`.
 */
export class UnresolvableTargetError extends InvalidServerUrlError {
  constructor(input: string, reason: string, readonly operation: string) {
    super(input, reason)
    this.message = redactMessage(`${PREFIX}${operation} was refused before sending: "${input}": ${reason}.${typeof process !== 'undefined' && process.env.NODE_ENV !== 'production' ? ' Give a path such as "/queue" (comfy-tether adds the locked server) or a URL of a configured server.' : ' Give a path or a configured server\'s URL.'}`)
  }
}
