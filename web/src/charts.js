// Metric charts: one line chart per metric, one line per run (chart.js, bundled at build time).
import {
  Chart,
  LineController,
  LineElement,
  PointElement,
  LinearScale,
  Legend,
  Tooltip,
} from 'chart.js';

Chart.register(LineController, LineElement, PointElement, LinearScale, Legend, Tooltip);

const palette = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#db2777', '#65a30d', '#475569', '#ca8a04'];

// series: [{label, points: [{step, value}]}]
export function metricChart(canvas, title, series) {
  return new Chart(canvas, {
    type: 'line',
    data: {
      datasets: series.map((s, i) => ({
        label: s.label,
        data: s.points.map((p) => ({ x: Number(p.step), y: typeof p.value === 'number' ? p.value : NaN })),
        borderColor: palette[i % palette.length],
        backgroundColor: palette[i % palette.length],
        pointRadius: s.points.length > 60 ? 0 : 2,
        borderWidth: 1.5,
      })),
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      parsing: false,
      scales: {
        x: { type: 'linear', title: { display: true, text: 'step' } },
        y: { type: 'linear', title: { display: true, text: title } },
      },
      plugins: { legend: { position: 'bottom' } },
    },
  });
}
