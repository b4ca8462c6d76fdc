import type { MonitorSeries } from '@contract';
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartLine {
  /** The column of the series (`cpu`, `mem`, …). */
  key: string;
  label: string;
  /** A CSS colour variable of the theme (`--accent`) or a colour. */
  color: string;
  /** Turns a stored value into what is plotted (a share into %). */
  scale?: (v: number) => number;
}

export interface ChartProps {
  title: string;
  data: MonitorSeries;
  lines: ChartLine[];
  /** Axis and legend text of a plotted value. */
  format: (v: number) => string;
  /** A fixed y range (0..100 for shares); otherwise from the data. */
  yMax?: number;
  /** A drag across the plot: the range chosen, in epoch ms. */
  onZoom?: (from: number, to: number) => void;
  height?: number;
}

const themeColor = (c: string) =>
  c.startsWith('--') ? getComputedStyle(document.documentElement).getPropertyValue(c).trim() || '#888' : c;

/**
 * A time-series chart drawn by uPlot on a canvas (thousands of points stay smooth). It fills its
 * card's width, follows the theme's colours, and a drag across it zooms to the range dragged.
 */
export function Chart({ title, data, lines, format, yMax, onZoom, height = 160 }: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  // The plot is built once per shape (its lines, height, range); what changes goes in by these.
  const zoom = useRef(onZoom);
  const now = useRef({ data, lines, format });
  useEffect(() => {
    zoom.current = onZoom;
    now.current = { data, lines, format };
  });
  const shape = `${lines.map((l) => `${l.key}:${l.color}`).join()}|${height}|${yMax ?? ''}`;

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const { data, lines, format } = now.current;
    const muted = themeColor('--muted');
    const grid = themeColor('--border');
    const axis = { stroke: muted, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height,
      legend: { live: true },
      cursor: { drag: { x: true, y: false, setScale: false } },
      scales: {
        x: { time: true },
        y: yMax ? { range: [0, yMax] } : { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] },
      },
      axes: [axis, { ...axis, size: 60, values: (_u, ticks) => ticks.map((t) => format(t)) }],
      series: [
        {},
        ...lines.map((l) => ({
          label: l.label,
          stroke: themeColor(l.color),
          width: 1.5,
          spanGaps: false,
          value: (_u: uPlot, v: number | null) => (v === null || v === undefined ? '–' : format(v)),
        })),
      ],
      hooks: {
        setSelect: [
          (u) => {
            if (u.select.width < 4 || !zoom.current) return;
            const from = u.posToVal(u.select.left, 'x');
            const to = u.posToVal(u.select.left + u.select.width, 'x');
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
            zoom.current(Math.round(from * 1000), Math.round(to * 1000));
          },
        ],
      },
    };
    const u = new uPlot(opts, toPlot(data, lines), el);
    plot.current = u;
    const resize = new ResizeObserver(() => u.setSize({ width: Math.max(200, el.clientWidth), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, [shape, height, yMax]);

  useEffect(() => {
    plot.current?.setData(toPlot(data, lines));
  }, [data, lines]);

  return (
    <figure className="chart" aria-label={title}>
      <figcaption>{title}</figcaption>
      <div ref={box} className="chart-plot" data-points={data.at.length} />
    </figure>
  );
}

function toPlot(data: MonitorSeries, lines: ChartLine[]): uPlot.AlignedData {
  return [
    data.at,
    ...lines.map((l) =>
      (data.values[l.key] ?? []).map((v) => (v === null ? null : l.scale ? l.scale(v) : v)),
    ),
  ];
}
