export const ms = (value: number | null | undefined): string => value === null || value === undefined ? '—' : `${Math.round(value)} ms`
export const usd = (value: number | null | undefined): string => value === null || value === undefined ? 'unknown' : `$${value < 0.01 ? value.toFixed(6) : value.toFixed(2)}`
export const percent = (value: number): string => `${value.toFixed(1)} %`
export const time = (iso: string): string => new Date(iso).toLocaleTimeString()
