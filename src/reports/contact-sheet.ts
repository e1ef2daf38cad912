/** A contact sheet: the top-ranked images in a grid, each with its rank, score and file name. */
import { createCanvas } from '@napi-rs/canvas';
import type { RawImage } from '../datasets/types.ts';
import { font, renderCanvas } from './render.ts';

export interface SheetItem {
  image: RawImage;
  /** Lines under the thumbnail: "#1  0.312", the file name. */
  lines: string[];
}

const CELL = 200;
const CAPTION = 44;
const PAD = 12;

function toRgba(img: RawImage): Uint8ClampedArray {
  const out = new Uint8ClampedArray(img.width * img.height * 4);
  for (let p = 0; p < img.width * img.height; p++) {
    const s = p * img.channels;
    const gray = img.channels <= 2;
    out[p * 4] = img.data[s];
    out[p * 4 + 1] = gray ? img.data[s] : img.data[s + 1];
    out[p * 4 + 2] = gray ? img.data[s] : img.data[s + 2];
    out[p * 4 + 3] = img.channels === 4 ? img.data[s + 3] : img.channels === 2 ? img.data[s + 1] : 255;
  }
  return out;
}

export function renderContactSheet(title: string, subtitle: string, items: SheetItem[], columns = 8): Buffer {
  const cols = Math.max(1, Math.min(columns, items.length));
  const rows = Math.ceil(items.length / cols);
  const head = 70;
  const width = PAD + cols * (CELL + PAD);
  const height = head + rows * (CELL + CAPTION + PAD) + PAD;
  return renderCanvas({ width, height }, (ctx) => {
    ctx.fillStyle = '#222';
    ctx.font = font(20, true);
    ctx.fillText(title, PAD, 30);
    ctx.font = font(14);
    ctx.fillText(subtitle, PAD, 54);
    items.forEach((it, k) => {
      const x = PAD + (k % cols) * (CELL + PAD);
      const y = head + Math.floor(k / cols) * (CELL + CAPTION + PAD);
      const src = createCanvas(it.image.width, it.image.height);
      const sctx = src.getContext('2d');
      const data = sctx.createImageData(it.image.width, it.image.height);
      data.data.set(toRgba(it.image));
      sctx.putImageData(data, 0, 0);
      const scale = Math.min(CELL / it.image.width, CELL / it.image.height);
      const w = it.image.width * scale;
      const h = it.image.height * scale;
      ctx.fillStyle = '#eee';
      ctx.fillRect(x, y, CELL, CELL);
      ctx.imageSmoothingEnabled = scale < 4;
      ctx.drawImage(src, x + (CELL - w) / 2, y + (CELL - h) / 2, w, h);
      ctx.fillStyle = '#222';
      it.lines.slice(0, 2).forEach((line, j) => {
        ctx.font = font(j === 0 ? 14 : 12, j === 0);
        let text = line;
        while (text.length > 4 && ctx.measureText(text).width > CELL) text = `${text.slice(0, -2)}…`.replace(/……$/, '…');
        ctx.fillText(text, x, y + CELL + 18 + j * 18);
      });
    });
  });
}
