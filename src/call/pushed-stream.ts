import type { GatewayError } from '../canonical/errors.ts'

/** A provider body's bytes, pushed to a listener as they arrive, and paused and resumed on demand. */
export interface ByteSource {
  /** Starts delivery: bytes that came before go first, then each as it comes, then the end or an error. */
  listen: (listener: ByteListener) => void
  pause: () => void
  resume: () => void
  /** No more bytes are wanted. A body that has not ended is cut off, which closes its connection. */
  close: () => void
}

export interface ByteListener {
  data: (bytes: Buffer | string) => void
  end: () => void
  /** The body failed, or was cut off before its end. */
  error: (error: unknown) => void
}

/** Where a stream's chunks go once its consumer takes them as they come (see `PushedStream.pipeTo`). */
export interface ChunkSink<T> {
  /** One chunk. Returning false pauses the provider's body until the sink calls `resume()`. */
  chunk: (chunk: T) => boolean
  /** Every chunk has been handed over and the stream is complete. */
  end: () => void
  /** The stream failed after its first chunk; nothing follows. */
  fail: (error: GatewayError) => void
}

/** What turns a provider body's bytes into a stream's chunks, made once per stream with where its chunks go. */
export interface StreamDecoder {
  /** Some of the body's bytes: hands what they complete to `emit`. Returns true once the stream is complete. */
  data: (bytes: Buffer | string) => boolean
  /** No more bytes will come (or the stream was complete): hands over what was held; throws if it stopped early. */
  end: () => void
}

export interface PushedStreamHooks<T> {
  /** Sees each chunk after the first as it is made (usage and size accounting). */
  onChunk: ((chunk: T) => void) | undefined
  /** Turns what ended the stream after its first chunk into the call's error. */
  fail: (error: unknown) => GatewayError
  /** The stream is over, however it ended: the call and the provider's body are let go. */
  finish: () => void
  /**
   * The body is paused because the consumer is behind (true), or reads on (false). The provider is not silent
   * meanwhile, so its idle timeout must not run.
   */
  onHold?: (held: boolean) => void
}

/** Chunks made ahead of the consumer before the provider's body is paused. */
const READ_AHEAD_CHUNKS = 64

type Waiting<T> = { resolve: (result: IteratorResult<T>) => void, reject: (error: unknown) => void }

/**
 * A provider's streamed answer, pushed: the body's bytes go through a decoder as they arrive, and the chunks it
 * makes go on. A consumer that `pipeTo`s a sink gets each chunk in the same turn as the bytes that made it, with no
 * promise per chunk; one that iterates gets them through `next()`. Either way the body is paused while the
 * consumer is behind, so backpressure reaches the provider.
 *
 * `first()` waits for the first chunk, so that a failure before it is still an ordinary error the caller can
 * retry; after that, failures go through `hooks.fail` to the consumer.
 */
export class PushedStream<T> implements AsyncIterableIterator<T> {
  private readonly queue: T[] = []
  private head = 0
  private readonly decoder: StreamDecoder
  /**
   * The decoder has said all it will, or the stream failed or was stopped: no more bytes are read, and whatever
   * the body delivers later (its owner cutting it off) is no longer news to anyone.
   */
  private complete = false
  private over = false
  private failure: GatewayError | undefined
  private firstWaiting: Waiting<T> | undefined
  private firstSeen = false
  private waiting: Waiting<T> | undefined
  private sink: ChunkSink<T> | undefined
  private sinkPaused = false
  private held = false

  constructor (
    private readonly body: ByteSource,
    makeDecoder: (emit: (chunk: T) => void) => StreamDecoder,
    private readonly hooks: PushedStreamHooks<T>
  ) {
    this.decoder = makeDecoder(this.emit)
  }

  /**
   * Starts reading the body. Resolves with the first chunk, or undefined when the stream completed without one;
   * rejects with what failed it, and then the caller lets the call go.
   */
  async first (): Promise<T | undefined> {
    const result = await new Promise<IteratorResult<T>>((resolve, reject) => {
      this.firstWaiting = { resolve, reject }
      this.body.listen({ data: this.onData, end: this.onEnd, error: this.onError })
    })
    return result.done === true ? undefined : result.value
  }

  /** Hands every chunk from now on to `sink`, as it is made. Chunks already made go first. */
  pipeTo (sink: ChunkSink<T>): void {
    this.sink = sink
    this.flushToSink()
  }

  /** The sink can take chunks again. */
  resume (): void {
    if (!this.sinkPaused) return
    this.sinkPaused = false
    this.flushToSink()
  }

