import type { Experiment } from './experiment-file.ts'

/**
 * The arm a stickiness value lands in: a hash of the experiment's name and the value, spread over the arms'
 * weights. The same value always lands in the same arm of one experiment, on every replica and after a restart;
 * different experiments split independently. Without a value (no `user` field, no such header) the request is
 * placed at random, by weight.
 */
export function assignArm (experiment: Experiment, value: string | undefined, random: () => number = Math.random): Experiment['arms'][number] {
  const point = value === undefined ? random() : hash32(`${experiment.name}\u0000${value}`) / 4_294_967_296
  let total = 0
  for (const arm of experiment.arms) total += arm.weight
  let threshold = point * total
  for (const arm of experiment.arms) {
    threshold -= arm.weight
    if (threshold < 0) return arm
  }
  return experiment.arms[experiment.arms.length - 1] as Experiment['arms'][number]
}

/** FNV-1a over UTF-16 code units, then MurmurHash3's finaliser so that near values spread over the whole range. */
export function hash32 (text: string): number {
  let hash = 0x811c9dc5
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index)
    hash = Math.imul(hash, 0x01000193)
  }
  hash ^= hash >>> 16
  hash = Math.imul(hash, 0x85ebca6b)
  hash ^= hash >>> 13
  hash = Math.imul(hash, 0xc2b2ae35)
  hash ^= hash >>> 16
  return hash >>> 0
}
