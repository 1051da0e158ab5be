import type { FastifyBaseLogger } from 'fastify'
import type { Bindings, ChildLoggerOptions } from 'fastify/types/logger.js'

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace'

/**
 * A request's logger that makes its pino child (bindings serialised, prototype chain set up) only when a line
 * is actually written at an enabled level. Most requests write none, and the child cost about as much as the
 * rest of the request's logging put together.
 */
export class LazyRequestLogger {
  private made: FastifyBaseLogger | undefined

  constructor (private readonly parent: FastifyBaseLogger, private readonly bindings: Bindings, private readonly options: ChildLoggerOptions) {}

  get level (): string { return this.made?.level ?? this.parent.level }
  set level (level: string) { this.logger().level = level }

  fatal (...args: unknown[]): void { this.write('fatal', args) }
  error (...args: unknown[]): void { this.write('error', args) }
  warn (...args: unknown[]): void { this.write('warn', args) }
  info (...args: unknown[]): void { this.write('info', args) }
  debug (...args: unknown[]): void { this.write('debug', args) }
  trace (...args: unknown[]): void { this.write('trace', args) }
  silent (): void {}

  child (bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.logger().child(bindings, options)
  }

  private logger (): FastifyBaseLogger {
    this.made ??= this.parent.child(this.bindings, this.options)
    return this.made
  }

  private write (level: Level, args: unknown[]): void {
    if (this.made === undefined && !(this.parent as unknown as { isLevelEnabled: (level: string) => boolean }).isLevelEnabled(level)) return
    (this.logger()[level] as (...args: unknown[]) => void)(...args)
  }
}
