// The printable monthly report's small charts (the page itself is rendered whole on the server):
// tickets issued and served per day, drawn without animation so that printing shows them complete.

import { langs, t } from '/static/js/i18n.js';

const lang = langs[0];

for (const canvas of document.querySelectorAll('.monthly-canvas')) {
  const data = JSON.parse(canvas.dataset.chart);
  new window.Chart(canvas, {
    type: 'bar',
    data: {
      labels: data.labels,
      datasets: [
        { label: t(lang, 'report.page.issued'), data: data.issued, backgroundColor: '#1f3b6e' },
        { label: t(lang, 'report.page.served'), data: data.served, backgroundColor: '#0f766e' },
      ],
    },
    options: { responsive: true, maintainAspectRatio: false, animation: false, scales: { y: { beginAtZero: true } } },
  });
}
document.getElementById('monthly-print').addEventListener('click', () => window.print());
