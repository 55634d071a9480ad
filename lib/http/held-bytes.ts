const nothing = Buffer.alloc(0)

/**
 * Bytes held until they can go on whole: an event stream's unfinished event
 * (the relay, `sseEvents`), a body read whole (`readBounded`). They are copied
 * into one buffer that doubles as it fills, up to `maxBytes` (the limit, which
 * the reader enforces before anything is held), so the memory held is in
 * proportion to the bytes, however finely they were chunked: a list of the
 * chunks would keep a Buffer object per chunk, and a sender sending a byte per
 * chunk would make 1 MiB held cost some 240 MB. The doubling keeps the copying
 * linear: a byte is copied in, at most once more on average as the buffer
 * grows, and out with the rest.
 *
 * @example
 * const held = new HeldBytes(1024 * 1024)
 * held.hold(encode('data: a'))
 * held.release(encode('\n\n')) // 'data: a\n\n' as one chunk; nothing is held after
 */
export class HeldBytes {
  readonly maxBytes: number
  #buffer: Buffer = nothing
  #length = 0

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes
  }

  /** What is held: a view, good until the next `hold` or `release`. */
  get bytes(): Uint8Array {
    return this.#buffer.subarray(0, this.#length)
  }

  /** Holds a copy of `chunk` after what is held: the chunk itself is not kept. */
  hold(chunk: Uint8Array): void {
    const length = this.#length + chunk.length
    if (length > this.#buffer.length) this.#grow(length)
    this.#buffer.set(chunk, this.#length)
    this.#length = length
  }

  /** What is held, then `ending`, as one chunk (`ending` itself when nothing is held); lets go of the rest. */
  release(ending: Uint8Array): Uint8Array {
    if (this.#length === 0) return ending
    const whole = Buffer.concat([this.bytes, ending])
    this.#buffer = nothing
    this.#length = 0
    return whole
  }

  /** Doubles the buffer, but not past `maxBytes` unless more must be held. */
  #grow(needed: number) {
    const grown = Buffer.allocUnsafeSlow(
      Math.max(needed, Math.min(this.#buffer.length * 2, this.maxBytes)),
    )
    grown.set(this.bytes)
    this.#buffer = grown
  }
}
