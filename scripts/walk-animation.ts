/**
 * The animated walk-through (issue 17): the walk's screenshots (PNG, all one size) as one animated
 * PNG (APNG) for the README and the store listings. Encoded with upng-js: its palette quantizer
 * (lossy, `cnum` colours) and its per-frame change rectangles keep six full 1280×800 frames of a
 * mostly unchanging page small. APNG rather than GIF: browsers, GitHub and both stores show it, and
 * the interface's text stays sharp at 256 colours where GIF dithers.
 */
import UPNG from 'upng-js';

export interface AnimationFrame {
  /** A PNG file's bytes. */
  png: Uint8Array;
  /** How long the frame shows, in milliseconds. */
  delayMs: number;
}

export interface Animation {
  apng: Uint8Array;
  width: number;
  height: number;
  frames: number;
  /** The palette size used: the largest of `colours` whose result fits `maxBytes`. */
  colours: number;
}

function toArrayBuffer(b: Uint8Array): ArrayBuffer {
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

/**
 * Encodes the frames as an APNG that loops forever. Tries the palette sizes in `colours` (largest
 * first) and keeps the first result within `maxBytes`; when none fits, the smallest one.
 */
export function encodeAnimation(
  frames: readonly AnimationFrame[],
  opts: { maxBytes?: number; colours?: readonly number[] } = {},
): Animation {
  if (frames.length === 0) throw new Error('no frames');
  const decoded = frames.map((f) => UPNG.decode(toArrayBuffer(f.png)));
  const { width, height } = decoded[0]!;
  for (const [i, d] of decoded.entries())
    if (d.width !== width || d.height !== height)
      throw new Error(`frame ${i + 1} is ${d.width}×${d.height}, the first is ${width}×${height}`);
  const rgba = decoded.map((d) => UPNG.toRGBA8(d)[0]!);
  const delays = frames.map((f) => f.delayMs);
  const maxBytes = opts.maxBytes ?? Number.POSITIVE_INFINITY;
  const colours = [...(opts.colours ?? [256, 128, 64])].sort((a, b) => b - a);
  let best: Animation | undefined;
  for (const cnum of colours) {
    const apng = new Uint8Array(UPNG.encode(rgba, width, height, cnum, delays));
    best = { apng, width, height, frames: frames.length, colours: cnum };
    if (apng.byteLength <= maxBytes) break;
  }
  return best!;
}
