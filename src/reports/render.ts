/**
 * The one place that turns a chart into PNG bytes. chart.js draws on an @napi-rs/canvas canvas
 * (Skia, shipped as a prebuilt binary inside the npm registry, no system libraries), with the
 * DejaVu Sans font from the `dejavu-fonts-ttf` npm package registered under a private alias, so
 * text is legible and identical on machines with no system fonts. Fixed sizes, no animation,
 * device pixel ratio 1 and PNG output without metadata make the bytes a function of the input.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createCanvas, GlobalFonts, type SKRSContext2D } from '@napi-rs/canvas';
import { Chart, registerables, type ChartConfiguration, type Plugin } from 'chart.js';

export const FONT_FAMILY = 'clip-bench DejaVu Sans';
const FONT_FILES: [string, string][] = [
  ['DejaVuSans.ttf', FONT_FAMILY],
  ['DejaVuSans-Bold.ttf', FONT_FAMILY],
];

let ready = false;
function setUp(): void {
  if (ready) return;
  const fontDir = join(dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json')), 'ttf');
  for (const [file, alias] of FONT_FILES) {
    if (!GlobalFonts.registerFromPath(join(fontDir, file), alias)) throw new Error(`could not register font ${join(fontDir, file)}`);
  }
  Chart.register(...registerables);
  Chart.defaults.font.family = FONT_FAMILY;
  Chart.defaults.font.size = 15;
  Chart.defaults.color = '#222';
  ready = true;
}

/** Paint the background white (chart.js leaves it transparent). */
const whiteBackground: Plugin = {
  id: 'whiteBackground',
  beforeDraw(chart) {
    const ctx = chart.ctx;
    ctx.save();
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, chart.width, chart.height);
    ctx.restore();
  },
};

export interface Size {
  width: number;
  height: number;
}

/** Render a chart.js configuration to PNG bytes. */
export function renderChart(config: ChartConfiguration, size: Size): Buffer {
  setUp();
  const canvas = createCanvas(size.width, size.height);
  const cfg = {
    ...config,
    options: { layout: { padding: { left: 6, right: 6 } }, ...config.options, responsive: false, animation: false, devicePixelRatio: 1 },
    plugins: [whiteBackground, ...(config.plugins ?? [])],
  } as ChartConfiguration;
  // chart.js accepts any object with a 2D context; Skia's context implements the parts it uses.
  const chart = new Chart(canvas.getContext('2d') as unknown as CanvasRenderingContext2D, cfg);
  try {
    return canvas.encodeSync('png');
  } finally {
    chart.destroy();
  }
}

/** Draw directly on a canvas (for plots chart.js has no type for, e.g. heat maps) and encode it. */
export function renderCanvas(size: Size, draw: (ctx: SKRSContext2D) => void): Buffer {
  setUp();
  const canvas = createCanvas(size.width, size.height);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, size.width, size.height);
  draw(ctx);
  return canvas.encodeSync('png');
}

/** CSS font shorthand in the registered family. */
export const font = (px: number, bold = false) => `${bold ? 'bold ' : ''}${px}px "${FONT_FAMILY}"`;

/** Width in pixels of `text` in the given CSS font, for laying out canvas-drawn plots. */
export function measureText(text: string, cssFont: string): number {
  setUp();
  const ctx = createCanvas(1, 1).getContext('2d');
  ctx.font = cssFont;
  return ctx.measureText(text).width;
}