  /** The consumer is gone: the call is let go, whatever was still to come is dropped. */
  stop (): void {
    this.queue.length = 0
    this.head = 0
    this.waiting?.resolve({ done: true, value: undefined })
    this.waiting = undefined
    this.sink = undefined
    this.end()
  }

  [Symbol.asyncIterator] (): this { return this }

  async next (): Promise<IteratorResult<T>> {
    if (this.head < this.queue.length) return { done: false, value: this.take() }
    if (this.complete) {
      this.end()
      if (this.failure !== undefined) throw this.failure
      return { done: true, value: undefined }
    }
    return await new Promise((resolve, reject) => {
      // Waiting first: the body may deliver, and even end, inside `resume()`.
      this.waiting = { resolve, reject }
      this.readOn()
    })
  }

  async return (): Promise<IteratorResult<T>> {
    this.stop()
    return { done: true, value: undefined }
  }

  private readonly onData = (bytes: Buffer | string): void => {
    if (this.complete) return
    try {
      if (this.decoder.data(bytes)) this.completed()
    } catch (error) {
      this.failed(error)
    }
  }

  private readonly onEnd = (): void => {
    if (this.complete) return
    try {
      this.completed()
    } catch (error) {
      this.failed(error)
    }
  }

  private readonly onError = (error: unknown): void => {
    if (!this.complete) this.failed(error)
  }

  /** The decoder's chunks arrive here, in order. */
  private readonly emit = (chunk: T): void => {
    if (!this.firstSeen) {
      this.firstSeen = true
      if (this.firstWaiting !== undefined) {
        this.firstWaiting.resolve({ done: false, value: chunk })
        this.firstWaiting = undefined
        return
      }
    }
    this.hooks.onChunk?.(chunk)
    if (this.sink !== undefined && !this.sinkPaused && this.head === this.queue.length) {
      if (!this.sink.chunk(chunk)) this.pauseFor('sink')
      return
    }
    if (this.waiting !== undefined) {
      const waiting = this.waiting
      this.waiting = undefined
      waiting.resolve({ done: false, value: chunk })
      return
    }
    this.queue.push(chunk)
    if (this.queue.length - this.head >= READ_AHEAD_CHUNKS) this.pauseFor('queue')
  }

  /** The provider said all it will: the decoder gives what it held back, then the consumer hears the end. */
  private completed (): void {
    this.complete = true
    this.decoder.end()
    if (this.firstWaiting !== undefined) {
      this.firstWaiting.resolve({ done: true, value: undefined })
      this.firstWaiting = undefined
    }
    this.settle()
  }

  private failed (error: unknown): void {
    this.complete = true
    if (this.firstWaiting !== undefined) {
      // Before the first chunk the caller owns the failure (it may try another provider).
      this.firstWaiting.reject(error)
      this.firstWaiting = undefined
      return
    }
    this.failure = this.hooks.fail(error)
    this.settle()
  }

  /** Tells a consumer that has taken every chunk how the stream ended. */
  private settle (): void {
    if (!this.complete || this.head < this.queue.length) return
    if (this.sink !== undefined) {
      if (this.sinkPaused) return
      const sink = this.sink
      this.sink = undefined
      this.end()
      if (this.failure === undefined) sink.end()
      else sink.fail(this.failure)
      return
    }
    const waiting = this.waiting
    if (waiting === undefined) return
    this.waiting = undefined
    this.end()
    if (this.failure === undefined) waiting.resolve({ done: true, value: undefined })
    else waiting.reject(this.failure)
  }

  private flushToSink (): void {
    const sink = this.sink
    if (sink === undefined) return
    while (this.head < this.queue.length) {
      if (!sink.chunk(this.take())) {
        this.pauseFor('sink')
        return
      }
    }
    if (this.complete) this.settle()
    else this.readOn()
  }

  private pauseFor (reason: 'sink' | 'queue'): void {
    if (reason === 'sink') this.sinkPaused = true
    if (this.complete) return
    this.body.pause()
    if (!this.held) {
      this.held = true
      this.hooks.onHold?.(true)
    }
  }

  private readOn (): void {
    if (this.complete) return
    // Released before resuming: a body that delivers inside `resume()` may be paused, and held, again there.
    if (this.held) {
      this.held = false
      this.hooks.onHold?.(false)
    }
    this.body.resume()
  }

  private take (): T {
    const chunk = this.queue[this.head++] as T
    if (this.head === this.queue.length) {
      this.queue.length = 0
      this.head = 0
    }
    return chunk
  }

  /** The call is over: let it and the body go, once. */
  private end (): void {
    this.complete = true
    if (this.over) return
    this.over = true
    this.hooks.finish()
  }
}
