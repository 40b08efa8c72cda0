// The visitor's live ticket page: follows one ticket over the live channel (audience ticket=ID),
// announces the call with a beep and a vibration, lets the holder give up their place, and once the
// ticket is done offers the SKM survey (kiosk/static/survey.js, loaded only then).
import { langs, t as translated } from "/static/js/i18n.js";

const data = JSON.parse(document.getElementById("ticket-data").textContent);
let ticket = data.ticket;
let lastSeq = -1;
let audio = null;

const $ = (id) => document.getElementById(id);

// One sentence about a ticket (phone.* in the catalogue), in the page's languages: the same entries
// the server filled in before the script took over (kiosk/ticket_page.py, say).
function say(key, t) {
  const [low, high] = t.eta_range || [0, 0];
  const counter = (t.counter && t.counter.name) || "";
  return langs.map((lang) => translated(lang, `phone.${key}`, { counter, num: t.waiting_ahead, low, high }));
}

function write(element, texts) {
  element.replaceChildren(...texts.map((text, i) => {
    const span = document.createElement("span");
    span.className = i === 0 ? "first" : "second";
    span.lang = langs[i];
    span.textContent = text;
    return span;
  }));
}

function etaKey(t) {
  if (!t.eta_range) return "eta_none";
  return t.eta_range[1] <= 1 ? "eta_soon" : "eta";
}

function render(t, events = []) {
  const before = ticket.status;
  const main = $("ticket");
  main.className = `status-${t.status}`;
  main.dataset.status = t.status;
  write($("status"), say(t.status, t));
  $("waiting").hidden = t.status !== "waiting";
  if (t.status === "waiting") {
    write($("ahead"), say(t.waiting_ahead ? "ahead" : "ahead_none", t));
    write($("eta"), say(etaKey(t), t));
  }
  const recalled = t.status === "called" && (events.includes("recalled") || t.call_count > 1);
  $("recalled").hidden = !recalled;
  $("closing").hidden = !["done", "no_show"].includes(t.status);
  if (!$("closing").hidden) write($("closing"), say(t.status === "done" ? "thanks" : "missed", t));
  $("cancel").hidden = t.status !== "waiting"; // once called, the ticket is the officer's (409)
  if (t.status === "called" && (before !== "called" || events.includes("recalled"))) announce();
  if (t.status === "done" && before !== "done") loadSurvey();
  ticket = t;
}

// --- the survey, once served: the server renders its section (form, thank-you or nothing) -----------
async function loadSurvey() {
  try {
    const response = await fetch(`/t/${encodeURIComponent(ticket.id)}/survey`, { cache: "no-store" });
    if (!response.ok) return;
    const fresh = new DOMParser().parseFromString(await response.text(), "text/html").getElementById("survey");
    if (fresh) $("survey").replaceWith(document.adoptNode(fresh));
    await startSurvey();
  } catch {
    // offline: the survey stays offered on the next visit of this page
  }
}

async function startSurvey() {
  const form = $("survey-form");
  if (!form) return;
  const { mountSurvey } = await import("./survey.js");
  mountSurvey(form, { ticketId: () => ticket.id, onAnswered: surveyAnswered });
}

function surveyAnswered() {
  $("survey-form").remove();
  $("survey-intro").hidden = true;
  $("survey-thanks").hidden = false;
  $("survey").dataset.state = "answered";
  $("survey-heading").focus();
}

// --- the call: a short beep (WebAudio, no file) and a vibration, where the phone allows ---------
function unlockAudio() {
  const Context = window.AudioContext || window.webkitAudioContext;
  if (!audio && Context) audio = new Context();
  if (audio && audio.state === "suspended") audio.resume();
}

function announce() {
  if (navigator.vibrate) navigator.vibrate([400, 150, 400, 150, 400]);
  if (!audio || audio.state !== "running") return;
  [0, 0.35, 0.7].forEach((offset) => {
    const tone = audio.createOscillator();
    const gain = audio.createGain();
    tone.frequency.value = 880;
    gain.gain.setValueAtTime(0.3, audio.currentTime + offset);
    gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + offset + 0.3);
    tone.connect(gain).connect(audio.destination);
    tone.start(audio.currentTime + offset);
    tone.stop(audio.currentTime + offset + 0.3);
  });
}

// --- following the ticket -------------------------------------------------------------------------
function follow() {
  if (!window.io) {
    setInterval(refresh, 15000);  // the live channel's script did not load: ask now and then
    return;
  }
  const socket = window.io({ auth: { ticket: ticket.id }, transports: ["websocket", "polling"] });
  socket.on("connect", () => { $("offline").hidden = true; });
  socket.on("disconnect", () => { $("offline").hidden = false; });
  socket.on("connect_error", () => { $("offline").hidden = false; });
  socket.on("ticket", (message) => {
    if (message.seq < lastSeq) return;  // snapshots: keep the newest
    lastSeq = message.seq;
    render(message.ticket, message.events || []);
  });
  // Time alone moves the estimate (a counter's visitor takes longer): refresh it now and then.
  setInterval(() => { if (socket.connected) socket.emit("sync"); }, 60000);
}

async function refresh() {
  try {
    const response = await fetch(`/api/v1/tickets/${encodeURIComponent(ticket.id)}`, { cache: "no-store" });
    if (response.ok) render(await response.json());
  } catch {
    // offline for now; the next round tries again
  }
}

// --- large type and high contrast, remembered on this phone -------------------------------------
const LARGE_KEY = "antre.largeText";

function largeText(on) {
  document.documentElement.classList.toggle("large", on);
  $("large-text").setAttribute("aria-pressed", String(on));
  try {
    localStorage.setItem(LARGE_KEY, on ? "1" : "0");
  } catch {
    // private browsing without storage: the choice lasts for this page only
  }
}

function storedLargeText() {
  try {
    return localStorage.getItem(LARGE_KEY) === "1";
  } catch {
    return false;
  }
}

// --- giving up the place --------------------------------------------------------------------------
async function cancel() {
  $("cancel-error").hidden = true;
  try {
    const response = await fetch(`/api/v1/tickets/${encodeURIComponent(ticket.id)}/cancel`, { method: "POST", headers: { "Accept-Language": langs[0] } });
    const body = await response.json();
    if (!response.ok) throw new Error(body.error ? body.error.message : response.status);
    $("cancel-confirm").hidden = true;
    render(body);
  } catch (error) {
    $("cancel-error").textContent = `${say("cancel_failed", ticket).join(" / ")} (${error.message})`;
    $("cancel-error").hidden = false;
  }
}

$("cancel-ask").addEventListener("click", () => { $("cancel-confirm").hidden = false; $("cancel-ask").hidden = true; });
$("cancel-no").addEventListener("click", () => { $("cancel-confirm").hidden = true; $("cancel-ask").hidden = false; });
$("cancel-yes").addEventListener("click", cancel);
$("large-text").addEventListener("click", () => largeText(!document.documentElement.classList.contains("large")));
$("large-text").hidden = false;
largeText(storedLargeText());
document.addEventListener("pointerdown", unlockAudio);
document.addEventListener("keydown", unlockAudio);
render(ticket);
startSurvey();
follow();
