// The printable SKM report: its print button (the page itself is whole from the server).
document.getElementById('skm-print-button').addEventListener('click', () => window.print());
