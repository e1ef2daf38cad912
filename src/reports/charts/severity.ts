/**
 * Accuracy against corruption severity (Hendrycks & Dietterich 2019, Fig. 3's view per corruption): one
 * small panel per corruption that ran, severity 0 (the clean test set) to 5 on x, top-1 on y, one line per
 * method (zero-shot and each k-shot probe, the same classifiers scored on every severity).
 */
import type { ChartConfiguration } from 'chart.js';
import type { SKRSContext2D } from '@napi-rs/canvas';
import type { DatasetResult } from '../../results/schema.ts';
import { font, measureText, renderPanels, type Panel } from '../render.ts';
import { probeKind, sortedProbes } from '../select.ts';
import { probeShade, ZERO_SHOT_COLOR } from '../style.ts';

export interface SeverityLine {
  label: string;
  color: string;
  /** Top-1 (fraction) at each severity measured, severity 0 = clean. */
  points: { severity: number; top1: number }[];
}

export interface SeverityPanel {
  corruption: string;
  group: 'corruptions' | 'extra';
  lines: SeverityLine[];
}

/** One panel per corruption, in the order the record lists them; each method's top-1 per severity, clean first. */
export function severityPanels(clean: DatasetResult, shifted: DatasetResult[]): SeverityPanel[] {
  const corrupted = shifted.flatMap((d) => (d.shiftInfo?.kind === 'corruption' ? [{ d, info: d.shiftInfo }] : []));
  const names = [...new Set(corrupted.map((c) => c.info.corruption))];
  const probes = sortedProbes(clean);
  const methods: { label: string; color: string; top1: (d: DatasetResult) => number | null }[] = [];
  if (clean.zeroShot.available && clean.zeroShot.top1) methods.push({ label: 'zero-shot', color: ZERO_SHOT_COLOR, top1: (d) => d.zeroShot.top1?.mean ?? null });
  probes.forEach((p, i) =>
    methods.push({ label: `${probeKind(p.shots)} probe`, color: probeShade(i, probes.length), top1: (d) => d.probes.find((q) => q.shots === p.shots)?.top1.mean ?? null }),
  );
  return names.map((corruption) => {
    const rows = corrupted.filter((c) => c.info.corruption === corruption).sort((a, b) => a.info.severity - b.info.severity);
    const lines = methods.map((m) => ({
      label: m.label,
      color: m.color,
      points: [{ severity: 0, d: clean }, ...rows.map((r) => ({ severity: r.info.severity, d: r.d }))].flatMap(({ severity, d }) => {
        const top1 = m.top1(d);
        return top1 === null ? [] : [{ severity, top1 }];
      }),
    }));
    return { corruption, group: rows[0].info.group, lines };
  });
}

/** Columns of the panel grid: a row for up to 3, then as square as fits 1100 px (5 across for the 19). */
export function gridColumns(n: number): number {
  if (n <= 3) return Math.max(1, n);
  if (n === 4) return 2;
  if (n <= 9) return 3;
  if (n <= 16) return 4;
  return 5;
}

const WIDTH = 1100;
const HEADER = 118;
/** Room for the shared axis titles (one for the figure, so every panel has the same plot area). */
const LEFT = 26;
const FOOTER = 30;

function panelConfig(panel: SeverityPanel, yMax: number, step: number, cleanLabel: string): ChartConfiguration<'line'> {
  return {
    type: 'line',
    data: {
      datasets: panel.lines.map((l) => ({
        label: l.label,
        data: l.points.map((p) => ({ x: p.severity, y: 100 * p.top1 })),
        borderColor: l.color,
        backgroundColor: l.color,
        borderWidth: l.label === 'zero-shot' ? 2.5 : 2,
        borderDash: l.label === 'zero-shot' ? [7, 4] : undefined,
        pointRadius: 3,
        fill: false,
      })),
    },
    options: {
      parsing: false,
      plugins: {
        title: { display: true, text: `${panel.corruption}${panel.group === 'extra' ? ' (extra)' : ''}`, font: { size: 15, weight: 'bold' }, padding: { top: 4, bottom: 4 } },
        legend: { display: false },
      },
      scales: {
        x: {
          type: 'linear',
          min: -0.2,
          max: 5.2,
          afterBuildTicks: (scale) => void (scale.ticks = [0, 1, 2, 3, 4, 5].map((value) => ({ value }))),
          ticks: { font: { size: 12 }, maxRotation: 0, callback: (v) => (Number(v) === 0 ? cleanLabel : `${v}`) },
        },
        y: { min: 0, max: yMax, ticks: { font: { size: 12 }, stepSize: step } },
      },
    },
  };
}

