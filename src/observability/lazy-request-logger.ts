import type { FastifyBaseLogger } from 'fastify'
import type { Bindings, ChildLoggerOptions } from 'fastify/types/logger.js'
import type { Logger } from 'pino'

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

  /** Whether a line at `level` would be written: the route's own level (`options.level`) wins over the parent's. */
  isLevelEnabled (level: Level): boolean {
    const parent = this.parent as unknown as Logger
    if (this.made !== undefined) return (this.made as unknown as Logger).isLevelEnabled(level)
    const own = this.options.level
    return own === undefined || own === '' ? parent.isLevelEnabled(level) : (parent.levels.values[level] ?? 0) >= (parent.levels.values[own] ?? 0)
  }

  private write (level: Level, args: unknown[]): void {
    if (this.made === undefined && !this.isLevelEnabled(level)) return
    (this.logger()[level] as (...args: unknown[]) => void)(...args)
  }
}
