import { access } from 'node:fs/promises'
import { chromium, type Browser } from 'playwright-core'
import { PNG } from 'pngjs'

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

interface Teardown { teardown: (fn: () => unknown) => void }

/**
 * Debian's Chromium, headless, closed after the test; undefined when it is not installed and this is not CI. In
 * CI a missing browser throws: it is a failure, not a skip (.ci/run installs it).
 */
export async function launchChromium (t: Teardown): Promise<Browser | undefined> {
  try {
    await access(CHROMIUM)
  } catch {
    if (process.env.CI === 'true') throw new Error(`Chromium is required in CI and is not at ${CHROMIUM} (apt-get install -y chromium)`)
    return undefined
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update']
  })
  t.teardown(() => browser.close())
  return browser
}

/** The spread of a screenshot's brightness: near 0 for a blank page, well above it for one with content. */
export function pixelVariance (png: Buffer): number {
  const image = PNG.sync.read(png)
  let sum = 0
  let squares = 0
  const pixels = image.width * image.height
  for (let index = 0; index < image.data.length; index += 4) {
    const brightness = (image.data[index] as number) * 0.299 + (image.data[index + 1] as number) * 0.587 + (image.data[index + 2] as number) * 0.114
    sum += brightness
    squares += brightness * brightness
  }
  const mean = sum / pixels
  return squares / pixels - mean * mean
}