/** The shared header: title, subtitle and one legend for every panel. */
function drawHeader(ctx: SKRSContext2D, title: string, subtitle: string, lines: SeverityLine[]): void {
  ctx.fillStyle = '#222';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  ctx.font = font(20, true);
  ctx.fillText(title, WIDTH / 2, 12);
  ctx.font = font(14);
  ctx.fillText(subtitle, WIDTH / 2, 42);
  const entries = lines.map((l) => ({ ...l, w: 44 + measureText(l.label, font(14)) + 22 }));
  let x = (WIDTH - entries.reduce((a, e) => a + e.w, 0)) / 2;
  const y = 84;
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  for (const e of entries) {
    ctx.strokeStyle = e.color;
    ctx.lineWidth = 2.5;
    ctx.setLineDash(e.label === 'zero-shot' ? [7, 4] : []);
    ctx.beginPath();
    ctx.moveTo(x, y);
    ctx.lineTo(x + 36, y);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = e.color;
    ctx.beginPath();
    ctx.arc(x + 18, y, 3.5, 0, 2 * Math.PI);
    ctx.fill();
    ctx.fillStyle = '#222';
    ctx.fillText(e.label, x + 44, y);
    x += e.w;
  }
}

function drawAxisTitles(ctx: SKRSContext2D, height: number): void {
  ctx.fillStyle = '#222';
  ctx.font = font(14);
  ctx.textAlign = 'center';
  ctx.textBaseline = 'bottom';
  ctx.fillText('severity', LEFT + (WIDTH - LEFT) / 2, height - 6);
  ctx.save();
  ctx.translate(6, HEADER + (height - HEADER - FOOTER) / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textBaseline = 'top';
  ctx.fillText('top-1 (%)', 0, 0);
  ctx.restore();
}

/** Small multiples of top-1 against severity; null when no corruption ran. */
export function renderSeverity(clean: DatasetResult, shifted: DatasetResult[], title: string, subtitle: string): Buffer | null {
  const panels = severityPanels(clean, shifted);
  if (!panels.length || !panels[0].lines.length) return null;
  const cols = gridColumns(panels.length);
  const rows = Math.ceil(panels.length / cols);
  const pw = Math.floor((WIDTH - LEFT) / cols);
  const ph = cols === 1 ? 440 : cols <= 3 ? 340 : 260;
  const top = Math.max(...panels.flatMap((p) => p.lines.flatMap((l) => l.points.map((q) => q.top1))));
  const step = top > 0.45 ? 20 : 10;
  const yMax = Math.min(100, Math.ceil((100 * top + 5) / step) * step);
  // Narrow panels have no room for the word under severity 0; the subtitle says what 0 is.
  const cleanLabel = cols <= 3 ? 'clean' : '0';
  const layout: Panel[] = panels.map((p, i) => ({
    config: panelConfig(p, yMax, step, cleanLabel) as ChartConfiguration,
    x: LEFT + (i % cols) * pw,
    y: HEADER + Math.floor(i / cols) * ph,
    size: { width: pw, height: ph },
  }));
  const height = HEADER + rows * ph + FOOTER;
  return renderPanels({ width: WIDTH, height }, layout, (ctx) => {
    drawHeader(ctx, title, subtitle, panels[0].lines);
    drawAxisTitles(ctx, height);
  });
}
