// The survey tablet beside a counter (/survey?counter=ID, kiosk/survey_page.py): idle between
// visitors; when the counter completes a ticket the live channel sends `survey_offer` (audience
// survey=ID, which only this paired tablet may join) and the tablet shows the survey for it until
// the offer's time is up; after an answer, a thank-you for a few seconds, then idle again. A visitor
// still answering keeps the offer: each touch or key gives it survey.tablet_seconds more.
import { mountSurvey } from "./survey.js";

const settings = JSON.parse(document.getElementById("tablet-settings").textContent);
const $ = (id) => document.getElementById(id);
const SCREENS = ["idle", "offer", "done"];

let offer = null;
let handled = -1; // the newest offer seen: a reconnect sends the open one again
let timer = null;

function show(screen) {
  SCREENS.forEach((name) => { $(name).hidden = name !== screen; });
  document.body.dataset.screen = screen;
}

function after(seconds, then) {
  clearTimeout(timer);
  timer = setTimeout(then, seconds * 1000);
}

function idle() {
  clearTimeout(timer);
  offer = null;
  survey.reset();
  show("idle");
}

function present(message) {
  if (message.seq <= handled) return;
  handled = message.seq;
  offer = message;
  survey.reset();
  $("offer-number").textContent = message.ticket.number;
  $("offer-service").textContent = message.ticket.service_name;
  show("offer");
  window.scrollTo(0, 0);
  $("offer-heading").focus();
  after(message.seconds, idle); // the offer's time is up: reset with no answer stored
}

function thank() {
  offer = null;
  survey.reset();
  show("done");
  $("done-heading").focus();
  after(settings.thanks_seconds, idle);
}

function stillAnswering() {
  if (offer) after(settings.offer_seconds, idle);
}

["input", "pointerdown", "keydown"].forEach((kind) => $("tablet-form").addEventListener(kind, stillAnswering));

const survey = mountSurvey($("tablet-form"), { ticketId: () => offer.ticket.id, onAnswered: thank });

// Refused because the key was replaced? The page itself is the judge: once it says "not paired"
// (403), show that page, which says how to pair again.
async function reloadIfUnpaired() {
  try {
    const response = await fetch(window.location.href, { method: "HEAD", cache: "no-store" });
    if (response.status === 403) window.location.reload();
  } catch {
    // the server is away: the channel keeps trying
  }
}

function follow() {
  if (!window.io) {
    $("offline").hidden = false; // the live channel's script did not load: no offer can arrive
    return;
  }
  const socket = window.io({ auth: { survey: settings.counter }, transports: ["websocket", "polling"] });
  socket.on("connect", () => { $("offline").hidden = true; });
  socket.on("disconnect", () => { $("offline").hidden = false; });
  socket.on("connect_error", () => {
    $("offline").hidden = false;
    reloadIfUnpaired();
  });
  socket.on("survey_offer", present);
}

show("idle");
follow();
