import { BLACK, Canvas, Color, GREY, PALETTE } from './canvas';

/**
 * About `count` round tick values (steps of 1, 2 or 5 × 10ᵏ, the one nearest the raw step in log scale) in
 * [low, high]. `integer`: only whole numbers (an axis of steps, where 19.6 means nothing), at least one.
 */
export function niceTicks(low: number, high: number, count = 5, integer = false): number[] {
  if (!(high > low)) return [integer ? Math.round(low) : low];
  const raw = (high - low) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const nearest = [1, 2, 5, 10]
    .map((m) => m * power)
    .reduce((best, s) => (Math.abs(Math.log(s / raw)) < Math.abs(Math.log(best / raw)) ? s : best));
  const step = integer ? Math.max(1, nearest) : nearest;
  if (integer && Math.ceil(low) > high) return [Math.round((low + high) / 2)];
  const ticks: number[] = [];
  for (let v = Math.ceil(low / step) * step; v <= high + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 10000 || a < 0.001) return v.toExponential(0);
  return String(Number(v.toPrecision(4)));
}

/** The range of values, padded by a fraction so points do not sit on the frame. */
function extent(values: ArrayLike<number>, pad = 0.05): [number, number] {
  let [low, high] = [Infinity, -Infinity];
  for (let i = 0; i < values.length; i++)
    if (Number.isFinite(values[i])) [low, high] = [Math.min(low, values[i]), Math.max(high, values[i])];
  if (low === Infinity) return [0, 1];
  const margin = (high - low || Math.abs(high) || 1) * pad;
  return [low - margin, high + margin];
}

export interface ScatterOptions {
  title: string;
  /** Name shown in the legend for each label. */
  labelName?: (label: number) => string;
  width?: number;
  height?: number;
}

/** Points [N·2] coloured by label, with a legend on the right. */
export function scatterPlot(points: ArrayLike<number>, labels: ArrayLike<number>, options: ScatterOptions): Canvas {
  const { width = 900, height = 760, labelName = String } = options;
  const canvas = new Canvas(width, height);
  const legendWidth = 120;
  const box = { left: 20, top: 50, right: width - legendWidth, bottom: height - 20 };
  canvas.text(box.left, 16, options.title, BLACK, 2);
  const xs = Array.from({ length: labels.length }, (_, i) => points[2 * i]);
  const ys = Array.from({ length: labels.length }, (_, i) => points[2 * i + 1]);
  const [x0, x1] = extent(xs);
  const [y0, y1] = extent(ys);
  // one scale for both axes: distances in the map mean the same thing in every direction
  const scale = Math.min((box.right - box.left) / (x1 - x0), (box.bottom - box.top) / (y1 - y0));
  const cx = (box.left + box.right) / 2 - ((x0 + x1) / 2) * scale;
  const cy = (box.top + box.bottom) / 2 + ((y0 + y1) / 2) * scale;
  for (let i = 0; i < labels.length; i++)
    canvas.disc(cx + xs[i] * scale, cy - ys[i] * scale, 2.6, PALETTE[labels[i] % PALETTE.length], 0.75);
  const classes = [...new Set(Array.from(labels))].sort((a, b) => a - b);
  classes.forEach((label, k) => {
    const y = box.top + k * 26;
    canvas.disc(box.right + 24, y + 7, 6, PALETTE[label % PALETTE.length]);
    canvas.text(box.right + 40, y, labelName(label), BLACK, 2);
  });
  return canvas;
}

export interface Series {
  name: string;
  xs: readonly number[];
  ys: readonly number[];
  color?: Color;
}

export interface Panel {
  title: string;
  series: Series[];
}

/** Panels stacked vertically, each a framed line chart with ticks and, for several series, a legend. */
export function linePanels(
  panels: readonly Panel[],
  /** `integerX`: the x axis counts something (steps), so its ticks are whole numbers. */
  options: { xLabel: string; width?: number; panelHeight?: number; integerX?: boolean },
): Canvas {
  const { width = 900, panelHeight = 240 } = options;
  const canvas = new Canvas(width, panels.length * panelHeight + 40);
  panels.forEach((panel, p) => {
    const top = p * panelHeight;
    const box = { left: 90, top: top + 40, right: width - 30, bottom: top + panelHeight - 40 };
    canvas.text(box.left, top + 14, panel.title, BLACK, 2);
    const allX = panel.series.flatMap((s) => [...s.xs]);
    const allY = panel.series.flatMap((s) => [...s.ys]);
    const [x0, x1] = extent(allX, 0.02);
    const [y0, y1] = extent(allY, 0.08);
    const px = (x: number): number => box.left + ((x - x0) / (x1 - x0)) * (box.right - box.left);
    const py = (y: number): number => box.bottom - ((y - y0) / (y1 - y0)) * (box.bottom - box.top);
    for (const t of niceTicks(y0, y1, 4)) {
      canvas.line(box.left, py(t), box.right, py(t), [235, 235, 235]);
      const label = formatTick(t);
      canvas.text(box.left - 8 - Canvas.textWidth(label, 2), py(t) - 7, label, GREY, 2);
    }
    for (const t of niceTicks(x0, x1, 6, options.integerX)) {
      const label = formatTick(t);
      canvas.text(px(t) - Canvas.textWidth(label, 2) / 2, box.bottom + 8, label, GREY, 2);
    }
    for (const [a, b, c, d] of [
      [box.left, box.top, box.right, box.top],
      [box.left, box.bottom, box.right, box.bottom],
      [box.left, box.top, box.left, box.bottom],
      [box.right, box.top, box.right, box.bottom],
    ]) {
      canvas.line(a, b, c, d, GREY);
    }
    panel.series.forEach((s, k) => {
      const color = s.color ?? PALETTE[k % PALETTE.length];
      for (let i = 1; i < s.xs.length; i++)
        canvas.line(px(s.xs[i - 1]), py(s.ys[i - 1]), px(s.xs[i]), py(s.ys[i]), color, 2);
      if (s.xs.length === 1) canvas.disc(px(s.xs[0]), py(s.ys[0]), 3, color);
      if (panel.series.length > 1) {
        // the legend sits on the title line, right-aligned, one entry after another
        const names = panel.series.map((t) => t.name);
        const widths = names.map((name) => Canvas.textWidth(name, 2) + 30);
        const x = box.right - widths.slice(k).reduce((a, b) => a + b, 0) + 8;
        canvas.rect(x, top + 19, 14, 4, color);
        canvas.text(x + 20, top + 14, s.name, BLACK, 2);
      }
    });
  });
  canvas.text(width / 2 - Canvas.textWidth(options.xLabel, 2) / 2, canvas.height - 26, options.xLabel, BLACK, 2);
  return canvas;
}
