/** A Map that reports every change, so that the client can tell its subscribers. */
export class NotifyingMap<K, V> extends Map<K, V> {
  readonly #changed: () => void

  constructor(changed: () => void) {
    super()
    this.#changed = changed
  }

  override set(key: K, value: V): this {
    super.set(key, value)
    this.#changed()
    return this
  }

  override delete(key: K): boolean {
    const deleted = super.delete(key)
    if (deleted)
      this.#changed()
    return deleted
  }

  override clear(): void {
    if (this.size === 0)
      return
    super.clear()
    this.#changed()
  }
}
