import { PNG } from 'pngjs';
import { glyph, GLYPH_HEIGHT, GLYPH_WIDTH } from './font';

/** An RGB colour, components 0–255. */
export type Color = readonly [number, number, number];

export const BLACK: Color = [0, 0, 0];
export const WHITE: Color = [255, 255, 255];
export const GREY: Color = [160, 160, 160];

/** Matplotlib's tab10: ten colours that stay apart, one per class. */
export const PALETTE: readonly Color[] = [
  [31, 119, 180],
  [255, 127, 14],
  [44, 160, 44],
  [214, 39, 40],
  [148, 103, 189],
  [140, 86, 75],
  [227, 119, 194],
  [127, 127, 127],
  [188, 189, 34],
  [23, 190, 207],
];

/** A picture in memory: RGBA pixels, drawing with alpha blending, encoded as PNG. */
export class Canvas {
  readonly pixels: Uint8Array;

  constructor(
    readonly width: number,
    readonly height: number,
    background: Color = WHITE,
  ) {
    this.pixels = new Uint8Array(width * height * 4);
    for (let i = 0; i < width * height; i++) this.pixels.set([...background, 255], i * 4);
  }

  /** Blends a colour into one pixel with opacity `alpha`. */
  plot(x: number, y: number, color: Color, alpha = 1): void {
    const [px, py] = [Math.round(x), Math.round(y)];
    if (px < 0 || py < 0 || px >= this.width || py >= this.height) return;
    const at = (py * this.width + px) * 4;
    for (let k = 0; k < 3; k++) this.pixels[at + k] = Math.round(this.pixels[at + k] * (1 - alpha) + color[k] * alpha);
  }

  rect(x: number, y: number, w: number, h: number, color: Color, alpha = 1): void {
    for (let j = Math.round(y); j < Math.round(y + h); j++)
      for (let i = Math.round(x); i < Math.round(x + w); i++) this.plot(i, j, color, alpha);
  }

  /** A line, drawn by stepping along its longer axis. */
  line(x0: number, y0: number, x1: number, y1: number, color: Color, thickness = 1): void {
    const steps = Math.max(1, Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0))));
    const r = (thickness - 1) / 2;
    for (let s = 0; s <= steps; s++) {
      const x = x0 + ((x1 - x0) * s) / steps;
      const y = y0 + ((y1 - y0) * s) / steps;
      if (r <= 0) this.plot(x, y, color);
      else this.rect(x - r, y - r, thickness, thickness, color);
    }
  }

  /** A filled disc, its edge anti-aliased by coverage. */
  disc(cx: number, cy: number, radius: number, color: Color, alpha = 1): void {
    for (let y = Math.floor(cy - radius - 1); y <= Math.ceil(cy + radius + 1); y++) {
      for (let x = Math.floor(cx - radius - 1); x <= Math.ceil(cx + radius + 1); x++) {
        const coverage = Math.min(1, Math.max(0, radius + 0.5 - Math.hypot(x - cx, y - cy)));
        if (coverage > 0) this.plot(x, y, color, alpha * coverage);
      }
    }
  }

  /** Text in the bitmap font, each font pixel drawn as scale × scale; (x, y) is the top left corner. */
  text(x: number, y: number, text: string, color: Color = BLACK, scale = 2): void {
    [...text].forEach((char, k) => {
      const rows = glyph(char);
      for (let row = 0; row < GLYPH_HEIGHT; row++) {
        for (let col = 0; col < GLYPH_WIDTH; col++) {
          if (rows[row] & (1 << (GLYPH_WIDTH - 1 - col)))
            this.rect(x + (k * (GLYPH_WIDTH + 1) + col) * scale, y + row * scale, scale, scale, color);
        }
      }
    });
  }

  static textWidth(text: string, scale = 2): number {
    return text.length * (GLYPH_WIDTH + 1) * scale - scale;
  }

  static textHeight(scale = 2): number {
    return GLYPH_HEIGHT * scale;
  }

  toPNG(): Buffer {
    const png = new PNG({ width: this.width, height: this.height });
    png.data = Buffer.from(this.pixels.buffer, this.pixels.byteOffset, this.pixels.byteLength);
    return PNG.sync.write(png);
  }
}
