// The SKM survey form (kiosk/templates/kiosk/survey_form.html), shared by the phone page and the
// counter tablet: reads the answers, posts them to POST /api/v1/tickets/{id}/survey, and shows what
// the server refuses in a summary that names each field and moves the focus to it. The server is
// the one judge of the values; the browser only stops what its own inputs cannot hold (an age that
// is not a number, outside the form's min and max, which come from the same list as the server's).
import { langs, t } from "/static/js/i18n.js";

const words = (key, params) => langs.map((lang) => t(lang, key, params));

function spans(texts) {
  return texts.map((text, i) => {
    const span = document.createElement("span");
    span.className = i === 0 ? "first" : "second";
    span.lang = langs[i];
    span.textContent = text;
    return span;
  });
}

// The name a field shows in the page's first language: its heading, legend or label without the
// second language's words.
function labelOf(container) {
  const label = container.querySelector(".element-title, legend, label");
  if (!label) return "";
  const copy = label.cloneNode(true);
  copy.querySelectorAll(".second, .question").forEach((node) => node.remove());
  return copy.textContent.replace(/\s+/g, " ").trim();
}

/**
 * Runs one survey form. `ticketId()` names the ticket being answered (the tablet's changes with
 * each offer); `onAnswered(code)` is told "answered" after a 201, or "already_answered" when the
 * ticket had its response already. Returns {reset()} to empty the form for the next visitor.
 */
export function mountSurvey(form, { ticketId, onAnswered }) {
  const errors = form.querySelector(".survey-errors");
  const failed = form.querySelector(".survey-failed");
  const submit = form.querySelector(".survey-submit");
  const comment = form.elements.namedItem("comment");
  const count = form.querySelector(".comment-count");
  const commentMax = Number(form.dataset.maxComment);
  let busy = false;

  function countComment() {
    count.replaceChildren(...spans(words("survey.form.comment_left", { num: commentMax - comment.value.length })));
  }

  function body() {
    const answers = {};
    form.querySelectorAll(".survey-element").forEach((fieldset) => {
      const chosen = fieldset.querySelector("input:checked");
      if (chosen) answers[fieldset.dataset.field] = Number(chosen.value);
    });
    const profile = {};
    const sex = form.querySelector("input[name=sex]:checked");
    if (sex) profile.sex = sex.value;
    const age = form.elements.namedItem("age").value;
    if (age !== "") profile.age = Number(age);
    for (const name of ["education", "occupation"]) {
      const value = form.elements.namedItem(name).value;
      if (value) profile[name] = value;
    }
    const text = comment.value.trim();
    return text ? { answers, profile, comment: text } : { answers, profile };
  }

  function localProblems() {
    const age = form.elements.namedItem("age");
    return age.validity.valid ? [] : [{ field: "age", message: t(langs[0], "survey.form.age_invalid", { min: age.min, max: age.max }) }];
  }

  // The API names a field as "u3", "answers.u3", "profile.age" or "comment": the last part finds it.
  function containerOf(field) {
    const name = String(field || "").split(".").pop();
    return form.querySelector(`[data-field="${CSS.escape(name)}"]`) || form.querySelector(".survey-element");
  }

  function clearProblems() {
    errors.hidden = true;
    failed.hidden = true;
    form.querySelectorAll(".invalid").forEach((node) => node.classList.remove("invalid"));
    form.querySelectorAll(".field-error").forEach((node) => node.remove());
  }

  function showProblems(problems) {
    const list = errors.querySelector("ul");
    list.replaceChildren();
    let first = null;
    problems.forEach(({ field, message }, i) => {
      const container = containerOf(field);
      const control = container.querySelector("input, select, textarea");
      container.classList.add("invalid");
      const inline = document.createElement("p");
      inline.className = "field-error";
      inline.id = `${form.id}-problem-${i}`;
      inline.textContent = message;
      container.append(inline);
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = `#${control.id}`;
      link.textContent = `${labelOf(container)}: ${message}`;
      link.addEventListener("click", (event) => { event.preventDefault(); control.focus(); });
      item.append(link);
      list.append(item);
      first = first || control;
    });
    errors.hidden = false;
    first.focus();
  }

  function showFailure(message) {
    failed.textContent = message;
    failed.hidden = false;
  }

  async function send(event) {
    event.preventDefault();
    if (busy) return;
    clearProblems();
    const problems = localProblems();
    if (problems.length) return showProblems(problems);
    busy = true;
    submit.disabled = true;
    try {
      const response = await fetch(`/api/v1/tickets/${encodeURIComponent(ticketId())}/survey`, {
        method: "POST",
        headers: { "Content-Type": "application/json", "Accept-Language": langs[0] },
        body: JSON.stringify(body()),
        credentials: "same-origin",
      });
      const answer = await response.json().catch(() => ({}));
      const error = answer.error || {};
      if (response.ok || error.code === "already_answered") {
        onAnswered(response.ok ? "answered" : error.code);
      } else if (response.status === 400 && error.field) {
        showProblems([{ field: error.field, message: error.message }]);
      } else {
        showFailure(error.message || words("survey.form.failed").join(" / "));
      }
    } catch {
      showFailure(words("survey.form.failed").join(" / "));
    } finally {
      busy = false;
      submit.disabled = false;
    }
  }

  function reset() {
    form.reset();
    clearProblems();
    countComment();
  }

  comment.addEventListener("input", countComment);
  form.addEventListener("submit", send);
  countComment();
  return { reset };
}
