// The admin's "void waiting tickets" form on the choose page: clears a flood in one step with the
// reason kept in each ticket's history. Who may do it is the API's rule (admins only), not this page's.

import { api } from './api.js';
import { pairHtml } from './format.js';

const form = document.getElementById('void-form');
const result = document.getElementById('void-result');

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const fields = new FormData(form);
  const body = { reason: fields.get('reason'), issued_from: fields.get('issued_from') };
  for (const name of ['issued_until', 'service']) {
    if (fields.get(name)) body[name] = fields.get(name);
  }
  result.hidden = false;
  try {
    const answer = await api('POST', '/tickets/void', body);
    result.dataset.kind = 'info';
    result.innerHTML = pairHtml('console.voided', { num: answer.voided });
    form.reset();
  } catch (problem) {
    result.dataset.kind = 'error';
    result.textContent = problem.message;
  }
});
