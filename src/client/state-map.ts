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

/** A Set that reports every change. */
export class NotifyingSet<T> extends Set<T> {
  readonly #changed: () => void

  constructor(changed: () => void) {
    super()
    this.#changed = changed
  }

  override add(value: T): this {
    if (this.has(value))
      return this
    super.add(value)
    this.#changed()
    return this
  }

  override delete(value: T): boolean {
    const deleted = super.delete(value)
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
