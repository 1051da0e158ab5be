import { h } from 'preact'
import htm from 'htm'

/** Preact components written as tagged templates: no JSX transform, so the build is plain TypeScript. */
export const html = htm.bind(h)
