/**
 * The drawing surface of the dataset contact sheets: an @napi-rs/canvas (Skia) canvas with the
 * project's bundled DejaVu Sans (src/util/fonts.ts), so class names in any script DejaVu covers
 * (Latin with accents, Greek, Cyrillic, …) print as written. Images are copied in pixel for pixel;
 * PNG output (sharp, as before) carries no metadata, so the bytes are a function of the input.
 */
import { createCanvas, type SKRSContext2D } from '@napi-rs/canvas';
import sharp from 'sharp';
import { font, registerFonts } from '../util/fonts.ts';

/** Packed 8-bit RGB pixels, row-major. */
export interface RgbCanvas {
  data: Uint8Array;
  width: number;
  height: number;
}

export type Rgb = readonly [number, number, number];
const css = (c: Rgb) => `rgb(${c[0]},${c[1]},${c[2]})`;
const ELLIPSIS = '…';

export class SheetCanvas {
  private readonly ctx: SKRSContext2D;

  constructor(
    readonly width: number,
    readonly height: number,
    paper: Rgb,
  ) {
    registerFonts();
    this.ctx = createCanvas(width, height).getContext('2d');
    this.ctx.textBaseline = 'top';
    this.fillRect(0, 0, width, height, paper);
  }

  fillRect(x: number, y: number, w: number, h: number, colour: Rgb): void {
    this.ctx.fillStyle = css(colour);
    this.ctx.fillRect(x, y, w, h);
  }

  /** `text` with its top-left at (x, y), in a `px`-pixel font. */
  text(text: string, x: number, y: number, px: number, colour: Rgb): void {
    this.ctx.font = font(px);
    this.ctx.fillStyle = css(colour);
    this.ctx.fillText(text, x, y);
  }

  textWidth(text: string, px: number): number {
    this.ctx.font = font(px);
    return this.ctx.measureText(text).width;
  }

  /** `text`, its end cut and marked "…" when wider than `maxWidth`. */
  fit(text: string, maxWidth: number, px: number): string {
    return this.cut([...text], maxWidth, px, (chars, n) => chars.slice(0, n).join('') + ELLIPSIS);
  }

  /** `text`, its start cut when too wide: "…datasets/pets/test" (for paths the last folders say most). */
  fitTail(text: string, maxWidth: number, px: number): string {
    return this.cut([...text], maxWidth, px, (chars, n) => ELLIPSIS + chars.slice(chars.length - n).join(''));
  }

  /** The longest cut (binary search over kept characters) that fits. */
  private cut(chars: string[], maxWidth: number, px: number, make: (chars: string[], keep: number) => string): string {
    if (this.textWidth(chars.join(''), px) <= maxWidth) return chars.join('');
    let lo = 0;
    let hi = chars.length - 1;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (this.textWidth(make(chars, mid), px) <= maxWidth) lo = mid;
      else hi = mid - 1;
    }
    return lo > 0 ? make(chars, lo) : '';
  }

  /** Copy an RGB image in with its top-left at (x, y), unscaled. */
  image(img: RgbCanvas, x: number, y: number): void {
    const rgba = new Uint8ClampedArray(img.width * img.height * 4);
    for (let i = 0, n = img.width * img.height; i < n; i++) {
      rgba[i * 4] = img.data[i * 3];
      rgba[i * 4 + 1] = img.data[i * 3 + 1];
      rgba[i * 4 + 2] = img.data[i * 3 + 2];
      rgba[i * 4 + 3] = 255;
    }
    const data = this.ctx.createImageData(img.width, img.height);
    data.data.set(rgba);
    this.ctx.putImageData(data, x, y);
  }

  /** The sheet as an RGB PNG (the canvas is opaque, so its alpha channel is dropped). */
  toPng(): Promise<Buffer> {
    const { data } = this.ctx.getImageData(0, 0, this.width, this.height);
    return sharp(Buffer.from(data.buffer, data.byteOffset, data.byteLength), { raw: { width: this.width, height: this.height, channels: 4 } })
      .removeAlpha()
      .png()
      .toBuffer();
  }
}
