/**
 * The one place that turns a chart into PNG bytes. chart.js draws on an @napi-rs/canvas canvas
 * (Skia, shipped as a prebuilt binary inside the npm registry, no system libraries), with the
 * DejaVu Sans font of src/util/fonts.ts (the `dejavu-fonts-ttf` npm package), so
 * text is legible and identical on machines with no system fonts. Fixed sizes, no animation,
 * device pixel ratio 1 and PNG output without metadata make the bytes a function of the input.
 */
import { createCanvas, type Canvas, type SKRSContext2D } from '@napi-rs/canvas';
import { Chart, registerables, type ChartConfiguration, type Plugin } from 'chart.js';
import { FONT_FAMILY, registerFonts } from '../util/fonts.ts';

export { FONT_FAMILY, font } from '../util/fonts.ts';

let ready = false;
function setUp(): void {
  if (ready) return;
  registerFonts();
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

/** Draw a chart.js configuration on a fresh canvas of `size` and hand it to `use` (destroying the chart clears it). */
function withChart<T>(config: ChartConfiguration, size: Size, use: (canvas: Canvas) => T): T {
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
    return use(canvas);
  } finally {
    chart.destroy();
  }
}

/** Render a chart.js configuration to PNG bytes. */
export function renderChart(config: ChartConfiguration, size: Size): Buffer {
  return withChart(config, size, (canvas) => canvas.encodeSync('png'));
}

export interface Panel {
  config: ChartConfiguration;
  /** Top-left corner and size on the figure. */
  x: number;
  y: number;
  size: Size;
}

/**
 * Small multiples: several charts on one figure (chart.js draws one chart per canvas, so each panel is
 * drawn on its own canvas and copied into place), plus `decorate` for the shared title and legend.
 */
export function renderPanels(size: Size, panels: Panel[], decorate: (ctx: SKRSContext2D) => void): Buffer {
  return renderCanvas(size, (ctx) => {
    for (const p of panels) withChart(p.config, p.size, (canvas) => ctx.drawImage(canvas, p.x, p.y));
    decorate(ctx);
  });
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

/** Width in pixels of `text` in the given CSS font, for laying out canvas-drawn plots. */
export function measureText(text: string, cssFont: string): number {
  setUp();
  const ctx = createCanvas(1, 1).getContext('2d');
  ctx.font = cssFont;
  return ctx.measureText(text).width;
}
