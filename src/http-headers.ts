/** The first value of a header Node may hand over as a string or a list. */
export function firstHeaderValue (value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}
