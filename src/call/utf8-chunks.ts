import { StringDecoder } from 'node:string_decoder'

export interface Utf8Chunks {
  /** The text of the next chunk; a character cut off at its end is completed by the next one. */
  decode: (bytes: Buffer | string) => string
  /** What is left once the last chunk has been decoded. */
  end: () => string
}

/**
 * Decodes a byte stream's chunks as UTF-8. A provider's chunks nearly always end between events, on an ASCII
 * byte, so each is decoded on its own; only once one ends inside a character does a `StringDecoder` take over and
 * carry that character to the next chunk. (A `TextDecoder` made per stream cost more than the decoding itself.)
 */
export function utf8Chunks (): Utf8Chunks {
  let decoder: StringDecoder | undefined
  return {
    decode: (bytes) => {
      if (typeof bytes === 'string') return bytes
      if (decoder === undefined) {
        const last = bytes[bytes.length - 1]
        if (last === undefined || last < 0x80) return bytes.toString('utf8')
        decoder = new StringDecoder('utf8')
      }
      return decoder.write(bytes)
    },
    end: () => decoder?.end() ?? ''
  }
}
