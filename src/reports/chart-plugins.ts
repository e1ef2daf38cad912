/** Small chart.js plugins drawn in the same pass as the chart, so the PNG stays one deterministic render. */
import type { Chart, Plugin } from 'chart.js';
import { font } from './render.ts';

/** Vertical (or horizontal, for indexAxis 'y') CI whiskers on bar dataset `datasetIndex`; values in data units. */
export function errorBars(datasetIndex: number, intervals: ([number, number] | null)[], horizontal = false): Plugin {
  return {
    id: `errorBars${datasetIndex}`,
    afterDatasetsDraw(chart: Chart) {
      const meta = chart.getDatasetMeta(datasetIndex);
      const valueScale = horizontal ? chart.scales.x : chart.scales.y;
      const ctx = chart.ctx;
      ctx.save();
      ctx.strokeStyle = '#222';
      ctx.lineWidth = 1.5;
      meta.data.forEach((bar, i) => {
        const ci = intervals[i];
        if (!ci) return;
        const a = valueScale.getPixelForValue(ci[0]);
        const b = valueScale.getPixelForValue(ci[1]);
        const c = horizontal ? bar.y : bar.x;
        ctx.beginPath();
        if (horizontal) {
          ctx.moveTo(a, c); ctx.lineTo(b, c);
          ctx.moveTo(a, c - 6); ctx.lineTo(a, c + 6);
          ctx.moveTo(b, c - 6); ctx.lineTo(b, c + 6);
        } else {
          ctx.moveTo(c, a); ctx.lineTo(c, b);
          ctx.moveTo(c - 6, a); ctx.lineTo(c + 6, a);
          ctx.moveTo(c - 6, b); ctx.lineTo(c + 6, b);
        }
        ctx.stroke();
      });
      ctx.restore();
    },
  };
}

/** Text beside each bar of dataset `datasetIndex` (after the bar's end, in the value direction). */
export function barLabels(datasetIndex: number, labels: string[], horizontal = false): Plugin {
  return {
    id: `barLabels${datasetIndex}`,
    afterDatasetsDraw(chart: Chart) {
      const meta = chart.getDatasetMeta(datasetIndex);
      const ctx = chart.ctx;
      ctx.save();
      ctx.fillStyle = '#222';
      ctx.font = font(14);
      meta.data.forEach((bar, i) => {
        const text = labels[i];
        if (!text) return;
        if (horizontal) {
          ctx.textAlign = 'left';
          ctx.textBaseline = 'middle';
          ctx.fillText(text, Math.max(bar.x, chart.chartArea.left) + 6, bar.y);
        } else {
          ctx.textAlign = 'center';
          ctx.textBaseline = 'bottom';
          ctx.fillText(text, bar.x, Math.min(bar.y, chart.chartArea.bottom) - 4);
        }
      });
      ctx.restore();
    },
  };
}
